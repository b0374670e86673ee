import { checkKnownKeys, checkNumber, Listeners, type Unsubscribe } from '@breakwater/core';
import { OperationTimeoutError } from './errors.js';
import { MAX_TIMER_MS, readExecuteArgs, runOperation } from './invoke-operation.js';
import type { ExecuteOptions, Operation, Policy } from './policy.js';

/** Options of `timeout({ timeoutMs })`. */
export interface TimeoutOptions {
  /** Milliseconds a call may run before it is given up (> 0). */
  timeoutMs: number;
}

/** Payload of `onTimeout`: a call ran out of time and was rejected with an `OperationTimeoutError`. */
export interface TimeoutPolicyEvent {
  timeoutMs: number;
}

function resolveTimeoutMs(value: number | TimeoutOptions): number {
  if (typeof value === 'object' && value !== null) checkKnownKeys('options', value, ['timeoutMs']);
  const raw = typeof value === 'object' && value !== null ? value.timeoutMs : value;
  return checkNumber('timeoutMs', raw, { min: 0, exclusiveMin: true, max: MAX_TIMER_MS });
}

/**
 * Gives up on a call that runs longer than `timeoutMs`. Build one with {@link timeout}.
 */
export class TimeoutPolicy implements Policy {
  readonly #timeoutMs: number;
  readonly #onTimeout = new Listeners<TimeoutPolicyEvent>();

  /** @throws TypeError / RangeError when `timeoutMs` is not a number in (0, 2^31 − 1]. */
  constructor(options: number | TimeoutOptions) {
    this.#timeoutMs = resolveTimeoutMs(options);
  }

  /** The time limit of each call, in milliseconds. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /**
   * Runs `fn` with a signal of its own. If `fn` has not settled after `timeoutMs`, that
   * signal aborts with an {@link OperationTimeoutError} and the call rejects with it at once —
   * without waiting for `fn` to notice (cancellation is cooperative: `fn` should stop
   * when its signal aborts). The timer is unref'd and cleared when the call settles.
   * Only this call is affected. When the caller's signal aborts first, the call rejects
   * with `signal.reason`.
   */
  async execute<T>(fn: Operation<T>, options?: ExecuteOptions): Promise<T> {
    const signal = readExecuteArgs(fn, options);
    const timeoutMs = this.#timeoutMs;
    return runOperation(fn, signal, timeoutMs, () => {
      if (this.#onTimeout.active) this.#onTimeout.emit({ timeoutMs });
      return new OperationTimeoutError(timeoutMs);
    });
  }

  /** Called each time a call times out. */
  onTimeout(listener: (event: TimeoutPolicyEvent) => void): Unsubscribe {
    return this.#onTimeout.on(listener);
  }
}

/**
 * A policy that rejects a call with an {@link OperationTimeoutError} once it has run `timeoutMs`
 * milliseconds, and aborts the signal the call received:
 *
 * ```ts
 * const policy = timeout(2_000); // or timeout({ timeoutMs: 2_000 })
 * const body = await policy.execute(({ signal }) => fetch(url, { signal }).then((r) => r.text()));
 * ```
 *
 * @throws TypeError / RangeError when `timeoutMs` is not a number in (0, 2^31 − 1].
 */
export function timeout(options: number | TimeoutOptions): TimeoutPolicy {
  return new TimeoutPolicy(options);
}
