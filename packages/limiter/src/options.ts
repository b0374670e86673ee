import {
  type Clock,
  checkClock,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkSignal,
  invalidMessage,
} from '@breakwater/core';
import type { Rule } from './algorithms.js';

/** One limit: at most `limit` units per `windowMs`. */
export interface LimitRule {
  /** Units allowed per window (a positive integer). */
  limit: number;
  /** Window length in ms (> 0). */
  windowMs: number;
  /**
   * GCRA and token bucket only: units that may arrive at once (a positive integer).
   * @default `limit`
   * (a whole window's worth at once, then the steady rate)
   */
  burst?: number | undefined;
}

/** How decisions are made. */
export type Algorithm = 'gcra' | 'token-bucket' | 'sliding-window' | 'fixed-window';

/** Options of `new RateLimiter(options)`. */
export interface RateLimiterOptions {
  /** One limit or several (e.g. per minute and per hour): a request must fit all of them. */
  limits: LimitRule | readonly LimitRule[];
  /**
   * `'gcra'`: two numbers per key and limit, smooth (the steady rate, plus `burst`).
   * `'token-bucket'`: `burst` tokens refilled at `limit / windowMs`.
   * `'sliding-window'`: this window's count plus the previous window's, weighted by how
   * much of it still overlaps the sliding window.
   * `'fixed-window'`: a counter per key and limit, reset at window boundaries.
   * @default 'gcra'
   */
  algorithm?: Algorithm | undefined;
  /** Time source in ms. @default monotonicClock */
  clock?: Clock | undefined;
}

/** Every option, checked by the compiler against `RateLimiterOptions`. */
const OPTION_KEYS = Object.keys({
  limits: true,
  algorithm: true,
  clock: true,
} satisfies Record<keyof RateLimiterOptions, true>);

/** Shortest window: 1 µs. */
const MIN_WINDOW_MS = 0.001;
/** Longest window, and longest GCRA/token bucket refill: 2^52 - 1 ms (142,000 years). */
const MAX_DURATION_MS = 2 ** 52 - 1;

/** `RateLimiterOptions`, validated, with their defaults; the limits resolved for the algorithms. */
export interface ResolvedRateLimiterOptions {
  readonly algorithm: Algorithm;
  readonly clock: Clock;
  readonly rules: readonly Rule[];
}

/**
 * Validates the options of `new RateLimiter(options)` (the Redis store's `limits` and
 * `algorithm` too, with the same messages).
 * @throws TypeError/RangeError naming the option, the expected range and the value received.
 */
export function resolveRateLimiterOptions(options: RateLimiterOptions): ResolvedRateLimiterOptions {
  const raw = checkOptions('options', options);
  checkKnownKeys('options', raw, OPTION_KEYS);
  const algorithm = checkOneOf(
    'algorithm',
    raw.algorithm,
    ['gcra', 'token-bucket', 'sliding-window', 'fixed-window'],
    'gcra',
  );
  const clock = checkClock('clock', raw.clock);
  const list = Array.isArray(raw.limits) ? raw.limits : [raw.limits];
  if (list.length === 0)
    throw new RangeError(invalidMessage('limits', 'at least one limit', raw.limits));
  const bursty = algorithm === 'gcra' || algorithm === 'token-bucket';
  const rules: readonly Rule[] = Object.freeze(
    list.map((rule: unknown, i: number) => {
      const name = list.length === 1 && !Array.isArray(raw.limits) ? 'limits' : `limits[${i}]`;
      if (typeof rule !== 'object' || rule === null) {
        throw new TypeError(invalidMessage(name, 'a { limit, windowMs } object', rule));
      }
      checkKnownKeys(name, rule, ['limit', 'windowMs', 'burst']);
      const r = rule as Partial<Record<keyof LimitRule, unknown>>;
      if (!bursty && r.burst !== undefined) {
        throw new RangeError(
          `\`${name}.burst\` applies to 'gcra' and 'token-bucket' only, not to '${algorithm}': a window admits \`limit\` per window`,
        );
      }
      // Counts stay exact below 2^53; windows no shorter than 1 µs (the resolution of the
      // Redis clock) keep window numbers exact on an epoch-ms clock; durations below 2^52
      // ms stay safe integers in whole ms, twice over (a sliding window reports up to two windows).
      const limit = checkInteger(`${name}.limit`, r.limit, {
        min: 1,
        max: Number.MAX_SAFE_INTEGER,
      });
      const windowMs = checkNumber(`${name}.windowMs`, r.windowMs, {
        min: MIN_WINDOW_MS,
        max: MAX_DURATION_MS,
      });
      const burst = checkInteger(`${name}.burst`, r.burst, {
        min: 1,
        max: Number.MAX_SAFE_INTEGER,
        default: limit,
      });
      const interval = windowMs / limit;
      if (bursty && !(interval * burst <= MAX_DURATION_MS)) {
        throw new RangeError(
          invalidMessage(
            `${name}.windowMs`,
            `small enough that windowMs / limit × burst <= ${MAX_DURATION_MS} ms (2^52 - 1)`,
            windowMs,
          ),
        );
      }
      const capacity = bursty ? burst : limit;
      return Object.freeze({ limit, windowMs, interval, tolerance: interval * burst, capacity });
    }),
  );
  return { algorithm, clock, rules };
}

/** Options of `acquire`. */
export interface RateLimiterAcquireOptions {
  /** Units to take. @default 1 */
  cost?: number | undefined;
  /** Stops waiting when aborted (rejects with `signal.reason`). */
  signal?: AbortSignal | undefined;
  /**
   * Longest wait in ms; a request that could not be allowed within it rejects with
   * `RateLimitedError` (at once when that is already known). @default Infinity
   */
  maxWaitMs?: number | undefined;
}

/** `acquire`'s options, validated, with their defaults. */
export interface ResolvedAcquireOptions {
  readonly cost: number;
  readonly signal: AbortSignal | undefined;
  readonly maxWaitMs: number;
}

/**
 * Validates the options of an `acquire` call.
 * @throws TypeError/RangeError naming the option.
 */
export function readAcquireOptions(
  options: RateLimiterAcquireOptions | undefined,
): ResolvedAcquireOptions {
  const raw = checkOptions('options', options);
  checkKnownKeys('options', raw, ['cost', 'signal', 'maxWaitMs']);
  return {
    cost: checkInteger('cost', raw.cost, { min: 1, default: 1 }),
    signal: checkSignal('signal', raw.signal),
    maxWaitMs: checkNumber('maxWaitMs', raw.maxWaitMs, {
      min: 0,
      allowInfinity: true,
      default: Number.POSITIVE_INFINITY,
    }),
  };
}
