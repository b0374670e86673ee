import { selectKernel } from './backend.js';
import { ConsensusBackendError } from './errors.js';
import { shingleTexts } from './text.js';

/**
 * The parts of a parallel analysis that run in a worker thread, and how their outputs are
 * put back together. Signatures and the `empty` flags live in `SharedArrayBuffer`s that
 * every worker of one analysis reads (and, for signatures, writes its own rows of), so
 * that no task copies the whole signature matrix; pairs come back as typed arrays whose
 * buffers are transferred. Signatures run on the selected kernel; pairs by range run the
 * TypeScript routines below, which compute the kernel contract's integers for a range.
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

/** Exact pairs `(i, j)` with `from <= i < to` and `j > i`. */
export interface ExactTask {
  readonly type: 'exact';
  readonly n: number;
  readonly k: number;
  readonly minEqual: number;
  readonly from: number;
  readonly to: number;
  readonly sigs: SharedArrayBuffer;
  readonly empty: SharedArrayBuffer;
}

/** LSH pairs whose first shared band is in `fromBand..toBand - 1`. */
export interface LshTask {
  readonly type: 'lsh';
  readonly n: number;
  readonly k: number;
  readonly minEqual: number;
  readonly rows: number;
  readonly fromBand: number;
  readonly toBand: number;
  readonly sigs: SharedArrayBuffer;
  readonly empty: SharedArrayBuffer;
}

export type ConsensusTask = SignaturesTask | ExactTask | LshTask;

/** What a task returns: the kernel that ran it (if any) and the pairs it found (if any). */
export interface TaskResult {
  readonly kernel: 'wasm' | 'js' | undefined;
  readonly pairs: Uint32Array | undefined;
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
      return { kernel: kernel.name, pairs: undefined };
    }
    case 'exact': {
      const sigs = new Uint32Array(task.sigs);
      const empty = new Uint8Array(task.empty);
      return {
        kernel: undefined,
        pairs: exactPairsRows(sigs, task.n, task.k, empty, task.minEqual, task.from, task.to),
      };
    }
    case 'lsh': {
      const sigs = new Uint32Array(task.sigs);
      const empty = new Uint8Array(task.empty);
      const { n, k, minEqual, rows, fromBand, toBand } = task;
      return {
        kernel: undefined,
        pairs: lshPairsBands(sigs, n, k, empty, minEqual, rows, fromBand, toBand),
      };
    }
  }
}

/**
 * The exact pairs of rows `from..to - 1` against every later row: the triplets
 * `[i, j, equal]` of the reference kernel's `exactPairs` whose `i` lies in the range, in
 * the same order. Concatenated over consecutive ranges, they are `exactPairs` itself.
 */
export function exactPairsRows(
  sigs: Uint32Array,
  n: number,
  k: number,
  empty: Uint8Array,
  minEqual: number,
  from: number,
  to: number,
): Uint32Array {
  if (minEqual > k) return new Uint32Array(0);
  const out: number[] = [];
  const allowed = k - minEqual;
  for (let i = from; i < to; i++) {
    if (empty[i] === 1) continue;
    const ai = i * k;
    for (let j = i + 1; j < n; j++) {
      if (empty[j] === 1) continue;
      const bj = j * k;
      let differ = 0;
      let s = 0;
      for (; s < k; s++) {
        if (sigs[ai + s] !== sigs[bj + s] && ++differ > allowed) break;
      }
      if (s === k) out.push(i, j, k - differ);
    }
  }
  return Uint32Array.from(out);
}

/** True when rows `a` and `b` hold the same values in slots `from..from+rows-1`. */
function bandEqual(sigs: Uint32Array, k: number, a: number, b: number, from: number, rows: number) {
  const ai = a * k + from;
  const bi = b * k + from;
  for (let s = 0; s < rows; s++) if (sigs[ai + s] !== sigs[bi + s]) return false;
  return true;
}

/**
 * The LSH pairs whose *first* shared band lies in `fromBand..toBand - 1`, verified on the
 * full signature, as triplets `[i, j, equal]` sorted by i then j. Each candidate pair
 * belongs to exactly one band range (that of its first shared band), so it is verified
 * once, and the union over consecutive band ranges covering `0..bands - 1` is the
 * reference kernel's `lshPairs` with `bands` bands.
 */
export function lshPairsBands(
  sigs: Uint32Array,
  n: number,
  k: number,
  empty: Uint8Array,
  minEqual: number,
  rows: number,
  fromBand: number,
  toBand: number,
): Uint32Array {
  if (minEqual > k) return new Uint32Array(0);
  const keys: number[] = [];
  const equals = new Map<number, number>();
  const buckets = new Map<number, number[]>();
  const allowed = k - minEqual;
  for (let t = fromBand; t < toBand; t++) {
    const from = t * rows;
    buckets.clear();
    for (let i = 0; i < n; i++) {
      if (empty[i] === 1) continue;
      let key = 0x811c9dc5;
      const base = i * k + from;
      for (let s = 0; s < rows; s++) key = Math.imul(key ^ sigs[base + s]!, 0x01000193);
      const bucket = buckets.get(key);
      if (bucket === undefined) {
        buckets.set(key, [i]);
        continue;
      }
      for (const j of bucket) {
        if (!bandEqual(sigs, k, j, i, from, rows)) continue;
        let earlier = false;
        for (let u = 0; u < t && !earlier; u++) earlier = bandEqual(sigs, k, j, i, u * rows, rows);
        if (earlier) continue;
        // Verification on the full signature, stopping once the pair cannot reach minEqual.
        const ai = j * k;
        const bi = i * k;
        let differ = 0;
        let s = 0;
        for (; s < k; s++) if (sigs[ai + s] !== sigs[bi + s] && ++differ > allowed) break;
        if (s < k) continue;
        const pair = j * n + i;
        keys.push(pair);
        equals.set(pair, k - differ);
      }
      bucket.push(i);
    }
  }
  keys.sort((a, b) => a - b);
  const out = new Uint32Array(keys.length * 3);
  for (let q = 0; q < keys.length; q++) {
    const key = keys[q]!;
    const i = Math.floor(key / n);
    out[q * 3] = i;
    out[q * 3 + 1] = key - i * n;
    out[q * 3 + 2] = equals.get(key)!;
  }
  return out;
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

/** Concatenates triplet arrays (already in order). */
export function concatPairs(parts: readonly Uint32Array[]): Uint32Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint32Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Merges triplet arrays, each sorted by i then j and with no pair in two of them. */
export function mergePairs(parts: readonly Uint32Array[]): Uint32Array {
  const all = concatPairs(parts);
  const count = all.length / 3;
  const order = Array.from({ length: count }, (_, q) => q);
  order.sort((a, b) => all[a * 3]! - all[b * 3]! || all[a * 3 + 1]! - all[b * 3 + 1]!);
  const out = new Uint32Array(all.length);
  for (let q = 0; q < count; q++) out.set(all.subarray(order[q]! * 3, order[q]! * 3 + 3), q * 3);
  return out;
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
