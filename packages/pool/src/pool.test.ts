import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  isInvalidResourceError,
  isNotBorrowedError,
  isPoolClosedError,
  isPoolCloseTimeoutError,
  isPoolFullError,
  isPoolTimeoutError,
  isValidateTimeoutError,
  type PoolCloseTimeoutError,
  PoolFullError,
  type PoolTimeoutError,
} from './errors.js';
import { type DestroyEvent, Pool } from './pool.js';

interface Resource {
  id: number;
  ok: boolean;
}

function factory() {
  let next = 0;
  const destroyed: number[] = [];
  return {
    destroyed,
    create: vi.fn(async (): Promise<Resource> => ({ id: ++next, ok: true })),
    destroy: vi.fn(async (r: Resource) => {
      destroyed.push(r.id);
    }),
  };
}

const caught = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Pool: borrowing', () => {
  it('creates on demand, lends, and reuses what was released', async () => {
    const f = factory();
    const pool = new Pool<Resource>({ create: f.create, destroy: f.destroy });
    const a = await pool.acquire();
    expect(a.id).toBe(1);
    await pool.release(a);
    const again = await pool.acquire();
    expect(again).toBe(a);
    expect(f.create).toHaveBeenCalledTimes(1);
    expect(pool.stats()).toMatchObject({ size: 1, idle: 0, borrowed: 1, created: 1 });
    await pool.release(again);
    await pool.close();
    expect(f.destroyed).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reuses idle resources lifo by default and fifo on request', async () => {
    for (const [reuse, expected] of [
      ['lifo', 2],
      ['fifo', 1],
    ] as const) {
      const f = factory();
      const pool = new Pool<Resource>({ create: f.create, reuse });
      const [a, b] = await Promise.all([pool.acquire(), pool.acquire()]);
      await pool.release(a!);
      await pool.release(b!);
      const reused = await pool.acquire();
      expect(reused.id).toBe(expected);
      await pool.release(reused);
      await pool.close();
    }
  });

  it('makes callers wait for a released resource when max are lent', async () => {
    const f = factory();
    const pool = new Pool<Resource>({ create: f.create, max: 1 });
    const first = await pool.acquire();
    const waiting = pool.acquire();
    await vi.advanceTimersByTimeAsync(0);
    expect(pool.stats().waiting).toBe(1);
    await pool.release(first);
    expect(await waiting).toBe(first);
    expect(f.create).toHaveBeenCalledTimes(1);
    await pool.release(first);
    await pool.close();
  });

  it('serves higher priorities first, then arrival order', async () => {
    const f = factory();
    const pool = new Pool<Resource>({ create: f.create, max: 1 });
    const held = await pool.acquire();
    const order: string[] = [];
    const noted = (name: string) => (r: Resource) => {
      order.push(name);
      return r;
    };
    const low = pool.acquire({ priority: 0 }).then(noted('low'));
    const high = pool.acquire({ priority: 5 }).then(noted('high'));
    const low2 = pool.acquire().then(noted('low2'));
    await pool.release(held);
    await pool.release(await high);
    await pool.release(await low);
    await pool.release(await low2);
    expect(order).toEqual(['high', 'low', 'low2']);
    await pool.close();
  });

  it('keeps the order of a long queue served while callers keep arriving, priorities included', async () => {
    const f = factory();
    const pool = new Pool<Resource>({ create: f.create, max: 1, maxWaiting: 10_000 });
    let held = await pool.acquire();
    const order: number[] = [];
    const served: Resource[] = [];
    const arrive = (n: number, priority = 0) => {
      void pool.acquire({ priority }).then((r) => {
        order.push(n);
        served.push(r);
      });
    };
    const handOn = async () => {
      await pool.release(held);
      for (let i = 0; i < 5 && served.length === 0; i++) await Promise.resolve();
      held = served.shift()!;
    };
    for (let n = 0; n < 3000; n++) arrive(n);
    const aborted = new AbortController();
    const leaving = caught(pool.acquire({ signal: aborted.signal }));
    // Serve most of the queue, so that its served front is reclaimed, with some arriving.
    for (let n = 0; n < 2500; n++) {
      await handOn();
      if (n === 2000) {
        arrive(3000, 1);
        arrive(3001);
        aborted.abort(new Error('gone'));
      }
    }
    expect(await leaving).toEqual(new Error('gone'));
    expect(pool.stats().waiting).toBe(502);
    while (pool.stats().waiting > 0) await handOn();
    const expected = Array.from({ length: 3002 }, (_, n) => n).filter((n) => n !== 3000);
    expected.splice(2001, 0, 3000);
    expect(order).toEqual(expected);
    await pool.release(held);
    await pool.close();
  });

  it('rejects with PoolFullError beyond maxWaiting, with the numbers', async () => {
    const f = factory();
    const pool = new Pool<Resource>({ create: f.create, max: 1, maxWaiting: 1 });
    const held = await pool.acquire();
    const waiting = pool.acquire();
    const error = await caught(pool.acquire());
    expect(error).toBeInstanceOf(PoolFullError);
    expect(isPoolFullError(error)).toBe(true);
    expect((error as Error).message).toBe('Pool exhausted: 1/1 in use, 1/1 waiting');
    await pool.release(held);
    await pool.release(await waiting);
    await pool.close();
  });

  it('times out a waiter with PoolTimeoutError and counts it', async () => {
    const f = factory();
    const pool = new Pool<Resource>({ create: f.create, max: 1 });
    const held = await pool.acquire();
    const waiting = caught(pool.acquire({ timeoutMs: 100 }));
    await vi.advanceTimersByTimeAsync(100);
    const error = (await waiting) as PoolTimeoutError;
    expect(isPoolTimeoutError(error)).toBe(true);
    expect(error.message).toBe(
      'Timed out after 100 ms waiting for a resource (1/1 in use, 0 waiting)',
    );
    expect(error.cause).toBeUndefined();
    expect(pool.stats().timeouts).toBe(1);
    await pool.release(held);
    await pool.close();
  });

  it('an aborted waiter leaves the queue with the signal reason', async () => {
    const f = factory();
    const pool = new Pool<Resource>({ create: f.create, max: 1 });
    const held = await pool.acquire();
    const controller = new AbortController();
    const waiting = caught(pool.acquire({ signal: controller.signal }));
    controller.abort('caller left');
    expect(await waiting).toBe('caller left');
    expect(pool.stats().waiting).toBe(0);
    expect(await caught(pool.acquire({ signal: AbortSignal.abort('already') }))).toBe('already');
    await pool.release(held);
    await pool.close();
  });

  it('refuses double release, foreign resources and acquire after close', async () => {
    const f = factory();
    const pool = new Pool<Resource>({ create: f.create });
    const r = await pool.acquire();
    await pool.release(r);
    expect(isNotBorrowedError(await caught(pool.release(r)))).toBe(true);
    expect(((await caught(pool.destroy({ id: 99, ok: true }))) as Error).message).toBe(
      'Cannot destroy a resource this pool has not lent out (released twice, or from another pool)',
    );
    expect(pool.closed).toBe(false);
    const closing = pool.close();
    expect(pool.closed).toBe(true);
    await closing;
    expect(isPoolClosedError(await caught(pool.acquire()))).toBe(true);
  });
});

describe('Pool: use and leases', () => {
  it('use returns the resource on success and on an ordinary error', async () => {
    const f = factory();
    const pool = new Pool<Resource>({ create: f.create, destroy: f.destroy });
    expect(await pool.use((r) => r.id * 10)).toBe(10);
    const error = await caught(
      pool.use(() => {
        throw new Error('app bug');
      }),
    );
    expect((error as Error).message).toBe('app bug');
    expect(pool.stats()).toMatchObject({ idle: 1, destroyed: 0 });
    await pool.close();
  });

  it('use destroys the resource when the callback marks it broken', async () => {
    const f = factory();
    const pool = new Pool<Resource>({ create: f.create, destroy: f.destroy });
    await caught(
      pool.use((_r, { markBroken }) => {
        markBroken();
        throw new Error('socket reset');
      }),
    );
    expect(f.destroyed).toEqual([1]);
    expect(pool.stats()).toMatchObject({ size: 0, destroyed: 1 });
    await pool.close();
  });

  it('a lease returns itself with await using, once', async () => {
    const f = factory();
    const pool = new Pool<Resource>({ create: f.create, destroy: f.destroy });
    {
      await using lease = await pool.lease();
      expect(lease.resource.id).toBe(1);
      expect(pool.stats().borrowed).toBe(1);
    }
    expect(pool.stats()).toMatchObject({ borrowed: 0, idle: 1 });
    const lease = await pool.lease();
    await lease.destroy();
    await lease.release();
    await lease[Symbol.asyncDispose]();
    expect(pool.stats()).toMatchObject({ destroyed: 1, borrowed: 0 });
    await pool.close();
  });
});

describe('Pool: failures', () => {
  it('backs off between failed creates and gives waiters the last create error as cause', async () => {
    let attempts = 0;
    const pool = new Pool<Resource>({
      create: async () => {
        attempts++;
        throw new Error(`connect ECONNREFUSED #${attempts}`);
      },
      createBackoff: { type: 'exponential', initialDelayMs: 100, maxDelayMs: 400, jitter: 0.5 },
      random: () => 1,
    });
    const errors: number[] = [];
    pool.onCreateError((e) => errors.push(e.retryInMs));
    const waiter = caught(pool.acquire({ timeoutMs: 1000 }));
    await vi.advanceTimersByTimeAsync(1000);
    const error = (await waiter) as PoolTimeoutError;
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).message).toBe(`connect ECONNREFUSED #${attempts}`);
    expect(error.message).toContain(`creating a resource failed ${attempts} time(s) in a row`);
    // 0, 100, 300, 700 → 4 attempts in the first second; never a busy loop.
    expect(attempts).toBe(4);
    expect(errors).toEqual([100, 200, 400, 400]);
    expect(pool.stats().createErrors).toBe(4);
    await pool.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('aborts a create that outlives createTimeoutMs and destroys what it delivers later', async () => {
    let deliver: (r: Resource) => void = () => {};
    let signal: AbortSignal | undefined;
    const destroyed: DestroyEvent<Resource>[] = [];
    const pool = new Pool<Resource>({
      create: (s) => {
        signal = s;
        return new Promise<Resource>((resolve) => {
          deliver = resolve;
        });
      },
      destroy: () => {},
      createTimeoutMs: 50,
    });
    pool.onDestroy((e) => destroyed.push(e));
    const waiter = caught(pool.acquire({ timeoutMs: 60 }));
    await vi.advanceTimersByTimeAsync(50);
    expect(signal!.aborted).toBe(true);
    expect((signal!.reason as Error).name).toBe('CreateTimeoutError');
    deliver({ id: 7, ok: true });
    await vi.advanceTimersByTimeAsync(10);
    expect(destroyed).toEqual([{ resource: { id: 7, ok: true }, reason: 'late' }]);
    const error = (await waiter) as PoolTimeoutError;
    expect((error.cause as Error).name).toBe('CreateTimeoutError');
    await pool.close();
  });

  it('refuses a create result that is missing or already in the pool, never lending it twice', async () => {
    const shared: Resource = { id: 1, ok: true };
    const results: (Resource | undefined | null)[] = [shared, undefined, shared, null, shared];
    let made = 0;
    const destroyed: unknown[] = [];
    const pool = new Pool<Resource>({
      create: async () => (made < results.length ? results[made++]! : { id: ++made, ok: true }),
      destroy: (r) => {
        destroyed.push(r);
      },
      createBackoff: { type: 'exponential', initialDelayMs: 10, maxDelayMs: 10, jitter: 0.5 },
      random: () => 1,
    });
    const refused: unknown[] = [];
    pool.onCreateError((e) => refused.push(e.error));
    const first = await pool.acquire();
    const second = caught(pool.acquire({ timeoutMs: 5 }));
    await vi.advanceTimersByTimeAsync(5);
    // The waiter saw only refusals: it times out with the reason as cause.
    const timeout = (await second) as PoolTimeoutError;
    expect(isPoolTimeoutError(timeout)).toBe(true);
    expect(isInvalidResourceError(timeout.cause)).toBe(true);
    const later = pool.acquire({ timeoutMs: 1_000 });
    await vi.advanceTimersByTimeAsync(100); // past the backoff after each refusal
    const third = await later;
    expect(first).toBe(shared);
    expect(third).not.toBe(shared);
    expect(refused.map((e) => isInvalidResourceError(e) && e.problem)).toEqual([
      'missing',
      'duplicate',
      'missing',
      'duplicate',
    ]);
    expect((refused[0] as Error).message).toBe(
      'create() returned `undefined`; it must return a resource (a missing `return`?)',
    );
    expect((refused[1] as Error).message).toContain('a resource the pool already holds');
    expect(pool.stats()).toMatchObject({ created: 2, destroyed: 0, size: 2, createErrors: 4 });
    await pool.release(first);
    await pool.release(third);
    await pool.close();
    expect(destroyed).toEqual(expect.arrayContaining([shared, third]));
    expect(destroyed).toHaveLength(2);
    expect(pool.stats().created).toBe(pool.stats().destroyed);
  });

  it('accepts distinct primitives as resources', async () => {
    let next = 0;
    const pool = new Pool<number>({ create: () => next++ });
    const [a, b] = await Promise.all([pool.acquire(), pool.acquire()]);
    expect([a, b]).toEqual([0, 1]);
    expect(pool.stats().createErrors).toBe(0);
    await pool.release(a!);
    await pool.release(b!);
    await pool.close();
  });

  it('validates on borrow, destroys invalid resources and creates a replacement', async () => {
    const f = factory();
    const pool = new Pool<Resource>({
      create: f.create,
      destroy: f.destroy,
      validate: (r) => r.ok,
    });
    const r = await pool.acquire();
    await pool.release(r);
    r.ok = false;
    const next = await pool.acquire();
    expect(next.id).toBe(2);
    expect(f.destroyed).toEqual([1]);
    await pool.release(next);
    await pool.close();
  });

  it('keeps a resource whose validate returns anything but false (a ping answering PONG or nothing)', async () => {
    for (const answer of ['PONG', undefined, null, 0, '', { ok: 1 }]) {
      const f = factory();
      const pool = new Pool<Resource>({
        create: f.create,
        destroy: f.destroy,
        validate: async () => answer,
        validateOnReturn: true,
        keepaliveMs: 1_000,
      });
      const r = await pool.acquire();
      await pool.release(r); // validated on return
      await vi.advanceTimersByTimeAsync(2_000); // and by the keepalive
      const again = await pool.acquire(); // and on borrow
      expect({ answer, id: again.id, destroyed: f.destroyed }).toEqual({
        answer,
        id: 1,
        destroyed: [],
      });
      expect(f.create).toHaveBeenCalledTimes(1);
      await pool.release(again);
      await pool.close();
    }
  });

  it('destroys a resource whose validate resolves to false', async () => {
    const f = factory();
    const pool = new Pool<Resource>({
      create: f.create,
      destroy: f.destroy,
      validate: async () => false,
    });
    const r = await pool.acquire();
    await pool.release(r);
    const next = await pool.acquire();
    expect(next.id).toBe(2);
    expect(f.destroyed).toEqual([1]);
    await pool.release(next);
    await pool.close();
  });

  it('aborts a validate past createTimeoutMs with ValidateTimeoutError and destroys the resource', async () => {
    const f = factory();
    let signal: AbortSignal | undefined;
    const pool = new Pool<Resource>({
      create: f.create,
      destroy: f.destroy,
      validate: (_, s) => {
        signal = s;
        return new Promise<boolean>(() => {});
      },
      createTimeoutMs: 50,
    });
    const r = await pool.acquire();
    await pool.release(r);
    const next = pool.acquire();
    await vi.advanceTimersByTimeAsync(50);
    expect(isValidateTimeoutError(signal!.reason)).toBe(true);
    expect((signal!.reason as Error).message).toBe(
      'validate() did not settle within 50 ms (createTimeoutMs)',
    );
    expect((await next).id).toBe(2);
    expect(f.destroyed).toEqual([1]);
    await pool.close({ timeoutMs: 0 }).catch(() => {});
  });

  it('validates on return when asked, and treats a throwing validate as invalid', async () => {
    const f = factory();
    const pool = new Pool<Resource>({
      create: f.create,
      destroy: f.destroy,
      validateOnReturn: true,
      validate: (r) => {
        if (!r.ok) throw new Error('ping failed');
        return true;
      },
    });
    const r = await pool.acquire();
    r.ok = false;
    await pool.release(r);
    expect(pool.stats()).toMatchObject({ idle: 0, destroyed: 1 });
    await pool.close();
  });

  it('reports destroy errors without failing the caller', async () => {
    const pool = new Pool<Resource>({
      create: async () => ({ id: 1, ok: true }),
      destroy: () => {
        throw new Error('already closed');
      },
    });
    const errors: unknown[] = [];
    pool.onDestroyError((e) => errors.push((e.error as Error).message));
    const r = await pool.acquire();
    await pool.destroy(r);
    expect(errors).toEqual(['already closed']);
    await pool.close();
  });
});

describe('Pool: lifetime management', () => {
  it('evicts idle resources after idleTimeoutMs (on by default), keeping min', async () => {
    const f = factory();
    const pool = new Pool<Resource>({
      create: f.create,
      destroy: f.destroy,
      min: 1,
      idleTimeoutMs: 5_000,
    });
    await vi.advanceTimersByTimeAsync(0);
    const [a, b, c] = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
    for (const r of [a, b, c]) await pool.release(r!);
    expect(pool.stats().idle).toBe(3);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(pool.stats()).toMatchObject({ idle: 1, destroyed: 2 });
    await pool.close();
  });

  it('warms up to min at start and refills after evictions', async () => {
    const f = factory();
    const pool = new Pool<Resource>({
      create: f.create,
      destroy: f.destroy,
      min: 2,
      maxLifetimeMs: 10_000,
      lifetimeJitter: 0,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(pool.stats()).toMatchObject({ idle: 2, created: 2 });
    await vi.advanceTimersByTimeAsync(11_000);
    expect(pool.stats()).toMatchObject({ idle: 2, created: 4, destroyed: 2 });
    await pool.close();
  });

  it('retires a lent resource past its lifetime when it is returned', async () => {
    const f = factory();
    const pool = new Pool<Resource>({
      create: f.create,
      destroy: f.destroy,
      maxLifetimeMs: 1_000,
      lifetimeJitter: 0,
    });
    const r = await pool.acquire();
    await vi.advanceTimersByTimeAsync(2_000);
    await pool.release(r);
    expect(f.destroyed).toEqual([1]);
    await pool.close();
  });

  it('spreads lifetimes with jitter', async () => {
    const f = factory();
    const randoms = [0, 0.5, 0.99];
    const pool = new Pool<Resource>({
      create: f.create,
      destroy: f.destroy,
      maxLifetimeMs: 10_000,
      lifetimeJitter: 0.5,
      random: () => randoms.shift() ?? 0,
      idleTimeoutMs: 0,
    });
    const held = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
    for (const r of held) await pool.release(r);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(f.destroyed).toEqual([3]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(f.destroyed.sort()).toEqual([2, 3]);
    await pool.close();
  });

  it('keepalive validates idle resources in the background', async () => {
    const f = factory();
    const validate = vi.fn((r: Resource) => r.ok);
    const pool = new Pool<Resource>({
      create: f.create,
      destroy: f.destroy,
      validate,
      keepaliveMs: 2_000,
      idleTimeoutMs: 0,
    });
    const r = await pool.acquire();
    await pool.release(r);
    r.ok = false;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(f.destroyed).toEqual([1]);
    expect(pool.stats().idle).toBe(0);
    await pool.close();
  });

  it('reports a resource held longer than leakDetectionMs with the acquire stack', async () => {
    const f = factory();
    const pool = new Pool<Resource>({ create: f.create, leakDetectionMs: 1_000 });
    const leaks: Array<{ heldMs: number; stack: string | undefined }> = [];
    pool.onLeak((e) => leaks.push(e));
    const r = await pool.acquire();
    const quick = await pool.acquire();
    await pool.release(quick);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(leaks).toHaveLength(1);
    expect(leaks[0]!.heldMs).toBeGreaterThanOrEqual(1_000);
    expect(leaks[0]!.stack).toContain('Resource acquired here');
    expect(pool.stats().leaks).toBe(1);
    await pool.release(r);
    await pool.close();
  });
});

describe('Pool: close', () => {
  it('rejects waiters, destroys idle ones, waits for lent ones and keeps no timer', async () => {
    const f = factory();
    const pool = new Pool<Resource>({ create: f.create, destroy: f.destroy, max: 2 });
    const [a, b] = await Promise.all([pool.acquire(), pool.acquire()]);
    const waiter = caught(pool.acquire());
    await vi.advanceTimersByTimeAsync(0);
    const closing = pool.close({ timeoutMs: 10_000 });
    expect(isPoolClosedError(await waiter)).toBe(true);
    let closed = false;
    void closing.then(() => {
      closed = true;
    });
    await pool.release(a!);
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toBe(false);
    await pool.release(b!);
    await closing;
    expect(f.destroyed.sort()).toEqual([1, 2]);
    expect(pool.stats()).toMatchObject({ size: 0, idle: 0, borrowed: 0, waiting: 0 });
    expect(vi.getTimerCount()).toBe(0);
    await pool[Symbol.asyncDispose]();
  });

  it('rejects with PoolCloseTimeoutError naming the resources still lent at its timeout; they are destroyed when returned', async () => {
    const f = factory();
    const pool = new Pool<Resource>({ create: f.create, destroy: f.destroy, max: 3 });
    const [a, b, c] = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
    await pool.release(c!);
    const closing = caught(pool.close({ timeoutMs: 100 }));
    await vi.advanceTimersByTimeAsync(100);
    const error = (await closing) as PoolCloseTimeoutError;
    expect(isPoolCloseTimeoutError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'BREAKWATER_POOL_CLOSE_TIMEOUT',
      timeoutMs: 100,
      borrowed: 2,
    });
    expect(error.message).toBe(
      'close() gave up after 100 ms with 2 resource(s) still lent; each is destroyed when it is released',
    );
    await pool.release(a!);
    await pool.release(b!);
    expect(f.destroyed.sort()).toEqual([1, 2, 3]);
    expect(vi.getTimerCount()).toBe(0);
    // Once nothing is lent, closing again resolves.
    await pool.close({ timeoutMs: 100 });
  });

  it('close({ timeoutMs: 0 }) does not wait, and rejects at once if resources are lent', async () => {
    const f = factory();
    const pool = new Pool<Resource>({ create: f.create, destroy: f.destroy });
    const r = await pool.acquire();
    const error = await caught(pool.close({ timeoutMs: 0 }));
    expect(error).toMatchObject({ timeoutMs: 0, borrowed: 1 });
    await pool.release(r);
    await pool.close({ timeoutMs: 0 });
    expect(f.destroyed).toEqual([1]);
  });

  it('aborts creates in flight', async () => {
    let signal: AbortSignal | undefined;
    const pool = new Pool<Resource>({
      create: (s) => {
        signal = s;
        return new Promise<Resource>(() => {});
      },
    });
    const waiter = caught(pool.acquire());
    await vi.advanceTimersByTimeAsync(0);
    await pool.close();
    expect(signal!.aborted).toBe(true);
    expect(isPoolClosedError(await waiter)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('Pool: events', () => {
  it('a throwing listener disturbs neither the pool, its caller nor the other listeners; its error is rethrown later', async () => {
    const rethrown: Array<() => void> = [];
    const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => {
      rethrown.push(task);
    });
    try {
      const f = factory();
      const pool = new Pool<Resource>({ create: f.create, destroy: f.destroy });
      const seen: string[] = [];
      for (const name of ['first', 'second']) {
        pool.onCreate(() => {
          seen.push(name);
          throw new Error(`${name} listener failed`);
        });
      }
      pool.onCreate(() => seen.push('third'));
      const resource = await pool.acquire();
      expect(seen).toEqual(['first', 'second', 'third']);
      expect(pool.stats()).toMatchObject({ borrowed: 1, created: 1, createErrors: 0 });
      await pool.release(resource);
      // Each error is thrown again on a fresh stack, as an uncaught exception would be.
      expect(rethrown).toHaveLength(2);
      expect(() => rethrown[0]!()).toThrow('first listener failed');
      expect(() => rethrown[1]!()).toThrow('second listener failed');
      await pool.close();
      expect(f.destroyed).toEqual([1]);
    } finally {
      spy.mockRestore();
    }
  });
});
