/** Options of `new Waiter(options)`. */
export interface WaiterOptions {
  /** The caller's signal: when it aborts while waiting, the waiter leaves and rejects. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Called when `signal` aborts while waiting, just before the waiter rejects with
   * `signal.reason`: take the waiter out of the queue it stands in.
   */
  readonly onAbort?: (() => void) | undefined;
  /**
   * Milliseconds until `onTimeout` is called (a timer that is not unref'd: the caller is
   * waiting for it); `undefined` arms none. At most `MAX_TIMER_MS`.
   */
  readonly timeoutMs?: number | undefined;
  /**
   * Called when `timeoutMs` elapses while waiting. It decides: reject the waiter (with the
   * owner's timeout error, after taking it out of the queue), or serve it.
   */
  readonly onTimeout?: (() => void) | undefined;
}

/**
 * One caller waiting in a queue for something (a resource, a slot, a permit, a shared
 * load): a promise that the queue's owner settles once, and that settles by itself when
 * the caller's signal aborts or its time is up, after telling the owner. Settling removes
 * the abort listener and the timer; settling again is a no-op.
 */
export class Waiter<T> {
  /** Settles once, with the value or reason of the first `resolve` / `reject`. */
  readonly promise: Promise<T>;
  #resolve!: (value: T) => void;
  #reject!: (reason: unknown) => void;
  #settled = false;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Rejects at once with `signal.reason` (calling neither hook) when it has already aborted. */
  constructor(options: WaiterOptions = {}) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    const { signal, timeoutMs, onTimeout } = options;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.reject(signal.reason);
        return;
      }
      this.#signal = signal;
      this.#onAbort = options.onAbort;
      signal.addEventListener('abort', this, { once: true });
    }
    if (timeoutMs !== undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (!this.#settled) onTimeout?.();
      }, timeoutMs);
    }
  }

  /** True once resolved or rejected. */
  get settled(): boolean {
    return this.#settled;
  }

  /** Resolves the promise; `false` (and nothing happens) when it had already settled. */
  resolve(value: T): boolean {
    return this.#settle(true, value);
  }

  /** Rejects the promise; `false` (and nothing happens) when it had already settled. */
  reject(reason: unknown): boolean {
    return this.#settle(false, reason);
  }

  #settle(ok: boolean, result: unknown): boolean {
    if (this.#settled) return false;
    this.stopWaiting();
    this.#settled = true;
    if (ok) this.#resolve(result as T);
    else this.#reject(result);
    return true;
  }

  /**
   * Ends the wait without settling yet (what was waited for starts now and settles the
   * promise later): removes the abort listener and the timer. Idempotent.
   */
  stopWaiting(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#signal?.removeEventListener('abort', this);
    this.#signal = undefined;
  }

  /** @internal The abort listener. */
  handleEvent(): void {
    const signal = this.#signal;
    if (signal === undefined || this.#settled) return;
    this.stopWaiting();
    this.#onAbort?.();
    this.reject(signal.reason);
  }
}
