import { deferred } from '@breakwater/core';
import {
  createManualClock,
  eventually,
  type RedisServerHandle,
  startRedis,
} from '@breakwater/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CoalescerClosedError,
  type CoalescerFallbackEvent,
  CoalescerLockLostError,
  type CoalescerRedisErrorEvent,
  CoalescerRemoteError,
  CoalescerSerializeError,
  CoalescerWaitTimeoutError,
  isCoalescerLockLostError,
  RedisCoalescer,
  type RedisCoalescerOptions,
} from './index.js';
import { hashTagged } from './redis-key.js';

let server: RedisServerHandle;
let redis: Redis;
let prefixes = 0;

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
  await redis.ping();
});
afterAll(() => server.stop());

/**
 * Two coalescers on one server stand for two processes; each test gets its own prefix. A
 * long `redisTimeoutMs`: on a loaded machine a call must not time out into a fallback.
 */
function pair<V = unknown>(options: Partial<RedisCoalescerOptions<V>> = {}) {
  const prefix = `t${++prefixes}:`;
  const make = () =>
    new RedisCoalescer<string, V>({ redis, prefix, redisTimeoutMs: 10_000, ...options });
  return { a: make(), b: make(), prefix };
}

/** A function settled by hand. */
function controlled<V>() {
  const d = deferred<V>();
  const started = deferred<AbortSignal>();
  const fn = vi.fn((signal: AbortSignal) => {
    started.resolve(signal);
    return d.promise;
  });
  return { fn, started: started.promise, resolve: d.resolve, reject: d.reject };
}

describe('across processes', () => {
  it('two processes with one key make one execution; the other reads its outcome', async () => {
    const { a, b } = pair<{ n: number }>();
    const first = controlled<{ n: number }>();
    const pA = a.run('k', first.fn);
    await first.started;
    const other = vi.fn(() => ({ n: -1 }));
    const pB = b.run('k', other);
    const pB2 = b.run('k', other);
    first.resolve({ n: 1 });
    expect(await pA).toEqual({ n: 1 });
    expect(await pB).toEqual({ n: 1 });
    expect(await pB2).toEqual({ n: 1 });
    expect(other).not.toHaveBeenCalled();
    expect(a.stats()).toMatchObject({ executions: 1, locked: 1, remote: 0, inFlight: 0 });
    expect(b.stats()).toMatchObject({ calls: 2, joined: 1, executions: 0, remote: 1 });
    expect(b.stats().redis).toEqual({ errors: 0, timeouts: 0, inFlight: 0 });
    await Promise.all([a.close(), b.close()]);
  });

  it('the lock is released once the outcome is stored; a call within resultTtlMs reads it', async () => {
    const { a, b, prefix } = pair<number>({ resultTtlMs: 60_000 });
    expect(await a.run('k', () => 5)).toBe(5);
    expect(await redis.exists(`${prefix}{k}:lock`)).toBe(0);
    expect(await redis.pttl(`${prefix}{k}:result`)).toBeGreaterThan(0);
    expect(await b.run('k', () => 6)).toBe(5);
  });

  it('an error crosses as CoalescerRemoteError with its name, message and code', async () => {
    const { a, b } = pair({ resultTtlMs: 60_000 });
    const error = Object.assign(new RangeError('bad input'), { code: 'E_BAD' });
    await expect(a.run('k', () => Promise.reject(error))).rejects.toBe(error);
    const remote = await b.run('k', () => 1).catch((e: unknown) => e);
    expect(remote).toBeInstanceOf(CoalescerRemoteError);
    expect(remote).toMatchObject({
      code: 'BREAKWATER_COALESCER_REMOTE_ERROR',
      key: 'k',
      remote: { name: 'RangeError', message: 'bad input', code: 'E_BAD' },
    });
    await expect(a.run('j', () => Promise.reject('text'))).rejects.toBe('text');
    await expect(b.run('j', () => 1)).rejects.toMatchObject({
      remote: { name: 'Error', message: 'text', code: undefined },
    });
  });

  it('undefined crosses processes with the default serializer', async () => {
    const { a, b } = pair({ resultTtlMs: 60_000 });
    expect(await a.run('k', () => undefined)).toBeUndefined();
    expect(await b.run('k', () => 1)).toBeUndefined();
  });

  it('a value that cannot be serialized rejects its callers and the waiting processes', async () => {
    const { a, b } = pair<unknown>({ resultTtlMs: 60_000 });
    const first = controlled<unknown>();
    const pA = a.run('k', first.fn);
    await first.started;
    const pB = b.run('k', () => 1);
    first.resolve(10n);
    const [errA, errB] = await Promise.all([pA.catch((e) => e), pB.catch((e) => e)]);
    expect(errA).toBeInstanceOf(CoalescerSerializeError);
    expect(errA).toMatchObject({ step: 'serialize', code: 'BREAKWATER_COALESCER_SERIALIZE' });
    expect(errB).toBeInstanceOf(CoalescerSerializeError);
    expect((errB as Error).message).toMatch(/could not be serialized/);
    await expect(a.run('f', () => () => 1)).rejects.toThrow(/JSON cannot represent function/);
  });

  it('a serializer returning a non-string, or failing to read, gives CoalescerSerializeError', async () => {
    const serializer = {
      serialize: (v: unknown) => (v === 'odd' ? (1 as unknown as string) : String(v)),
      deserialize: (text: string) => {
        if (text === 'bad') throw new Error('unreadable');
        return text;
      },
    };
    const { a, b } = pair<unknown>({ resultTtlMs: 60_000, serializer });
    await expect(a.run('odd', () => 'odd')).rejects.toThrow(/returned number, not a string/);
    await a.run('k', () => 'bad');
    await expect(b.run('k', () => 1)).rejects.toMatchObject({ step: 'deserialize' });
  });

  it('a record it does not know is reported, not returned', async () => {
    const { a, prefix } = pair();
    await redis.set(`${prefix}{k}:result`, 'x?', 'PX', 60_000);
    await expect(a.run('k', () => 1)).rejects.toThrow(/unknown record/);
    await redis.set(`${prefix}{j}:result`, 'e{not json', 'PX', 60_000);
    await expect(a.run('j', () => 1)).rejects.toMatchObject({
      remote: { name: 'Error', message: '{not json' },
    });
  });

  it('a waiter rejects with CoalescerWaitTimeoutError after waitTimeoutMs, never hangs', async () => {
    const clock = createManualClock();
    const { a, prefix } = pair({
      waitTimeoutMs: 1_000,
      pollIntervalMs: 1,
      resultTtlMs: 2,
      clock,
    });
    await redis.set(`${prefix}{k}:lock`, 'someone', 'PX', 60_000);
    const p = a.run('k', () => 1);
    clock.advance(1_000);
    const error = await p.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CoalescerWaitTimeoutError);
    expect(error).toMatchObject({ key: 'k', waitTimeoutMs: 1_000 });
    expect(a.stats().timeouts).toBe(1);
  });

  it('when the lock vanishes without a result, a waiter takes it and runs fn', async () => {
    const { a, prefix } = pair({ pollIntervalMs: 5, resultTtlMs: 10 });
    await redis.set(`${prefix}{k}:lock`, 'dead-holder', 'PX', 60_000);
    const fn = vi.fn(() => 'mine');
    const p = a.run('k', fn);
    await eventually('the waiter polls', () => a.stats().inFlight === 1);
    expect(fn).not.toHaveBeenCalled();
    await redis.del(`${prefix}{k}:lock`);
    expect(await p).toBe('mine');
    expect(a.stats()).toMatchObject({ locked: 1, executions: 1 });
  });

  it('the holder renews its lock while fn runs', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const { a, prefix } = pair({ lockTtlMs: 60_000 });
      const lock = `${prefix}{k}:lock`;
      await a.run('k', async () => {
        await redis.pexpire(lock, 5_000); // as if most of its lifetime had passed
        vi.advanceTimersByTime(20_000); // one renewal is due
        await eventually('the lock is renewed', async () => (await redis.pttl(lock)) > 30_000);
      });
      expect(await redis.exists(lock)).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a renewal that finds the lock taken away is told once through onError', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const { a, prefix } = pair({ lockTtlMs: 60_000 });
      const lock = `${prefix}{k}:lock`;
      const errors: CoalescerRedisErrorEvent[] = [];
      a.onError((event) => errors.push(event));
      await a.run('k', async () => {
        await redis.set(lock, 'another holder', 'PX', 60_000);
        vi.advanceTimersByTime(20_000);
        await eventually('the loss is told', () => errors.length === 1);
        vi.advanceTimersByTime(60_000); // no more renewals
        await new Promise<void>((resolve) => setImmediate(resolve));
      });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ operation: 'renew', kind: 'error', key: 'k' });
      expect(isCoalescerLockLostError(errors[0]?.error)).toBe(true);
      expect(errors[0]?.error).toBeInstanceOf(CoalescerLockLostError);
      expect(await redis.get(lock)).toBe('another holder');
      await a.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('when every caller of the holder aborts, the lock is freed and nothing is stored', async () => {
    const { a, b, prefix } = pair({ pollIntervalMs: 5, resultTtlMs: 60_000 });
    const first = controlled<string>();
    const ac = new AbortController();
    const pA = a.run('k', first.fn, { signal: ac.signal });
    const signal = await first.started;
    const pB = b.run('k', () => 'from b');
    await eventually('b waits', () => b.stats().inFlight === 1);
    ac.abort('gone');
    await expect(pA).rejects.toBe('gone');
    expect(signal.aborted).toBe(true);
    first.resolve('late');
    expect(await pB).toBe('from b');
    expect(await redis.get(`${prefix}{k}:result`)).toBe('v"from b"');
  });

  it('a waiting caller may abort alone', async () => {
    const { a, prefix } = pair();
    await redis.set(`${prefix}{k}:lock`, 'someone', 'PX', 60_000);
    const ac = new AbortController();
    const p = a.run('k', () => 1, { signal: ac.signal });
    ac.abort('stop');
    await expect(p).rejects.toBe('stop');
    await a.close();
  });
});

describe('keys', () => {
  it('a key that would break the hash tag is written encoded, still in one slot', async () => {
    expect(hashTagged('p:', 'user:1')).toEqual({
      lock: 'p:{user:1}:lock',
      result: 'p:{user:1}:result',
    });
    expect(hashTagged('p:', '').lock).toBe('p:{=}:lock');
    expect(hashTagged('p:', '}x{').lock).toBe(
      `p:{=${Buffer.from('}x{').toString('base64url')}}:lock`,
    );
    expect(hashTagged('p:', '=a').lock).not.toBe(hashTagged('p:', 'a').lock);
    const { a, b } = pair({ resultTtlMs: 60_000 });
    for (const key of ['', '{x}', '=y']) {
      expect(await a.run(key, () => key)).toBe(key);
      expect(await b.run(key, () => 'other')).toBe(key);
    }
  });

  it('non-string keys go through stableKey; invalid ones reject with a TypeError', async () => {
    const prefix = `t${++prefixes}:`;
    const a = new RedisCoalescer<object>({
      redis,
      prefix,
      resultTtlMs: 60_000,
      redisTimeoutMs: 10_000,
    });
    expect(await a.run({ b: 1, a: 2 }, () => 1)).toBe(1);
    expect(await redis.exists(`${prefix}{{"a":2,"b":1}}:result`)).toBe(0);
    expect(await redis.exists(hashTagged(prefix, '{"a":2,"b":1}').result)).toBe(1);
    await expect(a.run(new Date(), () => 1)).rejects.toThrow(TypeError);
    await expect(a.run({}, 1 as unknown as () => number)).rejects.toThrow(/`fn`/);
  });
});

describe('outages', () => {
  it('a client that is not ready: fn runs here, onFallback tells, redis.errors counts', async () => {
    const client = new Redis({ port: server.port, lazyConnect: true });
    const a = new RedisCoalescer({ redis: client });
    const fallbacks: CoalescerFallbackEvent[] = [];
    const errors: CoalescerRedisErrorEvent[] = [];
    a.onFallback((event) => fallbacks.push(event));
    const off = a.onError((event) => errors.push(event));
    expect(await a.run('k', () => 'local')).toBe('local');
    expect(fallbacks).toMatchObject([{ key: 'k', operation: 'acquire', kind: 'unavailable' }]);
    expect(errors).toHaveLength(1);
    off();
    expect(a.stats()).toMatchObject({ executions: 1, fallbacks: 1, redis: { errors: 1 } });
    await a.close();
    expect(client.status).toBe('wait');
  });

  it('a throwing listener does not disturb the call', async () => {
    const client = new Redis({ port: server.port, lazyConnect: true });
    const a = new RedisCoalescer({ redis: client });
    const thrown = new Error('listener');
    const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation(() => {});
    a.onFallback(() => {
      throw thrown;
    });
    try {
      expect(await a.run('k', () => 'still')).toBe('still');
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('Redis stopped mid-run: the waiter runs fn here, the holder still answers, nothing hangs', async () => {
    const own = await startRedis();
    const clientA = own.client({ retryStrategy: () => 50, maxRetriesPerRequest: 0 });
    const clientB = own.client({ retryStrategy: () => 50, maxRetriesPerRequest: 0 });
    clientA.on('error', () => {});
    clientB.on('error', () => {});
    await Promise.all([clientA.ping(), clientB.ping()]);
    const a = new RedisCoalescer({
      redis: clientA,
      pollIntervalMs: 5,
      resultTtlMs: 10,
      redisTimeoutMs: 2_000,
    });
    const b = new RedisCoalescer({
      redis: clientB,
      pollIntervalMs: 5,
      resultTtlMs: 10,
      redisTimeoutMs: 2_000,
    });
    const fallbacks: CoalescerFallbackEvent[] = [];
    b.onFallback((event) => fallbacks.push(event));
    const errorsA: CoalescerRedisErrorEvent[] = [];
    a.onError((event) => errorsA.push(event));
    const first = controlled<string>();
    const pA = a.run('k', first.fn);
    await first.started;
    const pB = b.run('k', () => 'b ran it');
    await eventually('b waits', () => b.stats().inFlight === 1);
    await own.kill();
    expect(await pB).toBe('b ran it');
    expect(fallbacks.length).toBe(1);
    first.resolve('a ran it');
    expect(await pA).toBe('a ran it');
    expect(errorsA.some((e) => e.operation === 'store')).toBe(true);
    await Promise.all([a.close(), b.close()]);
    await own.stop();
  });
});

/**
 * A client of its own whose connection is held by a blocking BLPOP: every call sent on it
 * waits until `open()` pushes to the list, so a test can act while a call is out.
 */
async function gatedClient() {
  const client = server.client();
  await client.ping();
  const list = `gate:${++prefixes}`;
  const blocked = client.blpop(list, 0);
  return {
    client,
    open: async () => {
      await redis.lpush(list, 'go');
      await blocked;
    },
  };
}

describe('aborts while a Redis call is out', () => {
  it('every caller aborts during the acquire that grants the lock: fn never runs, the lock is given back', async () => {
    const gate = await gatedClient();
    const prefix = `t${++prefixes}:`;
    const a = new RedisCoalescer<string, number>({
      redis: gate.client,
      prefix,
      redisTimeoutMs: 10_000,
    });
    const fn = vi.fn(() => 1);
    const ac = new AbortController();
    const p = a.run('k', fn, { signal: ac.signal });
    ac.abort('gone');
    await expect(p).rejects.toBe('gone');
    await gate.open();
    await a.close();
    expect(fn).not.toHaveBeenCalled();
    expect(await redis.exists(`${prefix}{k}:lock`)).toBe(0);
    expect(a.stats()).toMatchObject({ executions: 0, locked: 0, aborted: 1 });
    gate.client.disconnect();
  });

  it('every caller aborts during an acquire that fails: no fallback runs, none is told', async () => {
    const gate = await gatedClient();
    const a = new RedisCoalescer<string, number>({
      redis: gate.client,
      prefix: `t${++prefixes}:`,
      redisTimeoutMs: 20,
    });
    const fallbacks: CoalescerFallbackEvent[] = [];
    const errors: CoalescerRedisErrorEvent[] = [];
    a.onFallback((event) => fallbacks.push(event));
    a.onError((event) => errors.push(event));
    const fn = vi.fn(() => 1);
    const ac = new AbortController();
    const p = a.run('k', fn, { signal: ac.signal });
    ac.abort('gone');
    await expect(p).rejects.toBe('gone');
    await a.close();
    await eventually('the acquire timed out', () => errors.length === 1);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(errors[0]).toMatchObject({ operation: 'acquire', kind: 'timeout', key: 'k' });
    expect(fallbacks).toEqual([]);
    expect(fn).not.toHaveBeenCalled();
    expect(a.stats()).toMatchObject({ executions: 0, fallbacks: 0 });
    await gate.open();
    gate.client.disconnect();
  });

  it('a waiter whose callers all abort during a later poll takes no lock and runs nothing', async () => {
    const gate = await gatedClient();
    const prefix = `t${++prefixes}:`;
    const lock = `${prefix}{k}:lock`;
    await redis.set(lock, 'someone', 'PX', 60_000);
    const a = new RedisCoalescer<string, number>({
      redis: gate.client,
      prefix,
      redisTimeoutMs: 10_000,
      pollIntervalMs: 200,
    });
    const fn = vi.fn(() => 1);
    const ac = new AbortController();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const p = a.run('k', fn, { signal: ac.signal });
      await gate.open();
      // setTimeout is faked: wait on setImmediate instead.
      const until = async (check: () => boolean) => {
        while (!check()) await new Promise<void>((resolve) => setImmediate(resolve));
      };
      await until(() => a.stats().redis.inFlight === 0); // the lock was held: it sleeps
      const list = `gate:${++prefixes}`;
      const blocked = gate.client.blpop(list, 0);
      vi.advanceTimersByTime(200);
      await until(() => a.stats().redis.inFlight === 1); // the next acquire is out
      ac.abort('gone');
      await expect(p).rejects.toBe('gone');
      await redis.del(lock); // the acquire, once through, gets the lock
      await redis.lpush(list, 'go');
      await blocked;
      await a.close();
      expect(fn).not.toHaveBeenCalled();
      expect(await redis.exists(lock)).toBe(0);
      gate.client.disconnect();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('close', () => {
  it('waits for an execution whose callers all aborted, until its lock is released', async () => {
    const { a, prefix } = pair();
    const first = controlled<number>();
    const ac = new AbortController();
    const p = a.run('k', first.fn, { signal: ac.signal });
    const signal = await first.started;
    ac.abort('gone');
    await expect(p).rejects.toBe('gone');
    expect(signal.aborted).toBe(true);
    let closed = false;
    const closing = a.close().then(() => {
      closed = true;
    });
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    expect(await redis.exists(`${prefix}{k}:lock`)).toBe(1);
    first.resolve(1); // a fn that ignores its signal
    await closing;
    expect(await redis.exists(`${prefix}{k}:lock`)).toBe(0);
    expect(a.stats().redis.inFlight).toBe(0);
  });

  it('rejects new runs with CoalescerClosedError, waits for runs in flight, keeps the client', async () => {
    const { a } = pair();
    const first = controlled<number>();
    const p = a.run('k', first.fn);
    await first.started;
    const closing = a[Symbol.asyncDispose]();
    expect(a.closed).toBe(true);
    await expect(a.run('k', () => 1)).rejects.toThrow(CoalescerClosedError);
    first.resolve(3);
    expect(await p).toBe(3);
    await closing;
    await a.close();
    expect(redis.status).toBe('ready');
    expect(a.stats()).toMatchObject({ rejected: 1, calls: 1 });
  });
});
