import { type Deferred, deferred, invalidMessage, Listeners, Waiter } from '@breakwater/core';
import { BatcherClosedError, BatcherFullError, BatchResultError } from './errors.js';
import type { BatchContext, FlushReason, ResolvedBatchingOptions } from './options.js';

/**
 * The machinery `Batcher` and `WriteBehindBatcher` share: items gather into an open
 * batch, which is sealed when it fills (size or weight), when its delay runs out, or on
 * `flush()` / `close()`; sealed batches wait in order for one of `concurrency` slots.
 * Internal: the public classes wrap it.
 *
 * An item's life: waiting for room (only when `maxPending` items are queued) → queued in
 * a batch (counted in `pending`) → processing (its batch handed to `process`) → done.
 * An abort takes a waiting or queued item out; a processing item's caller is rejected at
 * once and its slot's result ignored.
 */

/** Payload of `onFlush`: a batch was handed to `process` (or `write`). */
export interface BatcherFlushEvent {
  /** Items in the batch. */
  size: number;
  /** Their total weight (`weigh`), or their number without `weigh`. */
  weight: number;
  /** Why the batch was handed over. */
  reason: FlushReason;
  /** Milliseconds since the batch's first item was queued, by the `clock`. */
  waitedMs: number;
}

/** Payload of `onFull`: an add found `maxPending` items queued. */
export interface BatcherFullEvent {
  /** Items queued. */
  pending: number;
  /** The bound. */
  maxPending: number;
  /** What the add did: waited for room or was refused with `BatcherFullError`. */
  action: 'wait' | 'reject';
}

/** Counters and gauges both public classes report. */
export interface BatcherCounters {
  /** Adds accepted into the queue (counter). */
  items: number;
  /** Batches handed over, by the reason they were (counters). */
  batches: Record<FlushReason, number>;
  /** Adds refused without queuing: full with `onFull: 'reject'`, closed, a bad weight (counter). */
  rejected: number;
  /** Adds rejected by their own signal, wherever they were (counter). */
  aborted: number;
  /** Adds that waited for room because the batcher was full (counter). */
  waited: number;
  /** Items queued: added, not aborted, not yet handed over (gauge). */
  pending: number;
  /** Adds waiting for room (gauge). */
  waiting: number;
  /** Batches being processed (gauge). */
  inFlight: number;
  /** Items in the batches being processed (gauge). */
  processing: number;
}

const WAITING = 0;
const QUEUED = 1;
const PROCESSING = 2;
const DONE = 3;

/** The function the queue hands batches to; it settles with one result per item. */
export type ProcessBatch<I, R> = (
  items: I[],
  ctx: BatchContext,
) => ReadonlyArray<R | Error> | PromiseLike<ReadonlyArray<R | Error>>;

/** One add. It listens to its caller's signal itself (`handleEvent`). */
class Entry<I, R> {
  state = QUEUED;
  batch: Batch<I, R> | undefined = undefined;
  waiter: Waiter<void> | undefined = undefined;
  constructor(
    readonly queue: BatchQueue<I, R>,
    readonly item: I,
    readonly weight: number,
    public signal: AbortSignal | undefined,
    readonly resolve: (value: R) => void,
    readonly reject: (reason: unknown) => void,
  ) {}

  /** @internal The abort listener of the caller's signal. */
  handleEvent(): void {
    this.queue.abortEntry(this);
  }

  detach(): void {
    if (this.signal !== undefined) {
      this.signal.removeEventListener('abort', this);
      this.signal = undefined;
    }
  }
}

class Batch<I, R> {
  entries: Entry<I, R>[] = [];
  /** Entries not aborted. */
  live = 0;
  weight = 0;
  reason: FlushReason = 'delay';
  controller: AbortController | undefined = undefined;
  done: Deferred<void> | undefined = undefined;
  finished = false;
  constructor(readonly openedAt: number) {}

  /** The signal of `ctx`, made on first use. */
  signal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  whenDone(): Promise<void> {
    if (this.finished) return Promise.resolve();
    this.done ??= deferred<void>();
    return this.done.promise;
  }
}

/**
 * The `ctx` of one `process` call; its signal is made on first read. (A class: an object
 * literal with a getter costs far more to create.)
 */
class Context implements BatchContext {
  readonly reason: FlushReason;
  readonly #batch: Batch<unknown, unknown>;
  constructor(batch: Batch<unknown, unknown>) {
    this.reason = batch.reason;
    this.#batch = batch;
  }
  get signal(): AbortSignal {
    return this.#batch.signal();
  }
}

export class BatchQueue<I, R> {
  readonly #options: ResolvedBatchingOptions<I>;
  readonly #process: ProcessBatch<I, R>;
  /** Write-behind: an add resolves (with `undefined`) when it is queued; results are ignored. */
  readonly #acceptOnly: boolean;
  readonly onFlush = new Listeners<BatcherFlushEvent>();
  readonly onFull = new Listeners<BatcherFullEvent>();

  #open: Batch<I, R> | undefined = undefined;
  #ready: Batch<I, R>[] = [];
  #waiters: Entry<I, R>[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  #tickArmed = false;
  #admitting = false;
  #closing = false;
  #closed: Promise<void> | undefined = undefined;
  #idle: Deferred<void> | undefined = undefined;

  #pending = 0;
  #inFlight = 0;
  #processing = 0;
  #items = 0;
  #rejected = 0;
  #aborted = 0;
  #waited = 0;
  /** Whether the last `add` queued its item or made it wait for room (not refused at once). */
  lastAccepted = false;
  /** Adds resolved with their result, rejected by `process` (result mode only). */
  fulfilled = 0;
  failed = 0;
  readonly #batches: Record<FlushReason, number> = {
    size: 0,
    weight: 0,
    delay: 0,
    flush: 0,
    close: 0,
  };

  /** How errors name the user's function: `'process()'`, `'batch()'`. */
  readonly #name: string;

  constructor(
    options: ResolvedBatchingOptions<I>,
    process: ProcessBatch<I, R>,
    acceptOnly: boolean,
    name = 'process()',
  ) {
    this.#name = name;
    this.#options = options;
    this.#process = process;
    this.#acceptOnly = acceptOnly;
  }

  get closed(): boolean {
    return this.#closing;
  }

  add(item: I, signal: AbortSignal | undefined): Promise<R> {
    this.lastAccepted = false;
    if (this.#closing) {
      this.#rejected++;
      return Promise.reject(new BatcherClosedError());
    }
    if (signal?.aborted === true) {
      this.#aborted++;
      return Promise.reject(signal.reason);
    }
    let weight = 1;
    const weigh = this.#options.weigh;
    if (weigh !== undefined) {
      try {
        weight = weigh(item);
        if (typeof weight !== 'number' || !(weight >= 0 && weight < Number.POSITIVE_INFINITY)) {
          const message = invalidMessage('weigh(item)', 'a finite number >= 0', weight);
          throw typeof weight === 'number' ? new RangeError(message) : new TypeError(message);
        }
      } catch (error) {
        this.#rejected++;
        return Promise.reject(error);
      }
    }
    const promise = new Promise<R>(capture as Executor<R>);
    const entry = new Entry<I, R>(
      this,
      item,
      weight,
      signal,
      capturedResolve as (value: R) => void,
      capturedReject,
    );
    const { maxPending } = this.#options;
    if (this.#pending >= maxPending || this.#waiters.length > 0) {
      const action = this.#options.onFull;
      if (this.onFull.active) {
        this.onFull.emit({ pending: this.#pending, maxPending, action });
      }
      if (action === 'reject') {
        this.#rejected++;
        return Promise.reject(new BatcherFullError(this.#pending, maxPending));
      }
      this.#wait(entry);
      this.lastAccepted = true;
      return promise;
    }
    this.#enqueue(entry);
    // After the enqueue: it may call `process`, which may add again.
    this.lastAccepted = true;
    return promise;
  }

  #wait(entry: Entry<I, R>): void {
    this.#waited++;
    entry.state = WAITING;
    const waiter = new Waiter<void>({
      signal: entry.signal,
      onAbort: () => {
        const index = this.#waiters.indexOf(entry);
        if (index >= 0) this.#waiters.splice(index, 1);
        entry.state = DONE;
        this.#aborted++;
        this.#checkIdle();
      },
    });
    entry.waiter = waiter;
    waiter.promise.then(undefined, entry.reject);
    this.#waiters.push(entry);
  }

  /** Lets waiting adds in while there is room (re-entrant calls return at once). */
  #admit(): void {
    if (this.#admitting) return;
    this.#admitting = true;
    try {
      const { maxPending } = this.#options;
      while (this.#waiters.length > 0 && this.#pending < maxPending) {
        const entry = this.#waiters.shift()!;
        entry.waiter!.resolve();
        entry.waiter = undefined;
        this.#enqueue(entry);
      }
    } finally {
      this.#admitting = false;
    }
    if (this.#closing) this.#seal('close');
  }

  #enqueue(entry: Entry<I, R>): void {
    this.#items++;
    this.#pending++;
    entry.state = QUEUED;
    if (this.#acceptOnly) {
      entry.detach();
      entry.resolve(undefined as R);
    } else if (entry.signal !== undefined) {
      entry.signal.addEventListener('abort', entry, { once: true });
    }
    const { maxBatchWeight, maxBatchSize } = this.#options;
    let batch = this.#open;
    if (batch !== undefined && batch.live > 0 && batch.weight + entry.weight > maxBatchWeight) {
      this.#seal('weight');
      batch = undefined;
    }
    if (batch === undefined) batch = this.#openBatch();
    entry.batch = batch;
    batch.entries.push(entry);
    batch.live++;
    batch.weight += entry.weight;
    if (batch.weight >= maxBatchWeight) this.#seal('weight');
    else if (batch.live >= maxBatchSize) this.#seal('size');
  }

  #openBatch(): Batch<I, R> {
    const batch = new Batch<I, R>(this.#options.clock.now());
    this.#open = batch;
    const { maxDelayMs } = this.#options;
    if (maxDelayMs === 0) {
      if (!this.#tickArmed) {
        this.#tickArmed = true;
        // After the promise jobs of this tick, then after the nextTick queue: adds made in
        // promise callbacks of the same tick land in the same batch.
        resolved.then(() => process.nextTick(this.#onTick));
      }
    } else {
      this.#timer = setTimeout(this.#onTimer, maxDelayMs);
      this.#timer.unref();
    }
    return batch;
  }

  readonly #onTick = (): void => {
    this.#tickArmed = false;
    this.#seal('delay');
  };

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#seal('delay');
  };

  /** Seals the open batch (if any) and hands it over in turn. */
  #seal(reason: FlushReason): void {
    const batch = this.#open;
    if (batch === undefined) return;
    this.#open = undefined;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (batch.live === 0) {
      this.#finishEmpty(batch);
      return;
    }
    batch.reason = reason;
    this.#ready.push(batch);
    this.#drain();
  }

  #drain(): void {
    while (this.#inFlight < this.#options.concurrency && this.#ready.length > 0) {
      this.#dispatch(this.#ready.shift()!);
    }
  }

  #dispatch(batch: Batch<I, R>): void {
    if (batch.live === 0) {
      this.#finishEmpty(batch);
      return;
    }
    let entries = batch.entries;
    if (batch.live !== entries.length) {
      entries = entries.filter((entry) => entry.state === QUEUED);
      batch.entries = entries;
    }
    const size = entries.length;
    const items = new Array<I>(size);
    for (let i = 0; i < size; i++) {
      const entry = entries[i]!;
      entry.state = PROCESSING;
      items[i] = entry.item;
    }
    this.#pending -= size;
    this.#processing += size;
    this.#inFlight++;
    this.#batches[batch.reason]++;
    if (this.onFlush.active) {
      this.onFlush.emit({
        size,
        weight: batch.weight,
        reason: batch.reason,
        waitedMs: this.#options.clock.now() - batch.openedAt,
      });
    }
    const ctx = new Context(batch);
    let outcome: PromiseLike<ReadonlyArray<R | Error>> | ReadonlyArray<R | Error>;
    try {
      outcome = this.#process(items, ctx);
    } catch (error) {
      this.#admit();
      this.#fail(batch, error);
      return;
    }
    // Room was freed: let waiting adds in, after this batch's `process` has been called
    // (so that batches are handed over in order).
    this.#admit();
    if (outcome !== null && typeof (outcome as PromiseLike<unknown>).then === 'function') {
      (outcome as PromiseLike<ReadonlyArray<R | Error>>).then(
        (results) => this.#complete(batch, results),
        (error: unknown) => this.#fail(batch, error),
      );
    } else {
      // Settle callers on a later job, as an async `process` would.
      resolved.then(() => this.#complete(batch, outcome as ReadonlyArray<R | Error>));
    }
  }

  #complete(batch: Batch<I, R>, results: ReadonlyArray<R | Error>): void {
    const entries = batch.entries;
    if (!Array.isArray(results) || results.length !== entries.length) {
      this.#fail(batch, new BatchResultError(this.#name, entries.length, results));
      return;
    }
    if (!this.#acceptOnly) {
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]!;
        if (entry.state !== PROCESSING) continue;
        entry.state = DONE;
        entry.detach();
        const result = results[i];
        if (result instanceof Error) {
          this.failed++;
          entry.reject(result);
        } else {
          this.fulfilled++;
          entry.resolve(result as R);
        }
      }
    }
    this.#finish(batch);
  }

  #fail(batch: Batch<I, R>, error: unknown): void {
    if (!this.#acceptOnly) {
      for (const entry of batch.entries) {
        if (entry.state !== PROCESSING) continue;
        entry.state = DONE;
        entry.detach();
        this.failed++;
        entry.reject(error);
      }
    }
    this.#finish(batch);
  }

  #finish(batch: Batch<I, R>): void {
    this.#inFlight--;
    this.#processing -= batch.entries.length;
    batch.finished = true;
    batch.done?.resolve();
    this.#drain();
    this.#checkIdle();
  }

  #finishEmpty(batch: Batch<I, R>): void {
    batch.finished = true;
    batch.done?.resolve();
    this.#checkIdle();
  }

  /** @internal The caller of a queued or processing entry aborted. */
  abortEntry(entry: Entry<I, R>): void {
    const signal = entry.signal;
    if (signal === undefined || entry.state === DONE) return;
    entry.signal = undefined;
    const batch = entry.batch!;
    const state = entry.state;
    entry.state = DONE;
    this.#aborted++;
    batch.live--;
    if (state === QUEUED) {
      batch.weight -= entry.weight;
      this.#pending--;
      if (batch === this.#open && batch.live === 0) {
        // Nothing left to wait for: drop the empty batch and its timer.
        this.#seal('delay');
      }
    } else if (batch.live === 0) {
      batch.controller ??= new AbortController();
      batch.controller.abort(signal.reason);
    }
    entry.reject(signal.reason);
    if (state === QUEUED) this.#admit();
    this.#checkIdle();
  }

  /** Hands every queued item over now; resolves when the batches it handed over settle. */
  flush(): Promise<void> {
    const batches = [...this.#ready];
    if (this.#open !== undefined && this.#open.live > 0) batches.push(this.#open);
    this.#seal('flush');
    if (batches.length === 0) return Promise.resolve();
    return Promise.all(batches.map((batch) => batch.whenDone())).then(noop);
  }

  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#closing = true;
    this.#seal('close');
    this.#admit();
    this.#closed = this.#whenIdle();
    return this.#closed;
  }

  #isIdle(): boolean {
    return (
      this.#open === undefined &&
      this.#ready.length === 0 &&
      this.#waiters.length === 0 &&
      this.#inFlight === 0
    );
  }

  #whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    this.#idle ??= deferred<void>();
    return this.#idle.promise;
  }

  #checkIdle(): void {
    if (this.#idle !== undefined && this.#isIdle()) {
      const idle = this.#idle;
      this.#idle = undefined;
      idle.resolve();
    }
  }

  counters(): BatcherCounters {
    return {
      items: this.#items,
      batches: { ...this.#batches },
      rejected: this.#rejected,
      aborted: this.#aborted,
      waited: this.#waited,
      pending: this.#pending,
      waiting: this.#waiters.length,
      inFlight: this.#inFlight,
      processing: this.#processing,
    };
  }
}

const resolved = Promise.resolve();

/**
 * The executor of every add's promise: it hands the resolving functions over through
 * these two variables (read at once, before any other promise is made), so that an add
 * does not allocate a closure for it.
 */
type Executor<R> = (resolve: (value: R) => void, reject: (reason: unknown) => void) => void;
let capturedResolve: (value: unknown) => void = noop;
let capturedReject: (reason: unknown) => void = noop;
function capture(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * One `Batch`, `Entry` and `Context` that live as long as the module. An object's hidden
 * class is held only by the objects that have it, and optimised code that relies on one is
 * thrown away when a garbage collection finds none left: between two ticks no batch or
 * entry may be alive, so without these every collection would send the hot paths back to
 * the interpreter.
 */
/** @internal Exported only so that nothing drops it as unused. */
export const keepShapes: readonly unknown[] = (() => {
  const batch = new Batch<unknown, unknown>(0);
  const entry = new Entry<unknown, unknown>(
    undefined as never,
    undefined,
    1,
    undefined,
    noop,
    noop,
  );
  entry.batch = batch;
  entry.state = DONE;
  batch.entries.push(entry);
  return [batch, entry, new Context(batch)];
})();

function noop(): void {}
