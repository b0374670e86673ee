import { availableParallelism, cpus } from 'node:os';

/** The machine and runtime a result was measured on. */
export interface Environment {
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpuModel: string;
  readonly cores: number;
  /** When the run finished, ISO 8601. */
  readonly date: string;
}

/** Describes the current process and machine. */
export function describeEnvironment(date: Date = new Date()): Environment {
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpus()[0]?.model.trim() || 'unknown',
    cores: availableParallelism(),
    date: date.toISOString(),
  };
}
