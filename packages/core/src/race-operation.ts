import { promiseTry } from './promise-try.js';

/** Options of {@link raceOperation}. */
export interface RaceOperationOptions {
  /** The caller's signal: when it aborts, the call rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Milliseconds the operation may run (up to `MAX_TIMER_MS`); `undefined` or `Infinity`
   * arms no timer.
   */
  readonly timeoutMs?: number | undefined;
  /**
   * Makes the reason the operation's signal aborts with (and the call rejects with) when
   * the timer fires. Required with a finite `timeoutMs`.
   */
  readonly timeoutReason?: (() => unknown) | undefined;
}

/**
 * Runs `operation` with a signal of its own, linked to the caller's `signal`, and
 * settles like it — or rejects as soon as that signal aborts: the caller's signal aborts
 * (with its reason) or `timeoutMs` elapses (with `timeoutReason()`), without waiting for
 * the operation to notice (cancellation is cooperative). A synchronous throw becomes a
 * rejection. Rejects at once, without calling `operation`, when `signal` has already
 * aborted. The timer is unref'd; timer and listeners are removed once the call settles.
 */
export function raceOperation<T>(
  operation: (signal: AbortSignal) => T | PromiseLike<T>,
  options: RaceOperationOptions = {},
): Promise<T> {
  const { signal, timeoutMs, timeoutReason } = options;
  if (signal?.aborted === true) return Promise.reject(signal.reason);
  // One controller and no listener on it: the operation's signal is aborted by hand, and
  // the caller's signal gets the only listener (EventTarget listeners cost the most here).
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const stop = (reason: unknown): void => {
      cleanup();
      controller.abort(reason);
      reject(reason);
    };
    const onAbort = (): void => stop(signal?.reason);
    if (timeoutMs !== undefined && timeoutMs !== Number.POSITIVE_INFINITY) {
      timer = setTimeout(() => stop(timeoutReason?.()), timeoutMs);
      timer.unref();
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    promiseTry(operation, controller.signal).then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}
