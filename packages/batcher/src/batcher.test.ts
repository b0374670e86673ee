import { createManualClock } from '@breakwater/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Batcher } from './batcher.js';
import {
  BatcherClosedError,
  BatcherFullError,
  BatchResultError,
  isBatcherClosedError,
  isBatcherFullError,
  isBatchResultError,
} from './errors.js';
import type { BatchContext } from './options.js';

/** Lets the current tick end: promise jobs, then the nextTick queue, then timers of 0 ms. */
const endOfTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function recorder(
  fn: (items: number[]) => Array<number | Error> = (items) => items.map((n) => n * 10),
) {
  const calls: { items: number[]; ctx: BatchContext }[] = [];
  const process = (items: number[], ctx: BatchContext) => {
    calls.push({ items: [...items], ctx });
    return fn(items);
  };
  return { calls, process };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Batcher', () => {
  it('gathers the adds of one tick into one batch and gives each caller its own result', async () => {
    const { calls, process } = recorder();
    const batcher = new Batcher<number, number>({ process });
    const results = await Promise.all([batcher.add(1), batcher.add(2), batcher.add(3)]);
    expect(results).toEqual([10, 20, 30]);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.items).toEqual([1, 2, 3]);
    expect(calls[0]!.ctx.reason).toBe('delay');
    expect(batcher.stats()).toMatchObject({ items: 3, fulfilled: 3, batches: { delay: 1 } });
  });

  it('puts adds made in promise callbacks of the same tick in the same batch', async () => {
    const { calls, process } = recorder();
    const batcher = new Batcher<number, number>({ process });
    const first = batcher.add(1);
    const second = Promise.resolve().then(() => batcher.add(2));
    await Promise.all([first, second]);
    expect(calls.map((c) => c.items)).toEqual([[1, 2]]);
  });

  it('hands a batch over as soon as it reaches maxBatchSize, with reason size', async () => {
    const { calls, process } = recorder();
    const batcher = new Batcher<number, number>({ process, maxBatchSize: 2 });
    const all = Promise.all([1, 2, 3, 4, 5].map((n) => batcher.add(n)));
    expect(calls.map((c) => [c.items, c.ctx.reason])).toEqual([
      [[1, 2], 'size'],
      [[3, 4], 'size'],
    ]);
    expect(await all).toEqual([10, 20, 30, 40, 50]);
    expect(calls[2]!.items).toEqual([5]);
    expect(batcher.stats().batches).toEqual({ size: 2, weight: 0, delay: 1, flush: 0, close: 0 });
  });

  it("waits maxDelayMs from the first item, with an unref'd timer", async () => {
    vi.useFakeTimers();
    const { calls, process } = recorder();
    const batcher = new Batcher<number, number>({ process, maxDelayMs: 50 });
    const a = batcher.add(1);
    await vi.advanceTimersByTimeAsync(30);
    const b = batcher.add(2);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(20);
    expect(calls.map((c) => [c.items, c.ctx.reason])).toEqual([[[1, 2], 'delay']]);
    expect(await Promise.all([a, b])).toEqual([10, 20]);
  });

  it("arms an unref'd delay timer, so that it keeps no process alive", async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const batcher = new Batcher<number, number>({
        process: (items) => items,
        maxDelayMs: 60_000,
      });
      const a = batcher.add(1);
      const timer = spy.mock.results.at(-1)!.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      await batcher.close();
      expect(await a).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('seals a batch by weight; an item heavier than maxBatchWeight goes alone', async () => {
    const { calls, process } = recorder();
    const batcher = new Batcher<number, number>({
      process,
      maxBatchWeight: 10,
      weigh: (n) => n,
    });
    const all = Promise.all([4, 5, 3, 25, 1].map((n) => batcher.add(n)));
    await all;
    expect(calls.map((c) => [c.items, c.ctx.reason])).toEqual([
      [[4, 5], 'weight'],
      [[3], 'weight'],
      [[25], 'weight'],
      [[1], 'delay'],
    ]);
  });

  it('rejects an add whose weight is not a finite number >= 0, and one whose weigh throws', async () => {
    const batcher = new Batcher<number, number>({
      process: (items) => items,
      maxBatchWeight: 10,
      weigh: (n) => {
        if (n === 0) throw new Error('no weight');
        return n === 1 ? -1 : n === 2 ? (Number.NaN as number) : ('3' as unknown as number);
      },
    });
    await expect(batcher.add(0)).rejects.toThrow('no weight');
    await expect(batcher.add(1)).rejects.toThrow(RangeError);
    await expect(batcher.add(2)).rejects.toThrow(RangeError);
    await expect(batcher.add(3)).rejects.toThrow(TypeError);
    await expect(batcher.add(3)).rejects.toThrow('`weigh(item)`');
    expect(batcher.stats()).toMatchObject({ rejected: 5, items: 0 });
  });

  it('rejects only the caller whose slot holds an Error', async () => {
    const batcher = new Batcher<number, number>({
      process: (items) => items.map((n) => (n === 2 ? new Error(`bad ${n}`) : n)),
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.add(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('bad 2');
    expect(batcher.stats()).toMatchObject({ fulfilled: 2, failed: 1 });
  });

  it('rejects every caller of a batch whose process throws or rejects', async () => {
    const boom = new Error('boom');
    for (const process of [
      () => {
        throw boom;
      },
      () => Promise.reject(boom),
    ]) {
      const batcher = new Batcher<number, number>({ process });
      const results = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
      expect(results).toEqual([
        { status: 'rejected', reason: boom },
        { status: 'rejected', reason: boom },
      ]);
    }
  });

  it('rejects a batch given the wrong number of results with BatchResultError', async () => {
    const batcher = new Batcher<number, number>({ process: (items) => items.slice(1) });
    const results = await Promise.allSettled([batcher.add(1), batcher.add(2), batcher.add(3)]);
    for (const result of results) {
      const error = (result as PromiseRejectedResult).reason;
      expect(error).toBeInstanceOf(BatchResultError);
      expect(isBatchResultError(error)).toBe(true);
      expect(error).toMatchObject({ expected: 3, received: 2, code: 'BREAKWATER_BATCH_RESULT' });
      expect(error.message).toBe(
        'process() returned 2 results for a batch of 3 items; it must return one per item',
      );
    }
    const notArray = new Batcher<number, number>({
      process: () => 'nope' as unknown as number[],
    });
    const error = await notArray.add(1).catch((e: unknown) => e);
    expect(error).toMatchObject({ expected: 1, received: undefined });
    expect((error as Error).message).toMatch(/returned .*nope.* instead of an array of 1 results/);
  });

  it('rejects an add whose signal has already aborted, before queuing', async () => {
    const { calls, process } = recorder();
    const batcher = new Batcher<number, number>({ process });
    const reason = new Error('gone');
    await expect(batcher.add(1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await endOfTick();
    expect(calls).toHaveLength(0);
    expect(batcher.stats()).toMatchObject({ aborted: 1, items: 0, pending: 0 });
  });

  it('takes an aborted queued add out of its batch and frees its pending count and weight', async () => {
    const { calls, process } = recorder();
    const batcher = new Batcher<number, number>({ process, maxBatchWeight: 10, weigh: (n) => n });
    const controller = new AbortController();
    const reason = { why: 'not an Error' };
    const a = batcher.add(6, { signal: controller.signal });
    const b = batcher.add(1);
    expect(batcher.stats().pending).toBe(2);
    controller.abort(reason);
    await expect(a).rejects.toBe(reason);
    expect(batcher.stats().pending).toBe(1);
    // 6 left: 1 + 9 fits in 10 now.
    const c = batcher.add(9);
    expect(await Promise.all([b, c])).toEqual([10, 90]);
    expect(calls.map((x) => x.items)).toEqual([[1, 9]]);
  });

  it('drops a batch whose every add aborted while queued, and its timer', async () => {
    vi.useFakeTimers();
    const { calls, process } = recorder();
    const batcher = new Batcher<number, number>({ process, maxDelayMs: 10 });
    const controller = new AbortController();
    const a = batcher.add(1, { signal: controller.signal });
    controller.abort();
    await expect(a).rejects.toBeInstanceOf(DOMException);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(20);
    expect(calls).toHaveLength(0);
    await batcher.close();
  });

  it('rejects an add aborted during processing at once, and aborts the batch signal when all have', async () => {
    let release!: (results: number[]) => void;
    let ctxSeen!: BatchContext;
    const batcher = new Batcher<number, number>({
      process: (_items, ctx) => {
        ctxSeen = ctx;
        return new Promise<number[]>((resolve) => {
          release = resolve;
        });
      },
    });
    const c1 = new AbortController();
    const c2 = new AbortController();
    const a = batcher.add(1, { signal: c1.signal });
    const b = batcher.add(2, { signal: c2.signal });
    const c = batcher.add(3);
    await endOfTick();
    expect(batcher.stats()).toMatchObject({ inFlight: 1, processing: 3, pending: 0 });
    c1.abort('first');
    await expect(a).rejects.toBe('first');
    expect(ctxSeen.signal.aborted).toBe(false);
    release([10, 20, 30]);
    expect(await b).toBe(20);
    expect(await c).toBe(30);

    // All callers abort: the batch's signal aborts with the last reason.
    let ctx2!: BatchContext;
    const pending = new Batcher<number, number>({
      process: (_items, ctx) => {
        ctx2 = ctx;
        return new Promise<number[]>(() => {});
      },
    });
    const d1 = new AbortController();
    const d2 = new AbortController();
    const d = pending.add(1, { signal: d1.signal });
    const e = pending.add(2, { signal: d2.signal });
    await endOfTick();
    d1.abort('one');
    d2.abort('two');
    await expect(d).rejects.toBe('one');
    await expect(e).rejects.toBe('two');
    expect(ctx2.signal.aborted).toBe(true);
    expect(ctx2.signal.reason).toBe('two');
  });

  it('makes an aborted batch signal even when process reads it only afterwards', async () => {
    let ctxSeen!: BatchContext;
    let release!: () => void;
    const batcher = new Batcher<number, number>({
      process: (items, ctx) => {
        ctxSeen = ctx;
        return new Promise<number[]>((resolve) => {
          release = () => resolve(items);
        });
      },
    });
    const controller = new AbortController();
    const a = batcher.add(1, { signal: controller.signal });
    await endOfTick();
    controller.abort('late');
    await expect(a).rejects.toBe('late');
    expect(ctxSeen.signal.reason).toBe('late');
    release();
    await batcher.close();
    expect(batcher.stats()).toMatchObject({ inFlight: 0, processing: 0, aborted: 1 });
  });

  it('runs at most `concurrency` batches at once, the others in order', async () => {
    const releases: (() => void)[] = [];
    const started: number[][] = [];
    const batcher = new Batcher<number, number>({
      maxBatchSize: 1,
      concurrency: 2,
      process: (items) => {
        started.push(items);
        return new Promise((resolve) => releases.push(() => resolve(items)));
      },
    });
    const all = Promise.all([1, 2, 3, 4].map((n) => batcher.add(n)));
    expect(started).toEqual([[1], [2]]);
    expect(batcher.stats()).toMatchObject({ inFlight: 2, pending: 2 });
    releases[0]!();
    await endOfTick();
    expect(started).toEqual([[1], [2], [3]]);
    releases[1]!();
    releases[2]!();
    await endOfTick();
    releases[3]!();
    expect(await all).toEqual([1, 2, 3, 4]);
  });

  it('refuses an add beyond maxPending with BatcherFullError when onFull is reject', async () => {
    const batcher = new Batcher<number, number>({
      process: (items) => items,
      maxPending: 2,
      onFull: 'reject',
    });
    const full: unknown[] = [];
    batcher.onFull((event) => full.push(event));
    const a = batcher.add(1);
    const b = batcher.add(2);
    const error = await batcher.add(3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatcherFullError);
    expect(isBatcherFullError(error)).toBe(true);
    expect(error).toMatchObject({ pending: 2, maxPending: 2, code: 'BREAKWATER_BATCHER_FULL' });
    expect((error as Error).message).toBe('Batcher full: 2/2 items pending');
    expect(full).toEqual([{ pending: 2, maxPending: 2, action: 'reject' }]);
    expect(await Promise.all([a, b])).toEqual([1, 2]);
    expect(batcher.stats().rejected).toBe(1);
  });

  it('makes an add wait for room when full, in order, and lets an abort take it out', async () => {
    const releases: (() => void)[] = [];
    const started: number[][] = [];
    const batcher = new Batcher<number, number>({
      maxBatchSize: 2,
      maxPending: 2,
      concurrency: 1,
      process: (items) => {
        started.push(items);
        return new Promise((resolve) => releases.push(() => resolve(items)));
      },
    });
    const a = [batcher.add(1), batcher.add(2)]; // batch 1, processing
    const b = [batcher.add(3), batcher.add(4)]; // batch 2, queued: pending 2
    const controller = new AbortController();
    const waitingAborted = batcher.add(5, { signal: controller.signal });
    const c = batcher.add(6);
    expect(batcher.stats()).toMatchObject({ pending: 2, waiting: 2, waited: 2 });
    controller.abort('leave');
    await expect(waitingAborted).rejects.toBe('leave');
    expect(batcher.stats().waiting).toBe(1);
    releases[0]!();
    await endOfTick();
    // Batch 2 went to process, freeing room: 6 was let in.
    expect(started).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(batcher.stats()).toMatchObject({ pending: 1, waiting: 0 });
    releases[1]!();
    await endOfTick();
    releases[2]!();
    expect(await Promise.all([...a, ...b, c])).toEqual([1, 2, 3, 4, 6]);
  });

  it('flush() hands everything queued over at once and resolves when those batches settle', async () => {
    vi.useFakeTimers();
    const { calls, process } = recorder();
    const batcher = new Batcher<number, number>({ process, maxDelayMs: 1_000 });
    const a = batcher.add(1);
    const b = batcher.add(2);
    let settled = false;
    a.then(() => {
      settled = true;
    });
    await batcher.flush();
    expect(settled).toBe(true);
    expect(calls.map((c) => [c.items, c.ctx.reason])).toEqual([[[1, 2], 'flush']]);
    expect(await b).toBe(20);
    await batcher.flush(); // nothing queued
    expect(vi.getTimerCount()).toBe(0);
  });

  it('close() hands over what is queued, waits for in-flight batches, then refuses adds', async () => {
    const releases: (() => void)[] = [];
    const batcher = new Batcher<number, number>({
      maxBatchSize: 2,
      maxPending: 2,
      concurrency: 1,
      process: (items) => new Promise((resolve) => releases.push(() => resolve(items))),
    });
    const adds = [1, 2, 3, 4, 5, 6, 7].map((n) => batcher.add(n));
    const reasons: string[] = [];
    batcher.onFlush((event) => reasons.push(event.reason));
    let closed = false;
    const closing = batcher.close().then(() => {
      closed = true;
    });
    expect(batcher.closed).toBe(true);
    const late = await batcher.add(8).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(BatcherClosedError);
    expect(isBatcherClosedError(late)).toBe(true);
    for (let i = 0; i < 4; i++) {
      await endOfTick();
      expect(closed).toBe(false);
      releases[i]!();
    }
    await closing;
    expect(await Promise.all(adds)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(reasons).toEqual(['size', 'size', 'close']);
    expect(batcher.close()).toBe(batcher.close());
    expect(batcher.stats()).toMatchObject({ pending: 0, waiting: 0, inFlight: 0, rejected: 1 });
  });

  it('[Symbol.asyncDispose] closes', async () => {
    const { process } = recorder();
    const batcher = new Batcher<number, number>({ process });
    const a = batcher.add(1);
    await batcher[Symbol.asyncDispose]();
    expect(await a).toBe(10);
    await expect(batcher.add(2)).rejects.toBeInstanceOf(BatcherClosedError);
  });

  it('reports each batch to onFlush with size, weight, reason and the time it waited', async () => {
    vi.useFakeTimers();
    const clock = createManualClock(100);
    const batcher = new Batcher<number, number>({
      process: (items) => items,
      clock,
      maxDelayMs: 5,
      maxBatchWeight: 100,
      weigh: (n) => n,
    });
    const events: unknown[] = [];
    const off = batcher.onFlush((event) => events.push(event));
    const a = batcher.add(3);
    const b = batcher.add(4);
    clock.advance(5);
    await vi.advanceTimersByTimeAsync(5);
    await Promise.all([a, b]);
    expect(events).toEqual([{ size: 2, weight: 7, reason: 'delay', waitedMs: 5 }]);
    off();
    const c = batcher.add(1, {});
    await batcher.flush();
    await c;
    expect(events).toHaveLength(1);
  });

  it('carries on when a listener throws, rethrowing its error asynchronously', async () => {
    const errors: unknown[] = [];
    const onError = (error: unknown) => errors.push(error);
    process.on('uncaughtException', onError);
    try {
      const batcher = new Batcher<number, number>({ process: (items) => items });
      batcher.onFlush(() => {
        throw new Error('listener');
      });
      expect(await batcher.add(1)).toBe(1);
      await endOfTick();
      expect(errors).toEqual([new Error('listener')]);
    } finally {
      process.off('uncaughtException', onError);
    }
  });

  it('settles the callers of a synchronous process on a later job', async () => {
    const batcher = new Batcher<number, number>({ process: (items) => items, maxBatchSize: 1 });
    let done = false;
    const a = batcher.add(1).then(() => {
      done = true;
    });
    expect(done).toBe(false);
    await a;
    expect(done).toBe(true);
  });
});
