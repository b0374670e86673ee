import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { raceOperation } from './race-operation.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

it('settles like the operation and leaves no timer and no listener', async () => {
  const controller = new AbortController();
  const result = raceOperation(async () => 'ok', {
    signal: controller.signal,
    timeoutMs: 1_000,
    timeoutReason: () => new Error('late'),
  });
  await expect(result).resolves.toBe('ok');
  expect(vi.getTimerCount()).toBe(0);
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
});

it('turns a synchronous throw into a rejection', async () => {
  const error = new Error('sync');
  await expect(
    raceOperation(() => {
      throw error;
    }),
  ).rejects.toBe(error);
});

it('rejects with the timeout reason when the timer fires, and aborts the operation signal with it', async () => {
  let seen: AbortSignal | undefined;
  const reason = new Error('too slow');
  const result = raceOperation(
    (signal) => {
      seen = signal;
      return new Promise<never>(() => {});
    },
    { timeoutMs: 50, timeoutReason: () => reason },
  );
  const outcome = expect(result).rejects.toBe(reason);
  await vi.advanceTimersByTimeAsync(50);
  await outcome;
  expect(seen?.aborted).toBe(true);
  expect(seen?.reason).toBe(reason);
});

it('arms an unref-ed timer, and none without a finite timeout', async () => {
  const unref = vi.spyOn(globalThis, 'setTimeout');
  void raceOperation(() => new Promise<never>(() => {}), { timeoutMs: Number.POSITIVE_INFINITY });
  expect(vi.getTimerCount()).toBe(0);
  void raceOperation(() => new Promise<never>(() => {}), {
    timeoutMs: 10,
    timeoutReason: () => 'late',
  }).catch(() => {});
  const timer = unref.mock.results.at(-1)?.value as ReturnType<typeof setTimeout>;
  expect(timer.hasRef()).toBe(false);
  unref.mockRestore();
  await vi.advanceTimersByTimeAsync(10);
});

it("rejects with the caller's reason when the caller's signal aborts first", async () => {
  const controller = new AbortController();
  let seen: AbortSignal | undefined;
  const result = raceOperation(
    (signal) => {
      seen = signal;
      return new Promise<never>(() => {});
    },
    { signal: controller.signal, timeoutMs: 1_000, timeoutReason: () => 'late' },
  );
  const reason = new Error('caller');
  controller.abort(reason);
  await expect(result).rejects.toBe(reason);
  expect(seen?.reason).toBe(reason);
  expect(vi.getTimerCount()).toBe(0);
});

it('does not call the operation when the signal has already aborted', async () => {
  const controller = new AbortController();
  controller.abort('gone');
  const operation = vi.fn();
  await expect(raceOperation(operation, { signal: controller.signal })).rejects.toBe('gone');
  expect(operation).not.toHaveBeenCalled();
});
