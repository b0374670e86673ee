import {
  type Clock,
  checkBoolean,
  checkClock,
  checkKnownKeys,
  checkNumber,
  checkOptions,
  invalidMessage,
} from '@breakwater/core';

/** Options of `new Coalescer(options)`. */
export interface CoalescerOptions {
  /**
   * How long, in ms, a settled result is still handed to new calls of its key, checked
   * against `clock` when a call arrives (no timer). `0` shares a result only while its
   * execution is in flight. A finite number >= 0 and <= 2^52 - 1, or `Infinity` (kept
   * until `forget(key)`).
   * @default 0
   */
  resultTtlMs?: number | undefined;
  /**
   * Share a rejection for `resultTtlMs` as well. Without it a rejection reaches the calls
   * that were waiting for it, and the next call runs again.
   * @default false
   */
  cacheErrors?: boolean | undefined;
  /** Time source in ms, read for `resultTtlMs`. @default monotonicClock */
  clock?: Clock | undefined;
}

/** Options of one `run(key, fn, options)` call. */
export interface CoalescerRunOptions {
  /**
   * Stops this caller's wait: it rejects at once with `signal.reason`. The shared
   * execution is aborted only once every caller waiting for it has aborted.
   */
  signal?: AbortSignal | undefined;
}

/** Longest `resultTtlMs` short of `Infinity`: sums with clock readings stay exact. */
export const MAX_RESULT_TTL_MS = 2 ** 52 - 1;

/** {@link CoalescerOptions} validated, with their defaults. */
export interface ResolvedCoalescerOptions {
  readonly resultTtlMs: number;
  readonly cacheErrors: boolean;
  readonly clock: Clock;
}

const OPTION_KEYS = Object.keys({
  resultTtlMs: true,
  cacheErrors: true,
  clock: true,
} satisfies Record<keyof CoalescerOptions, true>);

/**
 * Validates the options of `new Coalescer(options)`.
 * @throws TypeError/RangeError naming the option, the expected range and the value received.
 */
export function resolveCoalescerOptions(
  options: CoalescerOptions | undefined,
): ResolvedCoalescerOptions {
  const raw = checkOptions('options', options);
  checkKnownKeys('options', raw, OPTION_KEYS);
  const resultTtlMs = checkNumber('resultTtlMs', raw.resultTtlMs, {
    min: 0,
    allowInfinity: true,
    default: 0,
  });
  if (resultTtlMs > MAX_RESULT_TTL_MS && resultTtlMs !== Number.POSITIVE_INFINITY) {
    throw new RangeError(
      invalidMessage(
        'resultTtlMs',
        `a number >= 0 and <= ${MAX_RESULT_TTL_MS}, or Infinity`,
        resultTtlMs,
      ),
    );
  }
  return Object.freeze({
    resultTtlMs,
    cacheErrors: checkBoolean('cacheErrors', raw.cacheErrors, false),
    clock: checkClock('clock', raw.clock),
  });
}

const RUN_OPTION_KEYS = ['signal'] as const;

/**
 * Validates the options of a `run` call and returns its signal.
 * @throws TypeError naming the option.
 */
export function readRunSignal(options: CoalescerRunOptions): AbortSignal | undefined {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(invalidMessage('options', 'an options object', options));
  }
  checkKnownKeys('options', options, RUN_OPTION_KEYS);
  const signal = options.signal;
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw new TypeError(invalidMessage('signal', 'an AbortSignal', signal));
  }
  return signal;
}
