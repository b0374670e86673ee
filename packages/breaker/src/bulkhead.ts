import {
  checkInteger,
  checkKnownKeys,
  checkOptions,
  Listeners,
  promiseTry,
  type Unsubscribe,
  Waiter,
} from '@breakwater/core';
import { BulkheadClosedError, BulkheadRejectedError } from './errors.js';
import { readExecuteArgs, runOperation } from './invoke-operation.js';
import type { ExecuteOptions, Operation, Policy } from './policy.js';

/** Options of `bulkhead(options)`. */
export interface BulkheadOptions {
  /** Most calls running at the same time (integer >= 1). */
  maxConcurrent: number;
  /**
   * Most calls waiting for a slot, served first in, first out (integer >= 0, or
   * `Infinity`); `0` rejects every call that finds all slots taken. @default 0
   */
  maxQueue?: number | undefined;
}

/** A snapshot of a bulkhead's counters, from `stats()`. */
export interface BulkheadStats {
  /** Calls whose function is running now (each holds a slot). */
  running: number;
  /** Calls waiting for a slot. */
  queued: number;
  /** Calls refused with a `BulkheadRejectedError` so far. */
  rejected: number;
}

/** Payload of `onReject`: a call found every slot and queue place taken. */
export interface BulkheadRejectEvent {
  running: number;
  queued: number;
  maxConcurrent: number;
  maxQueue: number;
}

interface ResolvedBulkheadOptions {
  readonly maxConcurrent: number;
  readonly maxQueue: number;
}

/** A call waiting in the queue. */
interface QueuedCall {
  /** Settles with the call's outcome; leaves the queue when the caller's signal aborts. */
  readonly waiter: Waiter<unknown>;
  /** Takes the slot reserved for this call and runs it. */
  readonly start: () => void;
}

function resolveBulkheadOptions(options: BulkheadOptions): ResolvedBulkheadOptions {
  const raw = checkOptions('options', options);
  checkKnownKeys('options', raw, ['maxConcurrent', 'maxQueue']);
  return Object.freeze({
    maxConcurrent: checkInteger('maxConcurrent', raw.maxConcurrent, { min: 1 }),
    maxQueue: checkInteger('maxQueue', raw.maxQueue, { min: 0, allowInfinity: true, default: 0 }),
  });
}

/**
 * Bounds how many calls run at once, with a bounded FIFO queue in front. Build one with
 * {@link bulkhead}.
 *
 * A slot is held until the function itself settles, so `maxConcurrent` bounds the work
 * really in progress: a running call whose signal aborts rejects at once, but its slot
 * is freed only when its function returns.
 */
export class BulkheadPolicy implements Policy, AsyncDisposable {
  readonly #options: ResolvedBulkheadOptions;
  /** Insertion-ordered: the first entry is the oldest waiter. */
  readonly #queue = new Set<QueuedCall>();
  readonly #onReject = new Listeners<BulkheadRejectEvent>();
  #running = 0;
  #rejected = 0;
  #closed = false;
  /** Resolvers of `close()` calls waiting for the running calls to finish. */
  #idle: Array<() => void> = [];

  /** @throws TypeError / RangeError naming the first invalid option. */
  constructor(options: BulkheadOptions) {
    this.#options = resolveBulkheadOptions(options);
  }

  /**
   * Runs `fn` in a free slot, or queues it until one frees up. Rejects at once with a
   * {@link BulkheadRejectedError} when the queue is full too, with a
   * {@link BulkheadClosedError} after `close()`, and with `signal.reason` when the
   * caller's signal aborts (a queued call then leaves the queue).
   */
  execute<T>(fn: Operation<T>, options?: ExecuteOptions): Promise<T> {
    let signal: AbortSignal | undefined;
    try {
      signal = readExecuteArgs(fn, options);
      if (this.#closed) throw new BulkheadClosedError();
      if (signal?.aborted) throw signal.reason;
    } catch (error) {
      return Promise.reject(error);
    }
    const { maxConcurrent, maxQueue } = this.#options;
    if (this.#running < maxConcurrent && this.#queue.size === 0) {
      this.#running++;
      return this.#run(fn, signal);
    }
    if (this.#queue.size >= maxQueue) {
      this.#rejected++;
      const running = this.#running;
      const queued = this.#queue.size;
      if (this.#onReject.active) {
        this.#onReject.emit({ running, queued, maxConcurrent, maxQueue });
      }
      return Promise.reject(new BulkheadRejectedError(running, maxConcurrent, queued, maxQueue));
    }
    const waiter = new Waiter<T>({ signal, onAbort: () => this.#queue.delete(call) });
    const call: QueuedCall = {
      waiter: waiter as Waiter<unknown>,
      start: () => {
        this.#run(fn, signal).then(
          (value) => waiter.resolve(value),
          (error: unknown) => waiter.reject(error),
        );
      },
    };
    this.#queue.add(call);
    return waiter.promise;
  }

  /**
   * Stops accepting calls: rejects every queued call with a {@link BulkheadClosedError}
   * and resolves once the running calls have settled (their callers still get their
   * results). Later `execute` calls reject with `BulkheadClosedError`. Idempotent.
   */
  close(): Promise<void> {
    this.#closed = true;
    const waiters = [...this.#queue];
    this.#queue.clear();
    for (const call of waiters) call.waiter.reject(new BulkheadClosedError());
    if (this.#running === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Called each time a call is refused because every slot and queue place is taken. */
  onReject(listener: (event: BulkheadRejectEvent) => void): Unsubscribe {
    return this.#onReject.on(listener);
  }

  /** A snapshot of the counters. */
  stats(): BulkheadStats {
    return { running: this.#running, queued: this.#queue.size, rejected: this.#rejected };
  }

  /** Runs `fn` in a slot already counted in `#running`; frees it when `fn` settles. */
  #run<T>(fn: Operation<T>, signal: AbortSignal | undefined): Promise<T> {
    const release = (): void => this.#release();
    return runOperation((context) => {
      const work = promiseTry(fn, context);
      work.then(release, release);
      return work;
    }, signal);
  }

  #release(): void {
    this.#running--;
    const { maxConcurrent } = this.#options;
    while (this.#running < maxConcurrent && this.#queue.size > 0) {
      const call = this.#queue.values().next().value as QueuedCall;
      this.#queue.delete(call);
      call.waiter.stopWaiting();
      this.#running++;
      call.start();
    }
    if (this.#running === 0 && this.#idle.length > 0) {
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  }
}

/**
 * A policy that lets at most `maxConcurrent` calls run at once and up to `maxQueue`
 * more wait for a slot; beyond that it rejects at once with a
 * {@link BulkheadRejectedError}:
 *
 * ```ts
 * const policy = bulkhead({ maxConcurrent: 10, maxQueue: 50 });
 * const rows = await policy.execute(({ signal }) => db.query(sql, { signal }));
 * ```
 *
 * @throws TypeError / RangeError naming the first invalid option.
 */
export function bulkhead(options: BulkheadOptions): BulkheadPolicy {
  return new BulkheadPolicy(options);
}
