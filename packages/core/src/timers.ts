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
  if (signal?.aborted === true) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
