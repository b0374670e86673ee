import {
  checkKnownKeys,
  checkNumber,
  checkOneOf,
  checkOptionalFunction,
  checkOptions,
  invalidMessage,
  Listeners,
  linkSignal,
  raceSignal,
  sleep,
  throwIfAborted,
  type Unsubscribe,
} from '@breakwater/core';
import { isBreakerOpenError } from './errors.js';
import { invokeOperation, MAX_TIMER_MS, readExecuteArgs } from './invoke-operation.js';
import type { ExecuteOptions, Operation, Policy } from './policy.js';

/** The same wait before every retry. */
export interface ConstantBackoff {
  type: 'constant';
  /** Milliseconds to wait before each retry; `0` retries at once. */
  delayMs: number;
}

/** `initialDelayMs × multiplier^(retry − 1)`, capped at `maxDelayMs`. */
export interface ExponentialBackoff {
  type: 'exponential';
  /** Wait before the first retry, in ms (> 0). */
  initialDelayMs: number;
  /** Longest wait, in ms (>= `initialDelayMs`). */
  maxDelayMs: number;
  /** Growth factor between consecutive waits (>= 1). @default 2 */
  multiplier?: number;
}

/**
 * Decorrelated jitter: each wait is drawn uniformly between `initialDelayMs` and three
 * times the previous wait, capped at `maxDelayMs`. Spreads out the retries of many
 * clients that failed together.
 */
export interface DecorrelatedJitterBackoff {
  type: 'decorrelated-jitter';
  /** Lower bound of every wait, and the "previous wait" of the first draw, in ms (> 0). */
  initialDelayMs: number;
  /** Longest wait, in ms (>= `initialDelayMs`). */
  maxDelayMs: number;
}

/** How long `retry` waits between attempts. */
export type Backoff = ConstantBackoff | ExponentialBackoff | DecorrelatedJitterBackoff;

/** Options of `retry(options)`. */
export interface RetryOptions {
  /** Total number of attempts, the first one included (integer >= 1; `1` never retries). */
  maxAttempts: number;
  /** The wait before each retry. */
  backoff: Backoff;
  /**
   * Decides whether a failed attempt is retried; `attempt` is the number (from 1) of the
   * attempt that just failed. Not called after the last attempt, nor once the caller's
   * signal has aborted (the call then stops at once).
   * @default retries every error except a `BreakerOpenError`
   */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Uniform random numbers in [0, 1) for the jittered backoff. @default Math.random */
  random?: () => number;
}

/** Payload of `onRetry`: an attempt failed and another one follows after `delayMs`. */
export interface RetryEvent {
  /** Number (from 1) of the attempt that failed. */
  attempt: number;
  /** Milliseconds until the next attempt starts. */
  delayMs: number;
  /** The error the failed attempt rejected with. */
  error: unknown;
}

type ResolvedBackoff = Readonly<
  | { type: 'constant'; delayMs: number }
  | { type: 'exponential'; initialDelayMs: number; maxDelayMs: number; multiplier: number }
  | { type: 'decorrelated-jitter'; initialDelayMs: number; maxDelayMs: number }
>;

interface ResolvedRetryOptions {
  readonly maxAttempts: number;
  readonly backoff: ResolvedBackoff;
  readonly shouldRetry: (error: unknown, attempt: number) => boolean;
  readonly random: () => number;
}

const BACKOFF_TYPES = ['constant', 'exponential', 'decorrelated-jitter'] as const;

/** By default every error is retried except a refusal of an open circuit breaker. */
const retryUnlessBreakerOpen = (error: unknown): boolean => !isBreakerOpenError(error);

function resolveBackoff(value: Backoff | undefined): ResolvedBackoff {
  const raw = checkOptions('backoff', value);
  const type = checkOneOf('backoff.type', raw.type, BACKOFF_TYPES);
  checkKnownKeys(
    'backoff',
    raw,
    type === 'constant'
      ? ['type', 'delayMs']
      : type === 'exponential'
        ? ['type', 'initialDelayMs', 'maxDelayMs', 'multiplier']
        : ['type', 'initialDelayMs', 'maxDelayMs'],
  );
  const delay = { min: 0, max: MAX_TIMER_MS };
  if (type === 'constant') {
    const constant = raw as Partial<ConstantBackoff>;
    return Object.freeze({
      type,
      delayMs: checkNumber('backoff.delayMs', constant.delayMs, delay),
    });
  }
  const growing = raw as Partial<ExponentialBackoff>;
  const initialDelayMs = checkNumber('backoff.initialDelayMs', growing.initialDelayMs, {
    ...delay,
    exclusiveMin: true,
  });
  const maxDelayMs = checkNumber('backoff.maxDelayMs', growing.maxDelayMs, {
    min: initialDelayMs,
    max: MAX_TIMER_MS,
  });
  if (type === 'decorrelated-jitter') {
    return Object.freeze({ type, initialDelayMs, maxDelayMs });
  }
  const multiplier = checkNumber('backoff.multiplier', growing.multiplier, { min: 1, default: 2 });
  return Object.freeze({ type, initialDelayMs, maxDelayMs, multiplier });
}

function resolveRetryOptions(options: RetryOptions): ResolvedRetryOptions {
  const raw = checkOptions('options', options);
  checkKnownKeys('options', raw, ['maxAttempts', 'backoff', 'shouldRetry', 'random']);
  return Object.freeze({
    maxAttempts: checkNumber('maxAttempts', raw.maxAttempts, { min: 1, integer: true }),
    backoff: resolveBackoff(raw.backoff),
    shouldRetry:
      checkOptionalFunction<(error: unknown, attempt: number) => boolean>(
        'shouldRetry',
        raw.shouldRetry,
      ) ?? retryUnlessBreakerOpen,
    random: checkOptionalFunction<() => number>('random', raw.random) ?? Math.random,
  });
}

/**
 * Runs an operation again when it fails, waiting a backoff between attempts. Build one
 * with {@link retry}.
 */
export class RetryPolicy implements Policy {
  readonly #options: ResolvedRetryOptions;
  readonly #onRetry = new Listeners<RetryEvent>();

  /** @throws TypeError / RangeError naming the first invalid option. */
  constructor(options: RetryOptions) {
    this.#options = resolveRetryOptions(options);
  }

  /** Total number of attempts per call, the first one included. */
  get maxAttempts(): number {
    return this.#options.maxAttempts;
  }

  /**
   * Runs `fn` until it succeeds, `shouldRetry` declines, or `maxAttempts` attempts have
   * failed — then rejects with the error of the last attempt. Each attempt gets its own
   * signal, linked to the caller's. When the caller's signal aborts (during an attempt
   * or a wait) the call rejects at once with `signal.reason` and starts no new attempt.
   */
  async execute<T>(fn: Operation<T>, options?: ExecuteOptions): Promise<T> {
    const signal = readExecuteArgs(fn, options);
    const { maxAttempts, shouldRetry } = this.#options;
    let previousDelay = 0;
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(signal);
      const link = linkSignal(signal);
      try {
        return await raceSignal(invokeOperation(fn, { signal: link.signal }), link.signal);
      } catch (error) {
        throwIfAborted(signal);
        if (attempt >= maxAttempts || !shouldRetry(error, attempt)) throw error;
        previousDelay = this.#delay(attempt, previousDelay);
        if (this.#onRetry.active) this.#onRetry.emit({ attempt, delayMs: previousDelay, error });
      } finally {
        link.dispose();
      }
      if (previousDelay > 0) await sleep(previousDelay, signal);
    }
  }

  /** Called before each wait: which attempt failed, with what, and how long until the next. */
  onRetry(listener: (event: RetryEvent) => void): Unsubscribe {
    return this.#onRetry.on(listener);
  }

  /** The wait after failed attempt number `attempt`, given the previous wait. */
  #delay(attempt: number, previous: number): number {
    const backoff = this.#options.backoff;
    switch (backoff.type) {
      case 'constant':
        return backoff.delayMs;
      case 'exponential':
        return Math.min(
          backoff.maxDelayMs,
          backoff.initialDelayMs * backoff.multiplier ** (attempt - 1),
        );
      case 'decorrelated-jitter': {
        const low = backoff.initialDelayMs;
        const high = Math.max(low, (attempt === 1 ? low : previous) * 3);
        return Math.min(backoff.maxDelayMs, low + this.#random() * (high - low));
      }
    }
  }

  #random(): number {
    const value = this.#options.random();
    if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
      throw new RangeError(invalidMessage('random()', 'a number >= 0 and < 1', value));
    }
    return value;
  }
}

/**
 * A policy that retries failed calls:
 *
 * ```ts
 * const policy = retry({
 *   maxAttempts: 4,
 *   backoff: { type: 'decorrelated-jitter', initialDelayMs: 100, maxDelayMs: 5_000 },
 * });
 * const user = await policy.execute(({ signal }) => fetchUser(id, { signal }));
 * ```
 *
 * @throws TypeError / RangeError naming the first invalid option.
 */
export function retry(options: RetryOptions): RetryPolicy {
  return new RetryPolicy(options);
}
