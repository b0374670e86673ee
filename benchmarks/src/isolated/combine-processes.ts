import type { FigureResult, ImplementationResult } from '../runner/results.js';
import { median, spread } from '../runner/statistics.js';

/** Each figure of the first process, valued at the median over the processes that have it. */
function combineFigures(runs: readonly ImplementationResult[]): FigureResult[] {
  return (runs[0]?.figures ?? []).map(({ name, unit }) => {
    const found = runs.flatMap((run) => run.figures?.filter((f) => f.name === name) ?? []);
    return {
      name,
      unit,
      value: median(found.map((f) => f.value)),
      samples: found.flatMap((f) => f.samples),
    };
  });
}

/**
 * One implementation's figures over its processes: the median over the processes of each
 * process's median ops/s, the spread of those medians, latency percentiles, bytes per item and
 * each of the case's figures as the median over the processes, and every process's own figures under `processes`.
 */
export function combineProcesses(runs: readonly ImplementationResult[]): ImplementationResult {
  const [first] = runs;
  if (first === undefined) {
    throw new RangeError('Expected the figures of at least one process, got none');
  }
  const medians = runs.map((run) => run.medianOpsPerSec);
  const latencies = runs.flatMap((run) => (run.latency === undefined ? [] : [run.latency]));
  const memories = runs.flatMap((run) => (run.memory === undefined ? [] : [run.memory]));
  const figures = combineFigures(runs);
  return {
    name: first.name,
    role: first.role,
    ...(first.note === undefined ? {} : { note: first.note }),
    medianOpsPerSec: median(medians),
    spread: spread(medians),
    roundOpsPerSec: medians,
    ...(latencies.length === 0
      ? {}
      : {
          latency: {
            p50Ns: median(latencies.map((l) => l.p50Ns)),
            p99Ns: median(latencies.map((l) => l.p99Ns)),
            samples: latencies.reduce((sum, l) => sum + l.samples, 0),
          },
        }),
    ...(memories.length === 0
      ? {}
      : {
          memory: {
            items: memories[0]!.items,
            bytesPerItem: median(memories.map((m) => m.bytesPerItem)),
            samples: memories.flatMap((m) => m.samples),
          },
        }),
    ...(figures.length === 0 ? {} : { figures }),
    processes: runs,
  };
}
