import { checkFunction, type Unsubscribe } from '@breakwater/core';
import {
  type BatcherCounters,
  type BatcherFlushEvent,
  type BatcherFullEvent,
  BatchQueue,
} from './batch-queue.js';
import {
  BATCHING_KEYS,
  type BatchContext,
  type BatcherAddOptions,
  type BatchingOptions,
  readAddOptions,
  readOptions,
  resolveBatchingOptions,
} from './options.js';

/** Options of `new Batcher(options)`. */
export interface BatcherOptions<I, R> extends BatchingOptions<I> {
  /**
   * Processes one batch: returns (or resolves to) one result per item, in order. An
   * `Error` instance in a slot rejects that item's caller only; a throw or a rejection
   * rejects every caller of the batch; an array of the wrong length rejects them all with
   * `BatchResultError`.
   */
  process: (
    items: I[],
    ctx: BatchContext,
  ) => ReadonlyArray<R | Error> | PromiseLike<ReadonlyArray<R | Error>>;
  /** Most batches being processed at once. @default Infinity */
  concurrency?: number | undefined;
}

/** What `batcher.stats()` returns: a fresh object, counters since construction and gauges now. */
export interface BatcherStats extends BatcherCounters {
  /** Adds resolved with their result (counter). */
  fulfilled: number;
  /** Adds rejected by `process`: a throw, an `Error` in their slot, a wrong result count (counter). */
  failed: number;
}

const BATCHER_KEYS = ['process', ...BATCHING_KEYS];

/**
 * Gathers `add(item)` calls into batches handed to one `process(items)` call, and gives
 * each caller its own item's result:
 *
 * ```ts
 * const users = new Batcher({
 *   process: (ids: string[]) => db.usersByIds(ids),
 *   maxBatchSize: 100,
 * });
 * const user = await users.add('42');
 * ```
 *
 * @throws TypeError / RangeError naming the first invalid option.
 */
export class Batcher<I, R> implements AsyncDisposable {
  readonly #queue: BatchQueue<I, R>;

  constructor(options: BatcherOptions<I, R>) {
    const raw = readOptions(options, BATCHER_KEYS);
    const process = checkFunction<BatcherOptions<I, R>['process']>('process', raw.process);
    const resolved = resolveBatchingOptions(raw, Number.POSITIVE_INFINITY);
    this.#queue = new BatchQueue<I, R>(resolved, process, false);
  }

  /**
   * Queues `item` and resolves with its result once its batch is processed; rejects with
   * its slot's `Error`, the batch's error, `signal.reason` when the caller aborts,
   * `BatcherFullError` (full, `onFull: 'reject'`) or `BatcherClosedError`.
   * @throws TypeError (as a rejection) for invalid options.
   */
  add(item: I, options?: BatcherAddOptions): Promise<R> {
    let signal: AbortSignal | undefined;
    if (options !== undefined) {
      try {
        signal = readAddOptions(options);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#queue.add(item, signal);
  }

  /**
   * Hands every queued item over now (flush reason `'flush'`); resolves when the batches
   * it handed over, and those waiting for a `concurrency` slot, have settled.
   */
  flush(): Promise<void> {
    return this.#queue.flush();
  }

  /**
   * Stops accepting adds (they reject with `BatcherClosedError`), hands over everything
   * queued, including adds waiting for room (flush reason `'close'`), and resolves once
   * every batch has been processed: every add settles, none is dropped. It waits for
   * `process` as long as that takes; pass its `ctx.signal` on to bound it. Calling it
   * again returns the same promise.
   */
  close(): Promise<void> {
    return this.#queue.close();
  }

  /** Calls `close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** True once `close()` has been called. */
  get closed(): boolean {
    return this.#queue.closed;
  }

  /** Counters since construction and gauges now; see the README for each field. */
  stats(): BatcherStats {
    const queue = this.#queue;
    return { ...queue.counters(), fulfilled: queue.fulfilled, failed: queue.failed };
  }

  /** A batch was handed to `process`. */
  onFlush(listener: (event: BatcherFlushEvent) => void): Unsubscribe {
    return this.#queue.onFlush.on(listener);
  }

  /** An add found `maxPending` items queued, and waited or was refused. */
  onFull(listener: (event: BatcherFullEvent) => void): Unsubscribe {
    return this.#queue.onFull.on(listener);
  }
}
