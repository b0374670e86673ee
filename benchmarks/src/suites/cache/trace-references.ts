/**
 * Reference hit ratios from the traces README (`benchmarks/traces/README.md`), in %, each at the
 * one cache size the README lists for its trace: LRU, a simple static W-TinyLFU with a 1%
 * window, and Belady's optimum as that simulator computes it (every missed key admitted).
 */
export interface TraceReference {
  readonly size: number;
  readonly lru: number;
  readonly wTinyLfu: number;
  readonly optimum: number;
}

export const traceReferences: ReadonlyMap<string, TraceReference> = new Map([
  ['loop', { size: 500, lru: 0.0, wTinyLfu: 48.8, optimum: 49.4 }],
  ['gli', { size: 1000, lru: 11.2, wTinyLfu: 50.6, optimum: 53.1 }],
  ['ps', { size: 200, lru: 12.2, wTinyLfu: 44.6, optimum: 50.3 }],
  ['multi2', { size: 1000, lru: 47.8, wTinyLfu: 55.7, optimum: 62.2 }],
  ['2_pools', { size: 100, lru: 21.9, wTinyLfu: 44.4, optimum: 50.6 }],
]);

function twoSignificantDigits(value: number): number {
  return Math.max(1, Math.round(Number(value.toPrecision(2))));
}

/**
 * The two cache sizes a trace is replayed at: the README's size and double it; for a trace the
 * README does not list, 1/8 and 1/4 of its distinct keys, to two significant digits.
 */
export function traceSizes(name: string, trace: readonly number[]): readonly [number, number] {
  const reference = traceReferences.get(name);
  if (reference !== undefined) {
    return [reference.size, 2 * reference.size];
  }
  const distinct = new Set(trace).size;
  return [twoSignificantDigits(distinct / 8), twoSignificantDigits(distinct / 4)];
}
