import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

/** The options of opossum 9 this suite sets (names checked against its `lib/circuit.js`). */
export interface OpossumOptions {
  readonly name?: string;
  /** Per-call timer in ms, or `false` for none. @default 10_000 */
  readonly timeout?: number | false;
  /** Opens when the failure percentage of the rolling window exceeds this. @default 50 */
  readonly errorThresholdPercentage?: number;
  /** Sorts every latency of the window on each failure to compute percentiles. @default true */
  readonly rollingPercentilesEnabled?: boolean;
  /** Emits a `snapshot` event per bucket, from one more interval timer. @default true */
  readonly enableSnapshots?: boolean;
  /** Rotates the window's buckets on its `rotate` event instead of an interval per breaker. */
  readonly rotateBucketController?: EventEmitter;
}

/** The part of opossum's `CircuitBreaker` the suite uses. */
export interface OpossumBreaker<Args extends unknown[], Result> {
  fire(...args: Args): Promise<Result>;
  /** Clears its timers and listeners. */
  shutdown(): void;
  readonly opened: boolean;
}

type OpossumConstructor = new <Args extends unknown[], Result>(
  action: (...args: Args) => Result | Promise<Result>,
  options?: OpossumOptions,
) => OpossumBreaker<Args, Result>;

/** opossum is CommonJS without typings of its own; load it as Node would. */
export const Opossum = createRequire(import.meta.url)('opossum') as OpossumConstructor;
