import { availableParallelism } from 'node:os';
import { checkInteger, checkKnownKeys, checkOptions, checkSignal } from '@breakwater/core';
import {
  analysisFromComponents,
  analyzeChecked,
  type ConsensusResult,
  methodFor,
} from './analyze.js';
import { selectKernel } from './backend.js';
import { componentsPasses, passLength } from './kernel-js.js';
import {
  CONSENSUS_OPTION_KEYS,
  type ConsensusOptions,
  minEqualSlots,
  resolveConsensusOptions,
} from './options.js';
import {
  type ComponentsTask,
  type ConsensusTask,
  evenRanges,
  mergeLabels,
  rowRanges,
} from './parallel-tasks.js';
import { type ConsensusResponse, checkResponses } from './responses.js';
import { runTasks, sharedWorkerPool } from './worker-pool.js';

/** Options of {@link analyzeConsensusParallel}: those of `analyzeConsensus`, and these. */
export interface ParallelConsensusOptions extends ConsensusOptions {
  /**
   * Worker threads the analysis runs on: an integer >= 1 and <= 256. Calls with the same
   * value share one pool of threads.
   * @default min(availableParallelism() - 1, 4), at least 1
   */
  workers?: number | undefined;
  /**
   * Fewest responses analysed in worker threads: below it the analysis runs in the
   * calling thread, as `analyzeConsensus` does. An integer >= 0.
   * @default 2000
   */
  parallelThreshold?: number | undefined;
  /** Aborts the analysis: the call rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
}

const PARALLEL_KEYS = ['workers', 'parallelThreshold', 'signal'] as const;
/** Tasks per worker for each step, so that a slow task does not leave the others idle. */
const TASKS_PER_WORKER = 4;

function defaultWorkers(): number {
  return Math.max(1, Math.min(availableParallelism() - 1, 4));
}

/**
 * `analyzeConsensus` spread over worker threads, for large inputs: the same result (deep
 * equal, `backend` included) for the same responses and options. Shingling and
 * signatures run per chunk of responses on the selected kernel; the components of the
 * exact pairs per range of rows, and of the LSH pairs per range of bands, in TypeScript
 * (each task a spanning forest, merged in the calling thread, where the rest of the
 * analysis runs).
 * @throws TypeError or RangeError (as a rejection) for invalid options or responses, as
 *   `analyzeConsensus` does; `signal.reason` when aborted; `ConsensusBackendError` for
 *   `backend: 'wasm'` without the WebAssembly kernel; `ConsensusWorkerError` when a
 *   worker thread fails.
 */
export async function analyzeConsensusParallel(
  responses: readonly ConsensusResponse[],
  options?: ParallelConsensusOptions | undefined,
): Promise<ConsensusResult> {
  const o = checkOptions('options', options);
  checkKnownKeys('options', o, [...CONSENSUS_OPTION_KEYS, ...PARALLEL_KEYS]);
  const { workers: rawWorkers, parallelThreshold: rawThreshold, signal: rawSignal } = o;
  // Read by name, as `analyzeConsensus` reads them (a spread would drop accessors and
  // inherited values, and the two calls would then analyse with different options).
  const analysisOptions: Record<string, unknown> = {};
  for (const key of CONSENSUS_OPTION_KEYS) analysisOptions[key] = o[key];
  const resolved = resolveConsensusOptions(analysisOptions as ConsensusOptions);
  const workers = checkInteger('workers', rawWorkers, {
    min: 1,
    max: 256,
    default: defaultWorkers(),
  });
  const parallelThreshold = checkInteger('parallelThreshold', rawThreshold, {
    min: 0,
    default: 2000,
  });
  const signal = checkSignal('signal', rawSignal);
  const checked = checkResponses(responses);
  signal?.throwIfAborted();
  const kernel = selectKernel(resolved.backend);
  const n = checked.length;
  if (n === 0 || n < parallelThreshold) return analyzeChecked(kernel, checked, resolved);

  const k = resolved.signatureSize;
  const sigs = new SharedArrayBuffer(n * k * 4);
  const empty = new SharedArrayBuffer(n);
  const pool = sharedWorkerPool(workers);
  const parts = workers * TASKS_PER_WORKER;

  const signatureTasks: ConsensusTask[] = evenRanges(n, parts).map(([from, to]) => ({
    type: 'signatures',
    backend: resolved.backend,
    texts: checked.slice(from, to).map((r) => r.text),
    row: from,
    shingleSize: resolved.shingleSize,
    k,
    sigs,
    empty,
  }));
  const signed = await runTasks(pool, workers, signatureTasks, signal);
  const backend = signed[0]?.kernel ?? kernel.name;

  const method = methodFor(n, resolved);
  const passes = componentsPasses(
    minEqualSlots(resolved.threshold, k),
    minEqualSlots(resolved.duplicateThreshold, k),
    method,
    resolved.lshBands,
    resolved.lshRows,
  );
  const tasks: ComponentsTask[] = passes.flatMap((pass) => {
    const length = passLength(n, k, pass);
    const ranges =
      length === n && method === 'exact' ? rowRanges(n, parts) : evenRanges(length, parts);
    return ranges.map(([from, to]): ComponentsTask => {
      return { type: 'components', pass, n, k, from, to, sigs, empty };
    });
  });
  const found = await runTasks(pool, workers, tasks, signal);
  signal?.throwIfAborted();
  // Each task's labels are a spanning forest of its part of the pairs; the union of the
  // forests of one pass connects what the pass connects in a single run.
  const labelsOf = (forest: 'cluster' | 'duplicate') =>
    mergeLabels(
      n,
      found.filter((_, t) => tasks[t]!.pass.forest === forest).map((r) => r.labels!),
    );
  return analysisFromComponents(kernel, checked, resolved, {
    method,
    backend,
    sigs: new Uint32Array(sigs),
    empty: new Uint8Array(empty),
    components: { cluster: labelsOf('cluster'), duplicate: labelsOf('duplicate') },
  });
}
