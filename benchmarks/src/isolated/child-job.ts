import type { ImplementationResult } from '../runner/results.js';
import type { RunSettings } from '../runner/run-settings.js';

/** What one child process measures: one implementation of one case of one suite. */
export interface ChildJob {
  /** URL of the suite module; the child imports it and takes its `suite` export. */
  readonly module: string;
  /** The suite's name, checked against the module's `suite.name`. */
  readonly suite: string;
  readonly caseName: string;
  /** The implementation to run: ours, a peer or the floor, by name. */
  readonly implementation: string;
  readonly settings: RunSettings;
}

/** What a child sends back over its IPC channel (structured clone, so results keep their types). */
export type ChildReport =
  | {
      readonly ok: true;
      readonly result: ImplementationResult;
      /** The value of the implementation's first call, for the case's `check` in the parent. */
      readonly firstResult: unknown;
      /** Whether the child could collect garbage (`--expose-gc`) before each turn. */
      readonly gc: boolean;
    }
  | { readonly ok: false; readonly message: string };

/** Runs one job somewhere (a child process, or in process for tests) and resolves to its report. */
export type ChildRunner = (job: ChildJob) => Promise<ChildReport>;

/** The `--job` argument a child is started with. */
export function childArgs(job: ChildJob): string[] {
  return ['--job', JSON.stringify(job)];
}

function isJob(value: unknown): value is ChildJob {
  const job = value as Partial<Record<keyof ChildJob, unknown>> | null;
  return (
    typeof job === 'object' &&
    job !== null &&
    typeof job.module === 'string' &&
    typeof job.suite === 'string' &&
    typeof job.caseName === 'string' &&
    typeof job.implementation === 'string' &&
    typeof job.settings === 'object' &&
    job.settings !== null
  );
}

/** Reads `--job <json>` from a child's arguments; throws a TypeError naming what is wrong. */
export function parseChildArgs(argv: readonly string[]): ChildJob {
  const index = argv.indexOf('--job');
  const text = index === -1 ? undefined : argv[index + 1];
  if (text === undefined) {
    throw new TypeError(
      `Expected \`--job <json>\` in the child's arguments, got ${JSON.stringify(argv)}`,
    );
  }
  let job: unknown;
  try {
    job = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`Expected \`--job\` to be JSON, got ${JSON.stringify(text)}`, {
      cause: error,
    });
  }
  if (!isJob(job)) {
    throw new TypeError(
      'Expected `--job` to hold `module`, `suite`, `caseName`, `implementation` and `settings`, ' +
        `got ${text}`,
    );
  }
  return job;
}
