import {
  checkKnownKeys,
  checkOptionalFunction,
  checkOptions,
  Listeners,
  raceSignal,
  throwIfAborted,
  type Unsubscribe,
} from '@breakwater/core';
import { readExecuteArgs, runOperation } from './invoke-operation.js';
import type { ExecuteOptions, Operation } from './policy.js';

/** Produces the fallback result from the error that made the call fail. */
export type FallbackHandler<R> = (error: unknown) => R | PromiseLike<R>;

/** Options of `fallback(valueOrHandler, options)`. */
export interface FallbackOptions {
  /**
   * Which errors get the fallback; the others are rethrown unchanged. A call whose
   * caller's signal aborted always rejects with `signal.reason`, whatever this says.
   * @default every error
   */
  shouldHandle?: ((error: unknown) => boolean) | undefined;
}

/** Payload of `onFallback`: a call failed and the fallback answered instead. */
export interface FallbackEvent {
  error: unknown;
}

interface ResolvedFallbackOptions {
  readonly shouldHandle: (error: unknown) => boolean;
}

const handleEveryError = (): boolean => true;

/**
 * Answers a failed call with a fallback value, or with the result of a handler given
 * the error. Build one with {@link fallback}.
 *
 * Its `execute` resolves with either the operation's result or the fallback's, so it is
 * typed `Promise<T | R>`; `wrap(...)` carries `R` into the composed policy's type.
 */
export class FallbackPolicy<R> {
  readonly #handler: FallbackHandler<R>;
  readonly #options: ResolvedFallbackOptions;
  readonly #onFallback = new Listeners<FallbackEvent>();

  /** @throws TypeError naming the first invalid option. */
  constructor(valueOrHandler: R | FallbackHandler<R>, options?: FallbackOptions) {
    const raw = checkOptions('options', options);
    checkKnownKeys('options', raw, ['shouldHandle']);
    this.#options = Object.freeze({
      shouldHandle:
        checkOptionalFunction<(error: unknown) => boolean>('shouldHandle', raw.shouldHandle) ??
        handleEveryError,
    });
    this.#handler =
      typeof valueOrHandler === 'function'
        ? (valueOrHandler as FallbackHandler<R>)
        : () => valueOrHandler;
  }

  /**
   * Runs `fn`; when it fails with an error `shouldHandle` accepts, resolves with the
   * fallback instead (a handler that throws rejects the call with its error). When the
   * caller's signal aborts, rejects at once with `signal.reason` — never with the
   * fallback, since nobody is waiting for a result any more.
   */
  async execute<T>(fn: Operation<T>, options?: ExecuteOptions): Promise<T | R> {
    const signal = readExecuteArgs(fn, options);
    try {
      return await runOperation(fn, signal);
    } catch (error) {
      throwIfAborted(signal);
      if (!this.#options.shouldHandle(error)) throw error;
      if (this.#onFallback.active) this.#onFallback.emit({ error });
      // The caller may give up while an async handler runs: still reject at once.
      return await raceSignal(
        Promise.resolve().then(() => this.#handler(error)),
        signal,
      );
    }
  }

  /** Called each time the fallback answers a failed call, with the error. */
  onFallback(listener: (event: FallbackEvent) => void): Unsubscribe {
    return this.#onFallback.on(listener);
  }
}

/**
 * A policy that answers a failed call with a fallback. Pass a value, or a handler that
 * receives the error (to fall back to a function value, return it from a handler):
 *
 * ```ts
 * const cached = fallback((error) => lastKnownPrices.get(symbol));
 * const prices = await wrap(cached, retry(retryOptions)).execute(() => loadPrices(symbol));
 * ```
 *
 * @throws TypeError naming the first invalid option.
 */
export function fallback<R>(
  handler: FallbackHandler<R>,
  options?: FallbackOptions,
): FallbackPolicy<R>;
export function fallback<R>(value: R, options?: FallbackOptions): FallbackPolicy<R>;
export function fallback<R>(
  valueOrHandler: R | FallbackHandler<R>,
  options?: FallbackOptions,
): FallbackPolicy<R> {
  return new FallbackPolicy(valueOrHandler, options);
}
