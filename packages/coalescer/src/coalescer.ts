import { setMaxListeners } from 'node:events';
import { type Clock, type Deferred, deferred, invalidMessage, promiseTry } from '@breakwater/core';
import { CoalescerClosedError } from './errors.js';
import { keyString } from './key.js';
import {
  type CoalescerOptions,
  type CoalescerRunOptions,
  readRunSignal,
  resolveCoalescerOptions,
} from './options.js';

/** `Coalescer#stats()`: counters since construction, and gauges of now. */
export interface CoalescerStats {
  /** `run` calls accepted (valid, and made before `close()`), aborted ones included. */
  calls: number;
  /** Times a `fn` was called: one per flight. */
  executions: number;
  /** Calls that joined an execution already in flight. */
  joined: number;
  /** Calls answered with a settled result kept for `resultTtlMs`. */
  cached: number;
  /** Calls that rejected with their own `signal.reason` (already aborted, or while waiting). */
  aborted: number;
  /** Executions whose callers all aborted, so that their signal was aborted. */
  cancelled: number;
  /** Calls refused without running because the coalescer was closed. */
  rejected: number;
  /** Gauge: executions started and not settled yet (cancelled ones still running included). */
  inFlight: number;
  /** Gauge: keys held now, with an execution in flight or a kept result. */
  size: number;
}

/** Settled flights kept shorter than this many slots are never compacted out of the queue. */
const EXPIRY_COMPACT_MIN = 1024;

/**
 * How many executions that can never be cancelled share one never-aborting signal before
 * it is replaced (exported for the tests). Creating an `AbortSignal` costs microseconds, far more than the rest of a
 * flight; replacing the shared one now and then bounds what listeners left on it retain.
 */
export const SHARED_SIGNAL_USES = 256;

/**
 * One execution of a key's `fn` and everything that shares it.
 *
 * `waiting` counts the callers still waiting (callers without a signal never leave); once
 * it drops to 0 while the execution runs, the flight is cancelled: its signal is aborted,
 * it leaves the map, and its outcome is never handed to anyone. Only a flight whose first
 * caller had a signal can get there, so only such a flight has a controller of its own.
 */
class Flight<V> {
  readonly key: string;
  controller: AbortController | undefined;
  promise!: Promise<V>;
  waiting = 0;
  settled = false;
  cancelled = false;
  /** When a settled flight stops being handed out, on the coalescer's clock. */
  expiresAt = 0;

  constructor(key: string) {
    this.key = key;
  }
}

/**
 * Coalesces concurrent calls by key: calls for one key made while its `fn` runs share
 * that one execution and its outcome. Each caller may abort alone; the execution's own
 * signal is aborted only when every caller waiting for it has aborted.
 *
 * Keys: a string is used as is; any other value (number, boolean, null, array, plain
 * object) goes through core's `stableKey`, so a non-string key and the string `stableKey`
 * gives for it (`1` and `'1'`) are the same key.
 */
export class Coalescer<K = string, V = unknown> implements AsyncDisposable {
  #map = new Map<string, Flight<V>>();
  readonly #resultTtlMs: number;
  readonly #cacheErrors: boolean;
  readonly #clock: Clock;
  #closed = false;
  /** Flights in flight that still have callers: what `close()` waits for. */
  #active = 0;
  #idle: Deferred<void> | undefined;
  #calls = 0;
  #executions = 0;
  #joined = 0;
  #cached = 0;
  #aborted = 0;
  #cancelled = 0;
  #rejected = 0;
  #inFlight = 0;
  /** The signal handed to executions that cannot be cancelled, and its uses left. */
  #sharedSignal: AbortSignal | undefined;
  #sharedUses = 0;
  /**
   * Flights kept for `resultTtlMs`, in the order they settled: every one is kept for the
   * same time, so that is also the order they expire in. Read from `#expiryHead`.
   */
  #expiry: (Flight<V> | undefined)[] = [];
  #expiryHead = 0;

  /** @throws TypeError/RangeError for an invalid option, naming it. */
  constructor(options?: CoalescerOptions) {
    const resolved = resolveCoalescerOptions(options);
    this.#resultTtlMs = resolved.resultTtlMs;
    this.#cacheErrors = resolved.cacheErrors;
    this.#clock = resolved.clock;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Runs `fn` for `key`, or joins the execution of `key` in flight (or its result kept for
   * `resultTtlMs`). `fn` gets a signal aborted once every caller of this execution has
   * aborted. A synchronous throw of `fn` is a rejection.
   *
   * Rejects with `signal.reason` (as is) when this caller's signal aborts — at once, and
   * before anything runs when it is aborted already; with `CoalescerClosedError` after
   * `close()`; with a `TypeError` for an invalid key, `fn` or option.
   */
  run(
    key: K,
    fn: (signal: AbortSignal) => V | PromiseLike<V>,
    options?: CoalescerRunOptions,
  ): Promise<V> {
    let signal: AbortSignal | undefined;
    let id: string;
    try {
      if (options !== undefined) signal = readRunSignal(options);
      if (typeof fn !== 'function') throw new TypeError(invalidMessage('fn', 'a function', fn));
      id = typeof key === 'string' ? key : keyString(key);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closed) {
      this.#rejected++;
      return Promise.reject(new CoalescerClosedError());
    }
    this.#calls++;
    if (this.#expiryHead !== this.#expiry.length) this.#sweep();
    if (signal?.aborted === true) {
      this.#aborted++;
      return Promise.reject(signal.reason);
    }
    let flight = this.#map.get(id);
    if (flight !== undefined) {
      if (!flight.settled) {
        this.#joined++;
        return this.#wait(flight, signal);
      }
      if (flight.expiresAt > this.#clock.now()) {
        this.#cached++;
        return flight.promise;
      }
      this.#map.delete(id);
    }
    flight = this.#start(id, fn, signal !== undefined);
    return this.#wait(flight, signal);
  }

  /**
   * Drops `key`'s result or execution in flight, so that the next call runs `fn` again.
   * Callers already waiting keep their execution. Returns whether anything was held.
   * Works after `close()`.
   * @throws TypeError for an invalid key.
   */
  forget(key: K): boolean {
    return this.#map.delete(typeof key === 'string' ? key : keyString(key));
  }

  /** A fresh snapshot of the counters and gauges. */
  stats(): CoalescerStats {
    if (this.#expiryHead !== this.#expiry.length) this.#sweep();
    return {
      calls: this.#calls,
      executions: this.#executions,
      joined: this.#joined,
      cached: this.#cached,
      aborted: this.#aborted,
      cancelled: this.#cancelled,
      rejected: this.#rejected,
      inFlight: this.#inFlight,
      size: this.#map.size,
    };
  }

  /**
   * Closes the coalescer: new calls reject with `CoalescerClosedError`, kept results are
   * dropped, and the returned promise resolves once every execution in flight has settled
   * for its callers or been given up by all of them (their signals bound the wait). The
   * `fn` of an execution whose callers all aborted is not waited for. Calling it again
   * returns the same wait.
   */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const [key, flight] of this.#map) {
        if (flight.settled) this.#map.delete(key);
      }
      this.#expiry = [];
      this.#expiryHead = 0;
    }
    if (this.#active === 0) return Promise.resolve();
    this.#idle ??= deferred<void>();
    return this.#idle.promise;
  }

  /** Calls {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #start(
    id: string,
    fn: (signal: AbortSignal) => V | PromiseLike<V>,
    cancellable: boolean,
  ): Flight<V> {
    const flight = new Flight<V>(id);
    this.#map.set(id, flight);
    this.#executions++;
    this.#inFlight++;
    this.#active++;
    let signal: AbortSignal;
    if (cancellable) {
      flight.controller = new AbortController();
      signal = flight.controller.signal;
    } else {
      signal = this.#uncancellableSignal();
    }
    flight.promise = promiseTry(fn, signal);
    if (this.#resultTtlMs > 0 && !this.#cacheErrors) {
      flight.promise.then(
        () => this.#settle(flight, false),
        () => this.#settle(flight, true),
      );
    } else {
      // Whether it is kept does not depend on how it settled: one handler for both.
      const settled = (): void => this.#settle(flight, false);
      flight.promise.then(settled, settled);
    }
    return flight;
  }

  /**
   * The signal of an execution whose first caller has no signal: that caller never leaves,
   * so the execution can never be cancelled and its signal never aborts. Such executions
   * share one signal, replaced every {@link SHARED_SIGNAL_USES} uses so that listeners left
   * on it (which can never fire) are released with it.
   */
  #uncancellableSignal(): AbortSignal {
    let signal = this.#sharedSignal;
    if (signal === undefined || this.#sharedUses === 0) {
      signal = new AbortController().signal;
      // A few listeners from each of its executions are not a leak.
      setMaxListeners(SHARED_SIGNAL_USES * 10, signal);
      this.#sharedSignal = signal;
      this.#sharedUses = SHARED_SIGNAL_USES;
    }
    this.#sharedUses--;
    return signal;
  }

  /** `rejected` is only ever true when rejections are not kept. */
  #settle(flight: Flight<V>, rejected: boolean): void {
    this.#inFlight--;
    flight.settled = true;
    if (flight.cancelled) return;
    this.#release();
    if (this.#map.get(flight.key) !== flight) return;
    if (this.#resultTtlMs > 0 && !this.#closed && !rejected) {
      flight.expiresAt = this.#clock.now() + this.#resultTtlMs;
      this.#expiry.push(flight);
    } else {
      this.#dropKey(flight.key);
    }
  }

  #wait(flight: Flight<V>, signal: AbortSignal | undefined): Promise<V> {
    flight.waiting++;
    if (signal === undefined) return flight.promise;
    return new Promise<V>((resolve, reject) => {
      const onAbort = (): void => {
        this.#aborted++;
        reject(signal.reason);
        this.#leave(flight, signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
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

  /** A caller aborted: the last one to leave a running flight cancels it. */
  #leave(flight: Flight<V>, reason: unknown): void {
    flight.waiting--;
    if (flight.waiting > 0 || flight.settled || flight.cancelled) return;
    flight.cancelled = true;
    this.#cancelled++;
    if (this.#map.get(flight.key) === flight) this.#dropKey(flight.key);
    this.#release();
    // Only a flight started by a caller with a signal can lose all its callers.
    flight.controller?.abort(reason);
  }

  /**
   * Drops the kept results that have expired, oldest first, so that keys never called
   * again do not stay held. A result replaced or forgotten since is skipped.
   */
  #sweep(): void {
    const queue = this.#expiry;
    const now = this.#clock.now();
    let head = this.#expiryHead;
    while (head < queue.length) {
      const flight = queue[head] as Flight<V>;
      if (flight.expiresAt > now) break;
      queue[head] = undefined;
      head++;
      if (this.#map.get(flight.key) === flight) this.#dropKey(flight.key);
    }
    if (head === queue.length) {
      this.#expiry = [];
      head = 0;
    } else if (head >= EXPIRY_COMPACT_MIN && head * 2 >= queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    this.#expiryHead = head;
  }

  /**
   * Removes a key. Once the map is empty it is replaced by a fresh one: a long-lived map
   * that has moved to the old generation gets slow to change (V8 rehashes it there), and
   * an empty map costs nothing to replace.
   */
  #dropKey(key: string): void {
    const map = this.#map;
    map.delete(key);
    if (map.size === 0) this.#map = new Map();
  }

  /** One flight fewer that `close()` waits for. */
  #release(): void {
    this.#active--;
    if (this.#active === 0 && this.#idle !== undefined) this.#idle.resolve();
  }
}
