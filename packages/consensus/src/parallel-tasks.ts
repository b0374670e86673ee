import { selectKernel } from './backend.js';
import { ConsensusBackendError } from './errors.js';
import { MinRootForest } from './kernel.js';
import { type ComponentsPass, passLabels } from './kernel-js.js';
import { shingleTexts } from './text.js';

/**
 * The parts of a parallel analysis that run in a worker thread, and how their outputs are
 * put back together. Signatures and the `empty` flags live in `SharedArrayBuffer`s that
 * every worker of one analysis reads (and, for signatures, writes its own rows of), so
 * that no task copies the whole signature matrix; component labels come back as typed
 * arrays whose buffers are transferred. Signatures run on the selected kernel; components
 * by range run the TypeScript kernel's range routines, whose forests merged together
 * connect exactly what the kernel contract's `components` does.
 */

/** Shingles `texts` and writes their signatures into rows `row..row + texts.length - 1`. */
export interface SignaturesTask {
  readonly type: 'signatures';
  readonly backend: 'auto' | 'wasm' | 'js';
  readonly texts: readonly string[];
  readonly row: number;
  readonly shingleSize: number;
  readonly k: number;
  readonly sigs: SharedArrayBuffer;
  readonly empty: SharedArrayBuffer;
}

/** The labels of one forest from units `from..to - 1` of a pass (see `passLabels`). */
export interface ComponentsTask {
  readonly type: 'components';
  readonly pass: ComponentsPass;
  readonly n: number;
  readonly k: number;
  readonly from: number;
  readonly to: number;
  readonly sigs: SharedArrayBuffer;
  readonly empty: SharedArrayBuffer;
}

export type ConsensusTask = SignaturesTask | ComponentsTask;

/**
 * What a task returns: the kernel that ran it (if any) and the component labels of the
 * pairs it visited (if any).
 */
export interface TaskResult {
  readonly kernel: 'wasm' | 'js' | undefined;
  readonly labels: Uint32Array | undefined;
}

/** Runs one task. Throws what the kernel throws (`ConsensusBackendError`). */
export function runConsensusTask(task: ConsensusTask): TaskResult {
  switch (task.type) {
    case 'signatures': {
      const kernel = selectKernel(task.backend);
      const { hashes, offsets, empty } = shingleTexts(task.texts, task.shingleSize);
      const sigs = kernel.signatures(hashes, offsets, task.k);
      new Uint32Array(task.sigs).set(sigs, task.row * task.k);
      new Uint8Array(task.empty).set(empty, task.row);
      return { kernel: kernel.name, labels: undefined };
    }
    case 'components': {
      const sigs = new Uint32Array(task.sigs);
      const empty = new Uint8Array(task.empty);
      const { n, k, pass, from, to } = task;
      return { kernel: undefined, labels: passLabels(sigs, n, k, empty, pass, from, to) };
    }
  }
}

/** Row ranges `[from, to)` with about the same number of pairs `(i, j > i)` each. */
export function rowRanges(n: number, parts: number): Array<[number, number]> {
  const total = (n * (n - 1)) / 2;
  const ranges: Array<[number, number]> = [];
  if (n === 0) return ranges;
  const target = Math.max(1, total / parts);
  let from = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    count += n - 1 - i;
    if (count >= target || i === n - 1) {
      ranges.push([from, i + 1]);
      from = i + 1;
      count = 0;
    }
  }
  return ranges;
}

/** Consecutive ranges of `0..total - 1` in at most `parts` parts of nearly equal size. */
export function evenRanges(total: number, parts: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  const size = Math.ceil(total / Math.max(1, parts));
  for (let from = 0; from < total; from += size) ranges.push([from, Math.min(total, from + size)]);
  return ranges;
}

/**
 * The labels of the union of several forests over `0..n - 1`, each given by its labels:
 * the smallest index per component.
 */
export function mergeLabels(n: number, parts: readonly Uint32Array[]): Uint32Array {
  const forest = new MinRootForest(n);
  for (const part of parts) forest.merge(part);
  return forest.labels();
}

/** An error as it crosses the thread boundary. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code: string | undefined;
  readonly backend: string | undefined;
  readonly stack: string | undefined;
}

export function serializeError(error: unknown): SerializedError {
  const e = error instanceof Error ? error : new Error(String(error));
  const fields = e as Error & { code?: unknown; backend?: unknown };
  return {
    name: e.name,
    message: e.message,
    code: typeof fields.code === 'string' ? fields.code : undefined,
    backend: typeof fields.backend === 'string' ? fields.backend : undefined,
    stack: e.stack,
  };
}

/**
 * The error to reject with for a task that threw in a worker: a `ConsensusBackendError`
 * as such, anything else as `undefined` (the caller wraps it).
 */
export function backendErrorFrom(error: SerializedError): ConsensusBackendError | undefined {
  if (error.code !== ConsensusBackendError.code) return undefined;
  const suffix = ` (backend: "${error.backend}")`;
  const detail = error.message.endsWith(suffix)
    ? error.message.slice(0, -suffix.length)
    : error.message;
  return new ConsensusBackendError('wasm', detail);
}
