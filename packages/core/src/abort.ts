/**
 * AbortSignal helpers. Every Breakwater call that can wait takes `{ signal }`, rejects
 * with `signal.reason` and removes its listeners when it settles.
 */

/** Throws `signal.reason` when the signal is already aborted; no-op without a signal. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw signal.reason;
}

/** A child signal aborted by its parents, with explicit cleanup. */
export interface LinkedSignal extends Disposable {
  /** The child signal to hand to user code. */
  readonly signal: AbortSignal;
  /** Aborts the child only (parents are unaffected), then detaches it from the parents. */
  abort(reason?: unknown): void;
  /** Detaches the child from its parents; call it when the work settles. Idempotent. */
  dispose(): void;
}

/**
 * Creates a child signal that aborts, with the parent's reason, as soon as any of the
 * given parents aborts; `undefined` parents are skipped. Unlike `AbortSignal.any`, the
 * listeners on the parents are removed by `dispose()` (or `using`), so a long-lived
 * parent signal does not accumulate listeners from finished work.
 */
export function linkSignal(...parents: ReadonlyArray<AbortSignal | undefined>): LinkedSignal {
  const controller = new AbortController();
  const attached: AbortSignal[] = [];
  const onAbort = function (this: AbortSignal): void {
    abort(this.reason);
  };
  const dispose = (): void => {
    for (const parent of attached) parent.removeEventListener('abort', onAbort);
    attached.length = 0;
  };
  const abort = (reason?: unknown): void => {
    dispose();
    if (!controller.signal.aborted) controller.abort(reason);
  };
  for (const parent of parents) {
    if (parent === undefined) continue;
    if (parent.aborted) {
      abort(parent.reason);
      break;
    }
    parent.addEventListener('abort', onAbort);
    attached.push(parent);
  }
  return { signal: controller.signal, abort, dispose, [Symbol.dispose]: dispose };
}

/**
 * Settles like `promise`, or rejects with `signal.reason` as soon as the signal aborts,
 * whichever comes first. The abort listener is removed once either happens. The
 * underlying work is not cancelled (pass the signal to it for that); its later
 * rejection is observed, so it never surfaces as an unhandled rejection.
 */
export function raceSignal<T>(
  promise: PromiseLike<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (signal === undefined) return Promise.resolve(promise);
  if (signal.aborted) {
    Promise.resolve(promise).catch(noop);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function noop(): void {}
