import {
  type Backoff,
  type Clock,
  checkBackoff,
  checkClock,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOneOf,
  checkOptionalFunction,
  checkOptions,
  checkString,
  invalidMessage,
  type ResolvedBackoff,
} from '@breakwater/core';
import { MAX_TIMER_MS } from './invoke-operation.js';

/** The sliding window the failure and slow-call rates are computed over. */
export type WindowOptions =
  | { type: 'count'; size: number }
  | {
      type: 'time';
      /**
       * Length of the window in ms, at least `buckets` (each bucket spans at least 1 ms).
       */
      durationMs: number;
      /** Buckets the window is cut into, 1 to 10 000. @default 10 */
      buckets?: number | undefined;
    };

/** Options of `new CircuitBreaker(options)`. */
export interface CircuitBreakerOptions {
  /** Shown in errors and events. @default 'breaker' */
  name?: string | undefined;
  /**
   * Open after this many failures in a row. When no trip rule is given at all, the
   * breaker uses `consecutiveFailures: 5`.
   */
  consecutiveFailures?: number | undefined;
  /** Open when failures / calls in the window reach this share, in (0, 1]. */
  failureRateThreshold?: number | undefined;
  /** Open when slow calls / calls in the window reach this share, in (0, 1]. */
  slowCallRateThreshold?: number | undefined;
  /** A call taking at least this many ms is slow. Required by `slowCallRateThreshold`. */
  slowCallDurationMs?: number | undefined;
  /** @default { type: 'count', size: 100 } */
  window?: WindowOptions | undefined;
  /**
   * Rates are only judged once the window holds this many calls. With a rate rule and a
   * count window, at most `window.size` (a larger value could never be reached). @default 10
   */
  minimumCalls?: number | undefined;
  /**
   * Open duration in ms, or a backoff across consecutive openings (an opening that
   * follows a failed probe is the next attempt; a close starts again from the first).
   * @default 10_000
   */
  openDurationMs?: number | Backoff | undefined;
  /** Probes let through in half-open; all must succeed to close. @default 1 */
  permittedCallsInHalfOpen?: number | undefined;
  /** Default per-call timeout in ms; `execute`'s `timeoutMs` overrides it. */
  timeoutMs?: number | undefined;
  /** Whether an error counts as a failure. @default every error except the caller's abort */
  isFailure?: ((error: unknown) => boolean) | undefined;
  /** Whether a returned value counts as a failure (e.g. an HTTP 503). @default never */
  isResultFailure?: ((result: unknown) => boolean) | undefined;
  /** Time source in ms. @default monotonicClock */
  clock?: Clock | undefined;
  /** Random numbers in [0, 1) for a random open-duration backoff. @default Math.random */
  random?: (() => number) | undefined;
}

export interface ResolvedBreakerOptions {
  readonly name: string;
  readonly consecutiveFailures: number;
  readonly failureRateThreshold: number;
  readonly slowCallRateThreshold: number;
  readonly slowCallDurationMs: number;
  readonly window: Readonly<WindowOptions> & { readonly buckets?: number };
  readonly minimumCalls: number;
  readonly backoff: ResolvedBackoff;
  readonly permittedCallsInHalfOpen: number;
  readonly timeoutMs: number;
  readonly isFailure: ((error: unknown) => boolean) | undefined;
  readonly isResultFailure: ((result: unknown) => boolean) | undefined;
  readonly clock: Clock;
  readonly random: () => number;
}

const RATE = { min: 0, exclusiveMin: true, max: 1 } as const;

/**
 * Each bucket of a time window must span at least 1 ms. Narrower buckets measure nothing a
 * millisecond clock can tell apart, and their numbers (`now / bucketMs`) pass 2^53 with an
 * epoch-ms clock, where consecutive numbers are no longer distinct.
 * @throws RangeError naming `window.durationMs` and `window.buckets`.
 */
export function checkBucketWidth(durationMs: number, buckets: number): void {
  if (durationMs < buckets) {
    throw new RangeError(
      invalidMessage(
        'window.durationMs',
        `a finite number >= \`window.buckets\` (${buckets}) so that each bucket spans at least 1 ms`,
        durationMs,
      ),
    );
  }
}

function resolveWindow(value: unknown): ResolvedBreakerOptions['window'] {
  if (value === undefined) return Object.freeze({ type: 'count', size: 100 });
  const raw = checkOptions('window', value as WindowOptions) as Partial<{
    type: unknown;
    size: unknown;
    durationMs: unknown;
    buckets: unknown;
  }>;
  const type = checkOneOf('window.type', raw.type, ['count', 'time']);
  checkKnownKeys(
    'window',
    raw,
    type === 'count' ? ['type', 'size'] : ['type', 'durationMs', 'buckets'],
  );
  if (type === 'count') {
    return Object.freeze({
      type,
      size: checkInteger('window.size', raw.size, { min: 1, max: 2 ** 30 }),
    });
  }
  const durationMs = checkNumber('window.durationMs', raw.durationMs, {
    min: 0,
    exclusiveMin: true,
  });
  const buckets = checkInteger('window.buckets', raw.buckets, { min: 1, max: 10_000, default: 10 });
  checkBucketWidth(durationMs, buckets);
  return Object.freeze({ type, durationMs, buckets });
}

const DEFAULT_OPEN_DURATION: ResolvedBackoff = Object.freeze({ type: 'constant', delayMs: 10_000 });

function resolveBackoff(value: unknown): ResolvedBackoff {
  if (value === undefined) return DEFAULT_OPEN_DURATION;
  if (typeof value !== 'number' && (typeof value !== 'object' || value === null)) {
    throw new TypeError(invalidMessage('openDurationMs', 'a number or a backoff object', value));
  }
  // A plain number is the constant backoff, checked by the same rule (0 < ms <= 2^31 - 1).
  return checkBackoff('openDurationMs', value, { positive: true, number: true });
}

/** The longest open duration a backoff gives, in ms. */
export function longestOpenMs(backoff: ResolvedBackoff): number {
  return backoff.type === 'constant' ? backoff.delayMs : backoff.maxDelayMs;
}

/** Every option, checked by the compiler against `CircuitBreakerOptions`. */
export const OPTION_KEYS = Object.keys({
  name: true,
  consecutiveFailures: true,
  failureRateThreshold: true,
  slowCallRateThreshold: true,
  slowCallDurationMs: true,
  window: true,
  minimumCalls: true,
  openDurationMs: true,
  permittedCallsInHalfOpen: true,
  timeoutMs: true,
  isFailure: true,
  isResultFailure: true,
  clock: true,
  random: true,
} satisfies Record<keyof CircuitBreakerOptions, true>);

export function resolveBreakerOptions(
  options: CircuitBreakerOptions | undefined,
): ResolvedBreakerOptions {
  const raw = checkOptions('options', options);
  checkKnownKeys('options', raw, OPTION_KEYS);
  const noRule =
    raw.consecutiveFailures === undefined &&
    raw.failureRateThreshold === undefined &&
    raw.slowCallRateThreshold === undefined;
  const slowCallRateThreshold = checkNumber('slowCallRateThreshold', raw.slowCallRateThreshold, {
    ...RATE,
    default: Number.POSITIVE_INFINITY,
  });
  const slowCallDurationMs = checkNumber('slowCallDurationMs', raw.slowCallDurationMs, {
    min: 0,
    exclusiveMin: true,
    default: Number.POSITIVE_INFINITY,
  });
  if (
    slowCallRateThreshold !== Number.POSITIVE_INFINITY &&
    slowCallDurationMs === Number.POSITIVE_INFINITY
  ) {
    throw new TypeError(
      'Expected `slowCallDurationMs` to be a finite number > 0 when `slowCallRateThreshold` is set, got `undefined`',
    );
  }
  const failureRateThreshold = checkNumber('failureRateThreshold', raw.failureRateThreshold, {
    ...RATE,
    default: Number.POSITIVE_INFINITY,
  });
  const window = resolveWindow(raw.window);
  const minimumCalls = checkInteger('minimumCalls', raw.minimumCalls, { min: 1, default: 10 });
  const rateRule =
    failureRateThreshold !== Number.POSITIVE_INFINITY ||
    slowCallRateThreshold !== Number.POSITIVE_INFINITY;
  if (rateRule && window.type === 'count' && minimumCalls > window.size) {
    // The window never holds `minimumCalls` calls: the rate rules could never fire.
    throw new RangeError(
      invalidMessage(
        'minimumCalls',
        `an integer <= \`window.size\` (${window.size}) when a rate rule is set`,
        minimumCalls,
      ),
    );
  }
  return Object.freeze({
    name: checkString('name', raw.name, 'breaker'),
    consecutiveFailures: checkInteger('consecutiveFailures', raw.consecutiveFailures, {
      min: 1,
      default: noRule ? 5 : Number.POSITIVE_INFINITY,
    }),
    failureRateThreshold,
    slowCallRateThreshold,
    slowCallDurationMs,
    window,
    minimumCalls,
    backoff: resolveBackoff(raw.openDurationMs),
    permittedCallsInHalfOpen: checkInteger(
      'permittedCallsInHalfOpen',
      raw.permittedCallsInHalfOpen,
      {
        min: 1,
        default: 1,
      },
    ),
    timeoutMs: checkNumber('timeoutMs', raw.timeoutMs, {
      min: 0,
      exclusiveMin: true,
      max: MAX_TIMER_MS,
      default: Number.POSITIVE_INFINITY,
    }),
    isFailure: checkOptionalFunction<(error: unknown) => boolean>('isFailure', raw.isFailure),
    isResultFailure: checkOptionalFunction<(result: unknown) => boolean>(
      'isResultFailure',
      raw.isResultFailure,
    ),
    clock: checkClock('clock', raw.clock),
    random: checkOptionalFunction<() => number>('random', raw.random) ?? Math.random,
  });
}
