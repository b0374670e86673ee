import {
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOptions,
  checkSignal,
} from '@breakwater/core';

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
