/** How a promise settled within a time limit. */
export type Settled<T> =
  | { ok: true; value: T }
  | { ok: false; timedOut: false; error: unknown }
  | { ok: false; timedOut: true };

/**
 * Waits for `promise` at most `ms` (with an unref'd timer, cleared once it settles).
 * Never rejects; a late rejection is observed so it cannot go unhandled.
 */
export function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, timedOut: true }), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve({ ok: true, value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ ok: false, timedOut: false, error });
      },
    );
  });
}
