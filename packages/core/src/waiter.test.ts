import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { Waiter } from './waiter.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

it('a waiter settles once, with the first resolve or reject, and then holds no timer or listener', async () => {
  const controller = new AbortController();
  const waiter = new Waiter<number>({
    signal: controller.signal,
    timeoutMs: 100,
    onTimeout: () => {},
  });
  expect(waiter.settled).toBe(false);
  expect(waiter.resolve(1)).toBe(true);
  expect(waiter.resolve(2)).toBe(false);
  expect(waiter.reject(new Error('late'))).toBe(false);
  expect(waiter.settled).toBe(true);
  await expect(waiter.promise).resolves.toBe(1);
  expect(vi.getTimerCount()).toBe(0);
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
});

it('a waiter leaves on abort: the owner hears of it first, then it rejects with the reason', async () => {
  const controller = new AbortController();
  const order: string[] = [];
  const waiter = new Waiter<number>({
    signal: controller.signal,
    onAbort: () => order.push(`left, settled=${waiter.settled}`),
  });
  const reason = new Error('stop');
  controller.abort(reason);
  await expect(waiter.promise).rejects.toBe(reason);
  expect(order).toEqual(['left, settled=false']);
});

it('a waiter whose signal has already aborted rejects at once without calling the owner', async () => {
  const onAbort = vi.fn();
  const waiter = new Waiter<number>({ signal: AbortSignal.abort('gone'), onAbort });
  await expect(waiter.promise).rejects.toBe('gone');
  expect(onAbort).not.toHaveBeenCalled();
});

it('a waiter asks its owner what to do when its time is up, once, and not after settling', async () => {
  const onTimeout = vi.fn();
  const first = new Waiter<number>({ timeoutMs: 50, onTimeout });
  await vi.advanceTimersByTimeAsync(50);
  expect(onTimeout).toHaveBeenCalledTimes(1);
  first.reject(new Error('timed out'));
  await expect(first.promise).rejects.toThrow('timed out');
  const served = new Waiter<number>({ timeoutMs: 50, onTimeout });
  served.resolve(1);
  await vi.advanceTimersByTimeAsync(100);
  expect(onTimeout).toHaveBeenCalledTimes(1);
});

it('stopWaiting ends the wait without settling: abort and timer no longer reach the waiter', async () => {
  const controller = new AbortController();
  const onAbort = vi.fn();
  const onTimeout = vi.fn();
  const waiter = new Waiter<number>({
    signal: controller.signal,
    onAbort,
    timeoutMs: 10,
    onTimeout,
  });
  waiter.stopWaiting();
  controller.abort('late');
  await vi.advanceTimersByTimeAsync(20);
  expect(onAbort).not.toHaveBeenCalled();
  expect(onTimeout).not.toHaveBeenCalled();
  expect(waiter.settled).toBe(false);
  waiter.resolve(3);
  await expect(waiter.promise).resolves.toBe(3);
  waiter.handleEvent();
});
