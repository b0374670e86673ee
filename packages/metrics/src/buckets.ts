import { checkInteger, checkNumber } from '@breakwater/core';

/** Prometheus' default histogram buckets, in seconds. */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** `count` buckets starting at `start`, `width` apart: `linearBuckets(1, 2, 3)` is `[1, 3, 5]`. */
export function linearBuckets(start: number, width: number, count: number): number[] {
  checkNumber('start', start);
  checkNumber('width', width, { min: 0, exclusiveMin: true });
  checkInteger('count', count, { min: 1 });
  return Array.from({ length: count }, (_, i) => start + i * width);
}

/** `count` buckets starting at `start`, each `factor` times the last: `exponentialBuckets(1, 10, 3)` is `[1, 10, 100]`. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  checkNumber('start', start, { min: 0, exclusiveMin: true });
  checkNumber('factor', factor, { min: 1, exclusiveMin: true });
  checkInteger('count', count, { min: 1 });
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}
