import { Waiter } from './waiter.js';

/**
 * The longest delay a Node.js timer honours (2^31 - 1 ms, about 24.8 days): a longer one
 * fires after 1 ms instead. Options that arm a timer are bounded by it.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Waits `ms` milliseconds, or rejects with `signal.reason` as soon as the signal aborts
 * (at once when it already has; the timer is then cleared). The timer is not unref'd: the
 * caller is waiting for it.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  const waiter: Waiter<void> = new Waiter<void>({
    signal,
    timeoutMs: ms,
    onTimeout: () => waiter.resolve(),
  });
  return waiter.promise;
}
