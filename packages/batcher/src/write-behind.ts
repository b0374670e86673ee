import { type RetryEvent, type RetryOptions, type RetryPolicy, retry } from '@breakwater/breaker';
import {
  checkBackoff,
  checkFunction,
  checkInteger,
  checkKnownKeys,
  checkOptionalFunction,
  checkOptions,
  Listeners,
  promiseTry,
  rethrowAsync,
  type Unsubscribe,
} from '@breakwater/core';
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

/** What `write` receives beside the items. */
export interface WriteContext extends BatchContext {
  /** The attempt (from 1) this call is, for this batch. */
  readonly attempt: number;
}

/** Options of `new WriteBehindBatcher(options)`. */
export interface WriteBehindOptions<I> extends BatchingOptions<I> {
  /** Writes one batch; a throw or a rejection fails the attempt, anything else succeeds. */
  write: (items: I[], ctx: WriteContext) => unknown;
  /**
   * Receives a batch whose every attempt failed, with the error of the last one. What it
   * returns is awaited (by `close()` too); if it throws or rejects, that error is rethrown
   * asynchronously (an `uncaughtException`), never swallowed.
   */
  deadLetter: (items: I[], error: unknown) => unknown;
  /**
   * How failed writes are retried: `retry` from `@breakwater/breaker` (`maxAttempts`
   * counts the first attempt; `backoff` is core's `Backoff`; `shouldRetry`, `random`).
   * @default { maxAttempts: 3, backoff: { type: 'exponential', initialDelayMs: 100, maxDelayMs: 5_000, jitter: 0.5 } }
   */
  retry?: RetryOptions | undefined;
  /** Most batches being written at once; `1` writes them in order. @default 1 */
  concurrency?: number | undefined;
}

/** Payload of `onDeadLetter`: a batch was handed to `deadLetter`. */
export interface DeadLetterEvent {
  /** Items in the batch. */
  size: number;
  /** Attempts made. */
  attempts: number;
  /** The error of the last attempt. */
  error: unknown;
}

/** Payload of `onRetry`: a write failed and is tried again after `delayMs`. */
export type WriteRetryEvent = RetryEvent;

/** What `writeBehind.stats()` returns: a fresh object, counters since construction and gauges now. */
export interface WriteBehindStats extends BatcherCounters {
  /** Items written: their batch's `write` succeeded (counter). */
  written: number;
  /** Items handed to `deadLetter` after their batch's last attempt failed (counter). */
  deadLettered: number;
  /** Attempts that failed and were tried again (counter). */
  retries: number;
}

const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 3,
  backoff: { type: 'exponential', initialDelayMs: 100, maxDelayMs: 5_000, jitter: 0.5 },
};

const RETRY_KEYS = Object.keys({
  maxAttempts: true,
  backoff: true,
  shouldRetry: true,
  random: true,
} satisfies Record<keyof RetryOptions, true>);

const WRITE_BEHIND_KEYS = ['write', 'deadLetter', 'retry', ...BATCHING_KEYS];

function retryPolicy(value: RetryOptions | undefined): RetryPolicy {
  if (value === undefined) return retry(DEFAULT_RETRY);
  const raw = checkOptions('retry', value);
  checkKnownKeys('retry', raw, RETRY_KEYS);
  const maxAttempts = checkInteger('retry.maxAttempts', raw.maxAttempts, { min: 1 });
  checkBackoff('retry.backoff', raw.backoff);
  return retry({
    maxAttempts,
    backoff: raw.backoff!,
    shouldRetry: checkOptionalFunction('retry.shouldRetry', raw.shouldRetry),
    random: checkOptionalFunction('retry.random', raw.random),
  });
}

/**
 * A write-behind queue for a sink: `add(item)` resolves as soon as the item is queued
 * (backpressure through `maxPending` and `onFull` still applies), batches are written in
 * the background, a failed batch is retried with backoff, and a batch whose attempts all
 * failed goes to `deadLetter`. `close()` writes or dead-letters everything it holds.
 *
 * @throws TypeError / RangeError naming the first invalid option.
 */
export class WriteBehindBatcher<I> implements AsyncDisposable {
  readonly #queue: BatchQueue<I, undefined>;
  readonly #write: WriteBehindOptions<I>['write'];
  readonly #deadLetter: WriteBehindOptions<I>['deadLetter'];
  readonly #retry: RetryPolicy;
  readonly #onDeadLetter = new Listeners<DeadLetterEvent>();
  readonly #onRetry = new Listeners<WriteRetryEvent>();
  #written = 0;
  #deadLettered = 0;
  #retries = 0;

  constructor(options: WriteBehindOptions<I>) {
    const raw = readOptions(options, WRITE_BEHIND_KEYS);
    this.#write = checkFunction('write', raw.write);
    this.#deadLetter = checkFunction('deadLetter', raw.deadLetter);
    this.#retry = retryPolicy(raw.retry);
    this.#retry.onRetry((event) => {
      this.#retries++;
      if (this.#onRetry.active) this.#onRetry.emit(event);
    });
    const resolved = resolveBatchingOptions(raw, 1);
    this.#queue = new BatchQueue<I, undefined>(
      resolved,
      (items, ctx) => this.#run(items, ctx),
      true,
    );
  }

  async #run(items: I[], ctx: BatchContext): Promise<undefined[]> {
    const results = new Array<undefined>(items.length);
    let attempt = 0;
    const { reason } = ctx;
    try {
      await this.#retry.execute(({ signal }) => {
        attempt++;
        return this.#write(items, { signal, reason, attempt });
      });
      this.#written += items.length;
    } catch (error) {
      this.#deadLettered += items.length;
      if (this.#onDeadLetter.active) {
        this.#onDeadLetter.emit({ size: items.length, attempts: attempt, error });
      }
      try {
        await promiseTry((batch: I[]) => this.#deadLetter(batch, error), items);
      } catch (handlerError) {
        rethrowAsync(handlerError);
      }
    }
    return results;
  }

  /**
   * Queues `item`; resolves once it is accepted (at once, or after waiting for room with
   * `onFull: 'wait'`). Rejects with `signal.reason` when the caller aborts while waiting,
   * `BatcherFullError` (full, `onFull: 'reject'`) or `BatcherClosedError`. Once accepted,
   * the item is written or dead-lettered.
   */
  add(item: I, options?: BatcherAddOptions): Promise<void> {
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
   * Hands every queued item over now; resolves when those batches are written or
   * dead-lettered (retries included).
   */
  flush(): Promise<void> {
    return this.#queue.flush();
  }

  /**
   * Stops accepting adds (`BatcherClosedError`), hands over everything queued (adds
   * waiting for room included) and resolves once every batch is written or
   * dead-lettered: the wait is bounded by the retry policy (attempts × their backoff)
   * plus the time `write` and `deadLetter` take. Calling it again returns the same promise.
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
  stats(): WriteBehindStats {
    return {
      ...this.#queue.counters(),
      written: this.#written,
      deadLettered: this.#deadLettered,
      retries: this.#retries,
    };
  }

  /** A batch was handed to `write`. */
  onFlush(listener: (event: BatcherFlushEvent) => void): Unsubscribe {
    return this.#queue.onFlush.on(listener);
  }

  /** An add found `maxPending` items queued, and waited or was refused. */
  onFull(listener: (event: BatcherFullEvent) => void): Unsubscribe {
    return this.#queue.onFull.on(listener);
  }

  /** A write failed and will be tried again after `delayMs`. */
  onRetry(listener: (event: WriteRetryEvent) => void): Unsubscribe {
    return this.#onRetry.on(listener);
  }

  /** A batch's attempts all failed and it was handed to `deadLetter`. */
  onDeadLetter(listener: (event: DeadLetterEvent) => void): Unsubscribe {
    return this.#onDeadLetter.on(listener);
  }
}
