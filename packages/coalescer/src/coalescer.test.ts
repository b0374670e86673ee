import { getMaxListeners } from 'node:events';
import { deferred, isBreakwaterError } from '@breakwater/core';
import { createManualClock } from '@breakwater/testing';
import { describe, expect, it, vi } from 'vitest';
import { SHARED_SIGNAL_USES } from './coalescer.js';
import { Coalescer, CoalescerClosedError, isCoalescerClosedError } from './index.js';

/** A function whose executions are settled by hand, one deferred per call. */
function controlled<V>() {
  const runs: Array<{
    resolve: (v: V) => void;
    reject: (e: unknown) => void;
    signal: AbortSignal;
  }> = [];
  const fn = vi.fn((signal: AbortSignal) => {
    const d = deferred<V>();
    runs.push({ resolve: d.resolve, reject: d.reject, signal });
    return d.promise;
  });
  return { fn, runs };
}

/** Lets every pending promise callback run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('sharing', () => {
  it('concurrent calls with one key share one execution and its value', async () => {
    const c = new Coalescer<string, number>();
    const { fn, runs } = controlled<number>();
    const a = c.run('k', fn);
    const b = c.run('k', fn);
    expect(fn).toHaveBeenCalledTimes(1);
    runs[0]!.resolve(7);
    await expect(Promise.all([a, b])).resolves.toEqual([7, 7]);
    expect(c.stats()).toMatchObject({ calls: 2, executions: 1, joined: 1, inFlight: 0, size: 0 });
  });

  it('concurrent calls share one rejection', async () => {
    const c = new Coalescer();
    const { fn, runs } = controlled();
    const a = c.run('k', fn);
    const b = c.run('k', fn);
    const error = new Error('boom');
    runs[0]!.reject(error);
    await expect(a).rejects.toBe(error);
    await expect(b).rejects.toBe(error);
  });

  it('different keys run separately', async () => {
    const c = new Coalescer();
    const { fn, runs } = controlled();
    const a = c.run('a', fn);
    const b = c.run('b', fn);
    expect(fn).toHaveBeenCalledTimes(2);
    runs[0]!.resolve(1);
    runs[1]!.resolve(2);
    expect([await a, await b]).toEqual([1, 2]);
  });

  it('a call after the execution settled runs again (resultTtlMs 0)', async () => {
    const c = new Coalescer();
    let n = 0;
    expect(await c.run('k', () => ++n)).toBe(1);
    expect(await c.run('k', () => ++n)).toBe(2);
    expect(c.stats()).toMatchObject({ executions: 2, joined: 0, cached: 0 });
  });

  it('a synchronous throw of fn becomes a rejection shared by the callers', async () => {
    const c = new Coalescer();
    const error = new Error('sync');
    const a = c.run('k', () => {
      throw error;
    });
    const b = c.run('k', () => 1);
    await expect(a).rejects.toBe(error);
    await expect(b).rejects.toBe(error);
    expect(c.stats().executions).toBe(1);
  });

  it('fn receives a signal that is not aborted while it runs', async () => {
    const c = new Coalescer();
    let seen: AbortSignal | undefined;
    await c.run('k', (signal) => {
      seen = signal;
      return 1;
    });
    expect(seen).toBeInstanceOf(AbortSignal);
    expect(seen!.aborted).toBe(false);
  });

  it('executions that cannot be cancelled share a never-aborting signal, replaced now and then', async () => {
    const c = new Coalescer<number, number>();
    const seen: AbortSignal[] = [];
    const fn = (signal: AbortSignal) => {
      seen.push(signal);
      return 1;
    };
    await Promise.all(Array.from({ length: SHARED_SIGNAL_USES + 1 }, (_, i) => c.run(i, fn)));
    expect(new Set(seen.slice(0, SHARED_SIGNAL_USES)).size).toBe(1);
    expect(seen[SHARED_SIGNAL_USES]).not.toBe(seen[0]);
    expect(seen.every((signal) => !signal.aborted)).toBe(true);
    // Listeners of its many executions do not look like a leak.
    expect(getMaxListeners(seen[0]!)).toBe(SHARED_SIGNAL_USES * 10);
  });

  it('an execution whose first caller has a signal gets a signal of its own', async () => {
    const c = new Coalescer<number, number>();
    const seen: AbortSignal[] = [];
    const fn = (signal: AbortSignal) => {
      seen.push(signal);
      return 1;
    };
    const ac = new AbortController();
    await c.run(1, fn);
    await c.run(2, fn, { signal: ac.signal });
    await c.run(3, fn, { signal: ac.signal });
    await c.run(4, fn, {});
    expect(new Set(seen).size).toBe(3);
    expect(seen[3]).toBe(seen[0]);
  });

  it('10,000 concurrent calls of one key make exactly one execution', async () => {
    const c = new Coalescer<string, number>();
    const { fn, runs } = controlled<number>();
    const calls = Array.from({ length: 10_000 }, () => c.run('hot', fn));
    expect(fn).toHaveBeenCalledTimes(1);
    runs[0]!.resolve(42);
    const values = await Promise.all(calls);
    expect(values.every((v) => v === 42)).toBe(true);
    expect(c.stats()).toMatchObject({ calls: 10_000, executions: 1, joined: 9_999 });
  });
});

describe('keys', () => {
  it('deeply equal plain-data keys coalesce whatever their key order', async () => {
    const c = new Coalescer<object, number>();
    const { fn, runs } = controlled<number>();
    const a = c.run({ user: 1, page: [1, 2] }, fn);
    const b = c.run({ page: [1, 2], user: 1 }, fn);
    expect(fn).toHaveBeenCalledTimes(1);
    runs[0]!.resolve(3);
    expect(await b).toBe(3);
    expect(await a).toBe(3);
  });

  it('numbers, booleans, null and arrays are keys', async () => {
    const c = new Coalescer<unknown, number>();
    for (const key of [1, true, null, ['a', 1]]) {
      expect(await c.run(key, () => 5)).toBe(5);
    }
  });

  it('an invalid key rejects with a TypeError naming `key`, and nothing runs', async () => {
    const c = new Coalescer<unknown>();
    const fn = vi.fn(() => 1);
    for (const key of [
      undefined,
      Symbol('s'),
      () => 1,
      new Date(0),
      Number.NaN,
      10n,
      { d: new Map() },
    ]) {
      await expect(c.run(key, fn)).rejects.toThrow(TypeError);
    }
    await expect(c.run(undefined, fn)).rejects.toThrow(/`key`/);
    await expect(c.run(new Date(0), fn)).rejects.toThrow(/Invalid `key`: stableKey/);
    expect(fn).not.toHaveBeenCalled();
    expect(() => c.forget(undefined)).toThrow(TypeError);
  });
});

describe('aborts', () => {
  it('a caller that aborts rejects at once with its reason, as is; the others keep waiting', async () => {
    const c = new Coalescer<string, number>();
    const { fn, runs } = controlled<number>();
    const ac = new AbortController();
    const a = c.run('k', fn, { signal: ac.signal });
    const b = c.run('k', fn);
    const reason = { why: 'user left' };
    ac.abort(reason);
    await expect(a).rejects.toBe(reason);
    expect(runs[0]!.signal.aborted).toBe(false);
    runs[0]!.resolve(9);
    expect(await b).toBe(9);
    expect(c.stats()).toMatchObject({ aborted: 1, cancelled: 0 });
  });

  it("the shared fn's signal aborts only when every caller has aborted", async () => {
    const c = new Coalescer();
    const { fn, runs } = controlled();
    const one = new AbortController();
    const two = new AbortController();
    const a = c.run('k', fn, { signal: one.signal });
    const b = c.run('k', fn, { signal: two.signal });
    one.abort(new Error('one'));
    await expect(a).rejects.toThrow('one');
    expect(runs[0]!.signal.aborted).toBe(false);
    const reason = new Error('two');
    two.abort(reason);
    await expect(b).rejects.toBe(reason);
    expect(runs[0]!.signal.aborted).toBe(true);
    expect(runs[0]!.signal.reason).toBe(reason);
    expect(c.stats()).toMatchObject({ aborted: 2, cancelled: 1, inFlight: 1, size: 0 });
  });

  it('a caller arriving after a cancellation starts a fresh execution; the late result is not shared', async () => {
    const c = new Coalescer<string, number>({ resultTtlMs: Number.POSITIVE_INFINITY });
    const { fn, runs } = controlled<number>();
    const ac = new AbortController();
    const a = c.run('k', fn, { signal: ac.signal });
    ac.abort('gone');
    await expect(a).rejects.toBe('gone');
    const b = c.run('k', fn);
    expect(fn).toHaveBeenCalledTimes(2);
    runs[0]!.resolve(1); // the cancelled flight settles late
    await flush();
    const late = c.run('k', fn); // joins the second flight, not the late result
    expect(fn).toHaveBeenCalledTimes(2);
    runs[1]!.resolve(2);
    expect([await b, await late]).toEqual([2, 2]);
    expect(await c.run('k', fn)).toBe(2); // kept result of the second flight
    expect(c.stats()).toMatchObject({ executions: 2, cached: 1, inFlight: 0 });
  });

  it('a caller whose signal is already aborted rejects before anything runs or is joined', async () => {
    const c = new Coalescer();
    const fn = vi.fn(() => 1);
    const reason = new Error('already');
    await expect(c.run('k', fn, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
    const { fn: slow, runs } = controlled();
    const running = c.run('k', slow);
    await expect(c.run('k', slow, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    runs[0]!.resolve('ok');
    await running;
    expect(c.stats()).toMatchObject({ calls: 3, executions: 1, joined: 0, aborted: 2 });
  });

  it('a caller with a signal still gets the value when it does not abort, and its listener is removed', async () => {
    const c = new Coalescer<string, number>();
    const ac = new AbortController();
    const remove = vi.spyOn(ac.signal, 'removeEventListener');
    expect(await c.run('k', async () => 4, { signal: ac.signal })).toBe(4);
    expect(remove).toHaveBeenCalledTimes(1);
    const failing = c.run('k', async () => Promise.reject(new Error('x')), { signal: ac.signal });
    await expect(failing).rejects.toThrow('x');
    expect(remove).toHaveBeenCalledTimes(2);
  });

  it('a caller without a signal keeps the execution alive when the others abort', async () => {
    const c = new Coalescer();
    const { fn, runs } = controlled();
    const ac = new AbortController();
    const a = c.run('k', fn);
    const b = c.run('k', fn, { signal: ac.signal });
    ac.abort('b');
    await expect(b).rejects.toBe('b');
    expect(runs[0]!.signal.aborted).toBe(false);
    runs[0]!.resolve('v');
    expect(await a).toBe('v');
  });
});

describe('resultTtlMs and cacheErrors', () => {
  it('a value is shared for resultTtlMs after settling, against the clock', async () => {
    const clock = createManualClock();
    const c = new Coalescer<string, number>({ resultTtlMs: 100, clock });
    let n = 0;
    expect(await c.run('k', () => ++n)).toBe(1);
    clock.advance(99);
    expect(await c.run('k', () => ++n)).toBe(1);
    clock.advance(1);
    expect(await c.run('k', () => ++n)).toBe(2);
    expect(c.stats()).toMatchObject({ executions: 2, cached: 1, size: 1 });
  });

  it('an error is not shared after settling by default', async () => {
    const clock = createManualClock();
    const c = new Coalescer({ resultTtlMs: 100, clock });
    await expect(c.run('k', () => Promise.reject(new Error('e')))).rejects.toThrow('e');
    expect(await c.run('k', () => 'ok')).toBe('ok');
  });

  it('cacheErrors: true shares an error for resultTtlMs', async () => {
    const clock = createManualClock();
    const c = new Coalescer({ resultTtlMs: 100, cacheErrors: true, clock });
    const error = new Error('e');
    await expect(c.run('k', () => Promise.reject(error))).rejects.toBe(error);
    await expect(c.run('k', () => 'ok')).rejects.toBe(error);
    clock.advance(100);
    expect(await c.run('k', () => 'ok')).toBe('ok');
  });

  it('expired results of keys never called again are dropped: size counts only live keys', async () => {
    const clock = createManualClock();
    const c = new Coalescer<string, number>({ resultTtlMs: 10, clock });
    for (let i = 0; i < 1_000; i++) await c.run(`k${i}`, () => i);
    expect(c.stats().size).toBe(1_000);
    clock.advance(9);
    expect(c.stats().size).toBe(1_000);
    clock.advance(1_000_000);
    expect(c.stats().size).toBe(0);
    // A run call drops them too, before looking its key up.
    for (let i = 0; i < 10; i++) await c.run(`j${i}`, () => i);
    clock.advance(10);
    expect(await c.run('other', () => 1)).toBe(1);
    expect(c.stats().size).toBe(1);
  });

  it('drops expired results oldest first, skipping ones forgotten or replaced since', async () => {
    const clock = createManualClock();
    const c = new Coalescer<string, number>({ resultTtlMs: 10, clock });
    for (let i = 0; i < 2_000; i++) await c.run(`old${i}`, () => i);
    c.forget('old0');
    clock.advance(5);
    for (let i = 0; i < 100; i++) await c.run(`new${i}`, () => i);
    await c.run('old0', () => -1); // kept again, expiring with the new ones
    expect(c.stats().size).toBe(2_000 + 100);
    clock.advance(5);
    expect(c.stats().size).toBe(101);
    expect(await c.run('old0', () => -2)).toBe(-1);
    expect(await c.run('old1', () => -3)).toBe(-3);
    clock.advance(5);
    expect(c.stats().size).toBe(1);
    clock.advance(5);
    expect(c.stats().size).toBe(0);
    expect(c.stats()).toMatchObject({ executions: 2_102, cached: 1 });
  });
});

describe('forget', () => {
  it('drops a kept result so the next call runs fresh', async () => {
    const c = new Coalescer<string, number>({ resultTtlMs: 1_000 });
    let n = 0;
    await c.run('k', () => ++n);
    expect(c.forget('k')).toBe(true);
    expect(c.forget('k')).toBe(false);
    expect(await c.run('k', () => ++n)).toBe(2);
  });

  it('drops a flight: waiting callers keep it, the next call runs fresh, its result is kept', async () => {
    const c = new Coalescer<string, number>({ resultTtlMs: 1_000 });
    const { fn, runs } = controlled<number>();
    const a = c.run('k', fn);
    expect(c.forget('k')).toBe(true);
    const b = c.run('k', fn);
    expect(fn).toHaveBeenCalledTimes(2);
    runs[0]!.resolve(1);
    runs[1]!.resolve(2);
    expect([await a, await b]).toEqual([1, 2]);
    expect(await c.run('k', fn)).toBe(2);
  });

  it('takes non-string keys', async () => {
    const c = new Coalescer<number[]>({ resultTtlMs: 1_000 });
    await c.run([1], () => 1);
    expect(c.forget([1])).toBe(true);
  });
});

describe('close', () => {
  it('new runs reject with CoalescerClosedError; stats and forget keep working', async () => {
    const c = new Coalescer({ resultTtlMs: 1_000 });
    await c.run('k', () => 1);
    expect(c.closed).toBe(false);
    await c.close();
    expect(c.closed).toBe(true);
    const error = await c.run('k', () => 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CoalescerClosedError);
    expect(isCoalescerClosedError(error)).toBe(true);
    expect(isBreakwaterError(error, 'BREAKWATER_COALESCER_CLOSED')).toBe(true);
    expect((error as Error).name).toBe('CoalescerClosedError');
    expect(c.forget('k')).toBe(false); // kept results were dropped
    expect(c.stats()).toMatchObject({ rejected: 1, size: 0 });
  });

  it('waits for executions in flight, which settle for their callers', async () => {
    const c = new Coalescer();
    const { fn, runs } = controlled();
    const a = c.run('k', fn);
    let closed = false;
    const closing = c.close().then(() => {
      closed = true;
    });
    await flush();
    expect(closed).toBe(false);
    await expect(c.run('k', fn)).rejects.toThrow(CoalescerClosedError);
    runs[0]!.resolve('v');
    expect(await a).toBe('v');
    await closing;
    expect(closed).toBe(true);
    expect(c.stats().size).toBe(0);
  });

  it("the wait is bounded by the callers' signals", async () => {
    const c = new Coalescer();
    const { fn, runs } = controlled();
    const ac = new AbortController();
    const a = c.run('k', fn, { signal: ac.signal });
    const closing = c.close();
    ac.abort('stop');
    await expect(a).rejects.toBe('stop');
    await closing;
    expect(runs[0]!.signal.aborted).toBe(true);
  });

  it('a second close is harmless and settles like the first; asyncDispose closes', async () => {
    const c = new Coalescer();
    const { fn, runs } = controlled();
    const a = c.run('k', fn);
    const first = c.close();
    const second = c[Symbol.asyncDispose]();
    runs[0]!.resolve(1);
    await Promise.all([a, first, second]);
    await c.close();
  });

  it('a result settling during close is not kept', async () => {
    const c = new Coalescer({ resultTtlMs: 1_000 });
    const { fn, runs } = controlled();
    const a = c.run('k', fn);
    const closing = c.close();
    runs[0]!.resolve(1);
    await a;
    await closing;
    expect(c.stats().size).toBe(0);
  });
});
