import {
  type Backoff,
  backoffDelay,
  checkBackoff,
  checkKnownKeys,
  checkNumber,
  checkOptionalFunction,
  checkOptions,
  invalidMessage,
  Listeners,
  type ResolvedBackoff,
  sleep,
  throwIfAborted,
  type Unsubscribe,
} from '@breakwater/core';
import { isBreakerOpenError } from './errors.js';
import { readExecuteArgs, runOperation } from './invoke-operation.js';
import type { ExecuteOptions, Operation, Policy } from './policy.js';

/** How long `retry` waits between attempts: core's `Backoff`, shared by every package. */
export type {
  Backoff,
  ConstantBackoff,
  DecorrelatedJitterBackoff,
  ExponentialBackoff,
} from '@breakwater/core';

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
  shouldRetry?: ((error: unknown, attempt: number) => boolean) | undefined;
  /** Uniform random numbers in [0, 1) for the jittered backoff. @default Math.random */
  random?: (() => number) | undefined;
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

/**
 * Payload of `onGiveUp`: a call failed and will not be tried again; it rejects with
 * `error`. `reason` is `'exhausted'` after `maxAttempts` attempts, `'declined'` when
 * `shouldRetry` returned false.
 */
export interface RetryGiveUpEvent {
  /** Attempts made, the first one included. */
  attempts: number;
  /** The error of the last attempt, which the call rejects with. */
  error: unknown;
  reason: 'exhausted' | 'declined';
}

interface ResolvedRetryOptions {
  readonly maxAttempts: number;
  readonly backoff: ResolvedBackoff;
  readonly shouldRetry: (error: unknown, attempt: number) => boolean;
  readonly random: () => number;
}

/** By default every error is retried except a refusal of an open circuit breaker. */
const retryUnlessBreakerOpen = (error: unknown): boolean => !isBreakerOpenError(error);

function resolveRetryOptions(options: RetryOptions): ResolvedRetryOptions {
  const raw = checkOptions('options', options);
  checkKnownKeys('options', raw, ['maxAttempts', 'backoff', 'shouldRetry', 'random']);
  return Object.freeze({
    maxAttempts: checkNumber('maxAttempts', raw.maxAttempts, { min: 1, integer: true }),
    backoff: checkBackoff('backoff', raw.backoff),
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
  readonly #onGiveUp = new Listeners<RetryGiveUpEvent>();

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
      try {
        return await runOperation(fn, signal);
      } catch (error) {
        throwIfAborted(signal);
        let reason: RetryGiveUpEvent['reason'] | undefined;
        if (attempt >= maxAttempts) reason = 'exhausted';
        else if (!shouldRetry(error, attempt)) reason = 'declined';
        if (reason !== undefined) {
          if (this.#onGiveUp.active) this.#onGiveUp.emit({ attempts: attempt, error, reason });
          throw error;
        }
        previousDelay = this.#delay(attempt, previousDelay);
        if (this.#onRetry.active) this.#onRetry.emit({ attempt, delayMs: previousDelay, error });
      }
      if (previousDelay > 0) await sleep(previousDelay, signal);
    }
  }

  /** Called before each wait: which attempt failed, with what, and how long until the next. */
  onRetry(listener: (event: RetryEvent) => void): Unsubscribe {
    return this.#onRetry.on(listener);
  }

  /**
   * Called once per call that gives up: its last attempt failed and no other follows
   * (not when the caller's signal aborted the call).
   */
  onGiveUp(listener: (event: RetryGiveUpEvent) => void): Unsubscribe {
    return this.#onGiveUp.on(listener);
  }

  /** The wait after failed attempt number `attempt`, given the previous wait. */
  #delay(attempt: number, previous: number): number {
    return backoffDelay(this.#options.backoff, attempt, previous, () => this.#random());
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
