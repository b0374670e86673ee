import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type DestroyEvent, Pool } from './pool.js';

interface Resource {
  id: number;
}

/** A clock moved by hand that counts its readings. */
function manualClock(start = 0) {
  const clock = {
    time: start,
    reads: 0,
    now(): number {
      clock.reads++;
      return clock.time;
    },
  };
  return clock;
}

function counter() {
  let next = 0;
  return async (): Promise<Resource> => ({ id: ++next });
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Pool: returning without reading the clock', () => {
  it('reads no clock on an uncontended acquire and release (lifetime and idle eviction on)', async () => {
    const clock = manualClock();
    const pool = new Pool<Resource>({ create: counter(), clock });
    const first = await pool.acquire();
    await pool.release(first);
    const before = clock.reads;
    for (let i = 0; i < 5; i++) {
      const r = await pool.acquire();
      expect(r).toBe(first);
      await pool.release(r);
    }
    expect(clock.reads).toBe(before);
    await pool.close();
  });

  it('hands a returned resource to a waiter without reading the clock', async () => {
    const clock = manualClock();
    const pool = new Pool<Resource>({ create: counter(), max: 1, clock });
    const held = await pool.acquire();
    const next = pool.acquire();
    const before = clock.reads;
    await pool.release(held);
    expect(clock.reads).toBe(before);
    expect(await next).toBe(held);
    await pool.release(held);
    await pool.close();
  });

  it('reads the clock on return when it validates, and stamps the resource then', async () => {
    const clock = manualClock();
    const validate = vi.fn(() => true);
    const pool = new Pool<Resource>({
      create: counter(),
      validate,
      validateOnReturn: true,
      clock,
    });
    const r = await pool.acquire();
    const before = clock.reads;
    await pool.release(r);
    expect(clock.reads).toBeGreaterThan(before);
    expect(validate).toHaveBeenCalled();
    await pool.close();
  });

  it('never evicts an idle resource before idleTimeoutMs has passed since its return', async () => {
    const destroyed: DestroyEvent<Resource>[] = [];
    const pool = new Pool<Resource>({
      create: counter(),
      idleTimeoutMs: 5_000,
      housekeepingIntervalMs: 1_000,
    });
    pool.onDestroy((event) => destroyed.push(event));
    const r = await pool.acquire();
    await vi.advanceTimersByTimeAsync(1_500);
    await pool.release(r); // between two housekeepings
    await vi.advanceTimersByTimeAsync(4_999);
    expect(destroyed).toEqual([]);
    expect(pool.stats().idle).toBe(1);
    // Stamped by the housekeeping after its return: evicted at most one interval late.
    await vi.advanceTimersByTimeAsync(2_001);
    expect(destroyed).toEqual([{ resource: r, reason: 'idle' }]);
    await pool.close();
  });

  it('evicts down to min the resources idle longest, stamped or not', async () => {
    const destroyed: number[] = [];
    const pool = new Pool<Resource>({
      create: counter(),
      min: 1,
      idleTimeoutMs: 3_000,
      housekeepingIntervalMs: 1_000,
    });
    pool.onDestroy(({ resource }) => destroyed.push(resource.id));
    await vi.advanceTimersByTimeAsync(0);
    const [a, b] = await Promise.all([pool.acquire(), pool.acquire()]);
    await pool.release(a!);
    await vi.advanceTimersByTimeAsync(2_000);
    await pool.release(b!);
    await vi.advanceTimersByTimeAsync(3_000);
    // `a` has been idle 5 s, `b` 3 s at most: `a` goes first, `b` stays as the one of min.
    expect(destroyed).toEqual([a!.id]);
    expect(pool.stats().idle).toBe(1);
    const again = await pool.acquire();
    expect(again).toBe(b);
    await pool.release(again);
    await pool.close();
  });

  it('retires a returned resource by the last clock reading, or at the next housekeeping', async () => {
    const clock = manualClock();
    const reasons: string[] = [];
    const pool = new Pool<Resource>({
      create: counter(),
      maxLifetimeMs: 1_000,
      lifetimeJitter: 0,
      housekeepingIntervalMs: 60_000,
      clock,
    });
    pool.onDestroy(({ reason }) => reasons.push(reason));
    const r = await pool.acquire();
    clock.time = 2_000; // past its lifetime, and nothing has read the clock since
    await pool.release(r);
    expect(reasons).toEqual([]);
    pool.housekeep();
    expect(reasons).toEqual(['lifetime']);
    expect(pool.stats()).toMatchObject({ idle: 0, destroyed: 1 });

    const s = await pool.acquire();
    clock.time = 4_000;
    pool.housekeep(); // a reading past its lifetime: retired when it comes back
    await pool.release(s);
    expect(reasons).toEqual(['lifetime', 'lifetime']);
    expect(pool.stats()).toMatchObject({ idle: 0, borrowed: 0, destroyed: 2 });
    await pool.close();
  });

  it('retires a returned resource past its lifetime at once when it validates', async () => {
    const clock = manualClock();
    const reasons: string[] = [];
    const pool = new Pool<Resource>({
      create: counter(),
      validate: () => true,
      maxLifetimeMs: 1_000,
      lifetimeJitter: 0,
      housekeepingIntervalMs: 60_000,
      clock,
    });
    pool.onDestroy(({ reason }) => reasons.push(reason));
    const r = await pool.acquire();
    clock.time = 2_000;
    await pool.release(r);
    expect(reasons).toEqual(['lifetime']);
    await pool.close();
  });
});
