import { checkFunction } from './validate.js';

/** An unsubscribe function that is also a `Disposable`, for `using` declarations. */
export interface Unsubscribe extends Disposable {
  (): void;
}

/** Called with any error a listener throws. */
export type ListenerErrorHandler = (error: unknown) => void;

/**
 * Rethrows a listener's error on a fresh stack, so it surfaces as an uncaught
 * exception instead of corrupting the state of the primitive that was emitting.
 */
export const rethrowAsync: ListenerErrorHandler = (error) => {
  queueMicrotask(() => {
    throw error;
  });
};

/**
 * A typed set of listeners for one event stream.
 *
 * - `on(fn)` returns an {@link Unsubscribe} that is also `Symbol.dispose`.
 * - `emit(event)` calls the listeners registered at the moment of the call, in order.
 *   A listener that throws does not stop the others nor the emitter: its error goes to
 *   `onError` (by default rethrown asynchronously).
 * - Check `active` before building an expensive payload: with no listeners, an emit
 *   site costs one property read.
 */
export class Listeners<T> {
  #list: ReadonlyArray<(event: T) => void> = [];
  readonly #onError: ListenerErrorHandler;

  constructor(onError: ListenerErrorHandler = rethrowAsync) {
    this.#onError = onError;
  }

  /** True when at least one listener is registered. */
  get active(): boolean {
    return this.#list.length > 0;
  }

  /** Number of registered listeners. */
  get size(): number {
    return this.#list.length;
  }

  /**
   * Registers `listener`; returns a function that removes exactly this registration.
   * @throws TypeError when `listener` is not a function.
   */
  on(listener: (event: T) => void): Unsubscribe {
    checkFunction('listener', listener);
    // Wrap so that registering the same function twice yields two removable entries.
    const entry = (event: T): void => listener(event);
    this.#list = [...this.#list, entry];
    const off = (): void => {
      this.#list = this.#list.filter((candidate) => candidate !== entry);
    };
    return Object.assign(off, { [Symbol.dispose]: off });
  }

  /** Calls every listener with `event`. */
  emit(event: T): void {
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(event);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#list = [];
  }
}
