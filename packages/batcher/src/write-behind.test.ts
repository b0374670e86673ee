import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatcherClosedError, BatcherFullError } from './errors.js';
import type { WriteContext } from './write-behind.js';
import { WriteBehindBatcher } from './write-behind.js';

const endOfTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const constant = { type: 'constant', delayMs: 10 } as const;

afterEach(() => {
  vi.useRealTimers();
});

describe('WriteBehindBatcher', () => {
  it('resolves add once the item is queued, before it is written', async () => {
    const writes: number[][] = [];
    const sink = new WriteBehindBatcher<number>({
      write: (items) => {
        writes.push(items);
      },
      deadLetter: () => {},
    });
    await sink.add(1);
    await sink.add(2);
    expect(writes).toEqual([]);
    expect(sink.stats()).toMatchObject({ items: 2, pending: 2 });
    await endOfTick();
    expect(writes).toEqual([[1, 2]]);
    expect(sink.stats()).toMatchObject({ written: 2, pending: 0, deadLettered: 0 });
  });

  it('retries a failed batch with the backoff, then counts it written', async () => {
    vi.useFakeTimers();
    const attempts: WriteContext[] = [];
    const sink = new WriteBehindBatcher<number>({
      write: (_items, ctx) => {
        attempts.push(ctx);
        if (ctx.attempt < 3) throw new Error(`fail ${ctx.attempt}`);
      },
      deadLetter: () => {},
      retry: { maxAttempts: 3, backoff: constant },
    });
    const retries: unknown[] = [];
    sink.onRetry((event) => retries.push(event));
    await sink.add(1);
    const flushed = sink.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts.map((a) => [a.attempt, a.reason])).toEqual([[1, 'flush']]);
    await vi.advanceTimersByTimeAsync(10);
    await vi.advanceTimersByTimeAsync(10);
    await flushed;
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(attempts[0]!.signal).toBeInstanceOf(AbortSignal);
    expect(retries).toEqual([
      { attempt: 1, delayMs: 10, error: new Error('fail 1') },
      { attempt: 2, delayMs: 10, error: new Error('fail 2') },
    ]);
    expect(sink.stats()).toMatchObject({ written: 1, retries: 2, deadLettered: 0 });
  });

  it('hands a batch whose attempts all failed to deadLetter, counted, with its error', async () => {
    vi.useFakeTimers();
    const dead: [number[], unknown][] = [];
    const events: unknown[] = [];
    const boom = new Error('sink down');
    const sink = new WriteBehindBatcher<number>({
      write: () => Promise.reject(boom),
      deadLetter: (items, error) => {
        dead.push([items, error]);
      },
      retry: { maxAttempts: 2, backoff: constant },
    });
    sink.onDeadLetter((event) => events.push(event));
    await sink.add(1);
    await sink.add(2);
    const closing = sink.close();
    await vi.advanceTimersByTimeAsync(10);
    await closing;
    expect(dead).toEqual([[[1, 2], boom]]);
    expect(events).toEqual([{ size: 2, attempts: 2, error: boom }]);
    expect(sink.stats()).toMatchObject({ written: 0, deadLettered: 2, retries: 1, inFlight: 0 });
  });

  it('rethrows asynchronously what a failing deadLetter throws, and still counts the items', async () => {
    const errors: unknown[] = [];
    const onError = (error: unknown) => errors.push(error);
    process.on('uncaughtException', onError);
    try {
      const sink = new WriteBehindBatcher<number>({
        write: () => {
          throw new Error('write');
        },
        deadLetter: () => Promise.reject(new Error('dead letter')),
        retry: { maxAttempts: 1, backoff: constant },
      });
      await sink.add(1);
      await sink.close();
      await endOfTick();
      expect(errors).toEqual([new Error('dead letter')]);
      expect(sink.stats().deadLettered).toBe(1);
    } finally {
      process.off('uncaughtException', onError);
    }
  });

  it('applies backpressure: add waits for room, or rejects with BatcherFullError', async () => {
    const releases: (() => void)[] = [];
    const sink = new WriteBehindBatcher<number>({
      write: () => new Promise<void>((resolve) => releases.push(resolve)),
      deadLetter: () => {},
      maxBatchSize: 2,
      maxPending: 2,
    });
    await sink.add(1);
    await sink.add(2); // batch [1, 2] is written (concurrency 1)
    await sink.add(3);
    await sink.add(4); // batch [3, 4] waits: pending 2
    let accepted = false;
    const waiting = sink.add(5).then(() => {
      accepted = true;
    });
    await endOfTick();
    expect(accepted).toBe(false);
    releases[0]!();
    await waiting;
    expect(sink.stats()).toMatchObject({ pending: 1, waited: 1 });

    const strict = new WriteBehindBatcher<number>({
      write: () => new Promise<void>(() => {}),
      deadLetter: () => {},
      maxBatchSize: 1,
      maxPending: 1,
      onFull: 'reject',
    });
    await strict.add(1); // being written
    await strict.add(2); // queued
    await expect(strict.add(3)).rejects.toBeInstanceOf(BatcherFullError);
  });

  it('ignores an abort once the item is accepted, honours it while waiting for room', async () => {
    const writes: number[][] = [];
    let release!: () => void;
    const sink = new WriteBehindBatcher<number>({
      write: (items) => {
        writes.push(items);
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      deadLetter: () => {},
      maxBatchSize: 1,
      maxPending: 1,
    });
    const c1 = new AbortController();
    await sink.add(1, { signal: c1.signal });
    c1.abort();
    await sink.add(2);
    const c3 = new AbortController();
    const third = sink.add(3, { signal: c3.signal });
    c3.abort('stop');
    await expect(third).rejects.toBe('stop');
    release();
    await endOfTick();
    release();
    await sink.close();
    expect(writes).toEqual([[1], [2]]);
    expect(sink.stats()).toMatchObject({ written: 2, aborted: 1 });
  });

  it('close() writes everything, adds waiting for room included, then refuses adds', async () => {
    const writes: number[][] = [];
    const sink = new WriteBehindBatcher<number>({
      write: async (items) => {
        writes.push(items);
      },
      deadLetter: () => {},
      maxBatchSize: 2,
      maxPending: 2,
      maxDelayMs: 1_000,
    });
    const adds = [1, 2, 3, 4, 5].map((n) => sink.add(n));
    await sink[Symbol.asyncDispose]();
    await Promise.all(adds);
    expect(writes.flat()).toEqual([1, 2, 3, 4, 5]);
    await expect(sink.add(6)).rejects.toBeInstanceOf(BatcherClosedError);
    expect(sink.closed).toBe(true);
    const stats = sink.stats();
    expect(stats).toMatchObject({ written: 5, items: 5, rejected: 1 });
    expect(stats.batches.close + stats.batches.size).toBe(writes.length);
  });

  it('reports flushes and full events', async () => {
    const sink = new WriteBehindBatcher<number>({
      write: () => {},
      deadLetter: () => {},
      maxPending: 1,
    });
    const flushes: unknown[] = [];
    const fulls: unknown[] = [];
    sink.onFlush((event) => flushes.push(event.size));
    sink.onFull((event) => fulls.push(event.action));
    await sink.add(1);
    const second = sink.add(2);
    await sink.flush();
    await second;
    await sink.close();
    expect(flushes).toEqual([1, 1]);
    expect(fulls).toEqual(['wait']);
  });

  it('passes shouldRetry and random to the retry policy', async () => {
    vi.useFakeTimers();
    const seen: unknown[] = [];
    const sink = new WriteBehindBatcher<number>({
      write: () => {
        throw new Error('permanent');
      },
      deadLetter: (_items, error) => {
        seen.push(error);
      },
      retry: {
        maxAttempts: 5,
        backoff: { type: 'exponential', initialDelayMs: 10, maxDelayMs: 100, jitter: 1 },
        shouldRetry: () => false,
        random: () => 0.5,
      },
    });
    await sink.add(1);
    await sink.close();
    expect(seen).toEqual([new Error('permanent')]);
    expect(sink.stats().retries).toBe(0);
  });
});
