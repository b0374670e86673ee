import { MAX_TIMER_MS, wallClock } from '@breakwater/core';
import { eventually, startRedis } from '@breakwater/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { type LimitRule, RateLimitedError, RateLimiter, type RateLimitResult } from '../index.js';
import { hammer } from './hammer.fixture.js';
import { type RedisAlgorithm as Algorithm, type OutageEvent, RedisRateLimiter } from './index.js';
import { buildConsumeScript } from './script.js';

let server: Awaited<ReturnType<typeof startRedis>>;
let client: Redis;
let n = 0;
const fresh = (): string => `key-${++n}`;

beforeAll(async () => {
  server = await startRedis();
  client = server.client({ retryStrategy: () => 20 });
  client.on('error', () => {}); // the outage test kills the server
  await client.ping();
});
afterAll(() => server.stop());

function sameDecision(remote: RateLimitResult, local: RateLimitResult): void {
  expect({ allowed: remote.allowed, limit: remote.limit, remaining: remote.remaining }).toEqual({
    allowed: local.allowed,
    limit: local.limit,
    remaining: local.remaining,
  });
  // Two clocks (Redis TIME and this process) read a few ms apart.
  expect(Math.abs(remote.retryAfterMs - local.retryAfterMs)).toBeLessThan(1_000);
  expect(Math.abs(remote.resetAfterMs - local.resetAfterMs)).toBeLessThan(1_000);
}

describe('decisions', () => {
  const cases: Array<[Algorithm, LimitRule[]]> = [
    [
      'gcra',
      [
        { limit: 5, windowMs: 3_600_000 },
        { limit: 8, windowMs: 7_200_000, burst: 4 },
      ],
    ],
    [
      'fixed-window',
      [
        { limit: 5, windowMs: 1e12 },
        { limit: 7, windowMs: 2e12 },
      ],
    ],
    [
      'token-bucket',
      [
        { limit: 5, windowMs: 3_600_000 },
        { limit: 8, windowMs: 7_200_000, burst: 4 },
      ],
    ],
    [
      'sliding-window',
      [
        { limit: 5, windowMs: 1e12 },
        { limit: 7, windowMs: 2e12 },
      ],
    ],
  ];
  it.each(cases)('match the in-process limiter (%s)', async (algorithm, limits) => {
    const remote = new RedisRateLimiter({ redis: client, limits, algorithm, blockCache: false });
    const local = new RateLimiter({ limits, algorithm, clock: wallClock });
    const key = fresh();
    for (const cost of [1, 2, 1, 3, 1, 1, 2, 1, 4, 1, 1]) {
      const r = await remote.consume(key, cost);
      const l = local.consume(key, cost);
      sameDecision(r, l);
    }
    expect(remote.stats()).toMatchObject({
      decisions: 11,
      outageDecisions: 0,
      redis: { errors: 0, timeouts: 0, inFlight: 0 },
    });
  });

  it('shares state between instances and keeps it in one hash with a TTL', async () => {
    const options = { redis: client, limits: { limit: 2, windowMs: 60_000 }, prefix: 'p:' };
    const a = new RedisRateLimiter(options);
    const b = new RedisRateLimiter(options);
    const key = fresh();
    expect((await a.consume(key)).allowed).toBe(true);
    expect((await b.consume(key)).allowed).toBe(true);
    expect((await a.consume(key)).allowed).toBe(false);
    expect(await client.keys(`p:{${key}}*`)).toEqual([`p:{${key}}`]);
    const ttl = await client.pttl(`p:{${key}}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('limit() throws RateLimitedError, reset() forgets the key', async () => {
    const limiter = new RedisRateLimiter({ redis: client, limits: { limit: 1, windowMs: 60_000 } });
    const key = fresh();
    expect((await limiter.limit(key)).remaining).toBe(0);
    const error = await limiter.limit(key).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(0);
    expect(await limiter.reset(key)).toBe(true);
    expect((await limiter.consume(key)).allowed).toBe(true);
    expect(limiter.maxCost).toBe(1);
  });

  it('the block cache denies known-limited keys without asking Redis', async () => {
    const limiter = new RedisRateLimiter({
      redis: client,
      limits: { limit: 3, windowMs: 3_600_000 },
    });
    const key = fresh();
    await limiter.consume(key, 3);
    const denied = await limiter.consume(key, 2);
    expect(denied.allowed).toBe(false);
    await client.del(`bw:limit:{${key}}`); // Redis would now allow it, the cache does not
    const cached = await limiter.consume(key, 2);
    expect(cached).toMatchObject({ allowed: false, limit: 3, remaining: 0 });
    expect(cached.retryAfterMs).toBeGreaterThan(0);
    expect(limiter.stats().blockCacheHits).toBe(1);
    // A smaller cost than the one denied is still asked of Redis.
    expect((await limiter.consume(key, 1)).allowed).toBe(true);
    for (let i = 0; i < 5; i++) await limiter.consume(fresh()); // sweeps go by
    expect(limiter.stats().blockCacheHits).toBe(1);
  });

  it('block cache entries expire', async () => {
    const limiter = new RedisRateLimiter({ redis: client, limits: { limit: 1, windowMs: 30 } });
    const key = fresh();
    await limiter.consume(key);
    expect((await limiter.consume(key)).allowed).toBe(false);
    // The window runs on Redis's own clock (TIME), which no fake timer moves: 30 ms pass for real.
    await eventually('the block expires', async () => (await limiter.consume(key)).allowed);
  });
});

describe('concurrency', () => {
  it.each<Algorithm>(['gcra', 'token-bucket', 'sliding-window', 'fixed-window'])(
    '4 processes hammering one key admit exactly the limit (%s)',
    async (algorithm) => {
      const limit = 37;
      const limiter = new RedisRateLimiter({
        redis: client,
        algorithm,
        limits: { limit, windowMs: 3_600_000 },
      });
      const key = fresh();
      const source = buildConsumeScript(algorithm, [
        { limit, windowMs: 3_600_000, burst: limit },
      ]).source;
      expect(await hammer({ url: server.url }, source, `bw:limit:{${key}}`)).toBe(limit);
      expect((await limiter.consume(key)).allowed).toBe(false);
    },
  );
});

describe('large limits on the server clock (epoch ms)', () => {
  const serverMs = async (): Promise<number> => {
    const [seconds, micros] = await client.time();
    return Number(seconds) * 1000 + Number(micros) / 1000;
  };
  it.each<[Algorithm, number, number]>([
    ['gcra', 1_000_000, 60_000],
    ['gcra', 10_000_000, 3_600_000],
    ['token-bucket', 1_000_000, 60_000],
    ['token-bucket', 10_000_000, 3_600_000],
    ['sliding-window', 1_000_000, 60_000],
    ['sliding-window', 10_000_000, 3_600_000],
    ['fixed-window', 1_000_000, 60_000],
    ['fixed-window', 10_000_000, 3_600_000],
  ])(
    '%s, %d per %d ms: a burst admits no more than the limit plus the steady rate',
    async (algorithm, limit, windowMs) => {
      const limiter = new RedisRateLimiter({
        redis: client,
        algorithm,
        limits: { limit, windowMs },
      });
      const key = fresh();
      const cost = limit / 1_000;
      const before = await serverMs();
      const results = await Promise.all(
        Array.from({ length: 1_100 }, () => limiter.consume(key, cost)),
      );
      const after = await serverMs();
      expect(limiter.stats().outageDecisions).toBe(0);
      const admitted = results.filter((r) => r.allowed).length * cost;
      // GCRA and token bucket: the burst, plus what the steady rate refilled meanwhile; the
      // windows: the limit per aligned window (twice it if the burst crossed a boundary).
      const bound =
        algorithm === 'gcra' || algorithm === 'token-bucket'
          ? limit + Math.floor(((after - before) * limit) / windowMs)
          : Math.floor(before / windowMs) === Math.floor(after / windowMs)
            ? limit
            : 2 * limit;
      expect(admitted).toBeGreaterThanOrEqual(limit);
      expect(admitted).toBeLessThanOrEqual(bound);
    },
  );
});

describe('acquire', () => {
  it('waits for the next allowance, then takes it', async () => {
    // The window runs on Redis's clock: wide enough that the second decision still falls in
    // it on a loaded machine, and Redis calls may take long before the outage policy decides.
    const limiter = new RedisRateLimiter({
      redis: client,
      limits: { limit: 1, windowMs: 500 },
      redisTimeoutMs: 5_000,
    });
    const key = fresh();
    expect(await limiter.acquire(key)).toMatchObject({ allowed: true });
    // Denied now (and remembered by the block cache), allowed after the wait.
    expect((await limiter.consume(key)).allowed).toBe(false);
    expect(await limiter.acquire(key, { maxWaitMs: 5_000 })).toMatchObject({ allowed: true });
  });

  it('refuses at once what would take longer than maxWaitMs', async () => {
    const limiter = new RedisRateLimiter({
      redis: client,
      limits: { limit: 1, windowMs: 3_600_000 },
    });
    const key = fresh();
    await limiter.acquire(key);
    const error = await limiter.acquire(key, { maxWaitMs: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(1_000);
  });

  it('stops waiting when aborted, before or during the wait', async () => {
    const limiter = new RedisRateLimiter({
      redis: client,
      limits: { limit: 1, windowMs: 3_600_000 },
    });
    const key = fresh();
    await limiter.acquire(key);
    const reason = new Error('gave up');
    await expect(limiter.acquire(key, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const controller = new AbortController();
    const waiting = limiter.acquire(key, { signal: controller.signal });
    await eventually('the second decision', () => limiter.stats().decisions >= 2);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });

  it('a wait longer than a timer can hold does not turn into polling', async () => {
    const limiter = new RedisRateLimiter({
      redis: client,
      limits: { limit: 1, windowMs: 100 * 86_400_000 },
    });
    const key = fresh();
    await limiter.acquire(key);
    // Fake timers emulate Node's overflow: a delay beyond MAX_TIMER_MS fires after 1 ms.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const controller = new AbortController();
      const waiting = limiter.acquire(key, { signal: controller.signal });
      // Waits (on I/O, not on time) until `count` decisions were made and answered.
      const decided = async (count: number) => {
        do await new Promise((resolve) => setImmediate(resolve));
        while (limiter.stats().decisions < count || limiter.stats().redis.inFlight > 0);
      };
      await decided(2);
      // A delay that overflowed would fire now, after 1 ms.
      await vi.advanceTimersByTimeAsync(1);
      await decided(2);
      expect(limiter.stats().decisions).toBe(2);
      await vi.advanceTimersByTimeAsync(MAX_TIMER_MS - 2);
      await decided(2);
      expect(limiter.stats().decisions).toBe(2);
      // The longest timer elapses: one more decision, denied again, and another long sleep.
      await vi.advanceTimersByTimeAsync(1);
      await decided(3);
      await vi.advanceTimersByTimeAsync(1_000);
      await decided(3);
      expect(limiter.stats().decisions).toBe(3);
      controller.abort(new Error('done'));
      await expect(waiting).rejects.toThrow('done');
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses bad options', async () => {
    const limiter = new RedisRateLimiter({ redis: client, limits: { limit: 2, windowMs: 1_000 } });
    await expect(limiter.acquire('k', { cost: 0 })).rejects.toThrow(/cost/);
    await expect(limiter.acquire('k', { cost: 3 })).rejects.toThrow(/could never be allowed/);
    await expect(limiter.acquire('k', { maxWaitMs: -1 })).rejects.toThrow(/maxWaitMs/);
    await expect(limiter.acquire('k', { signal: 'x' as unknown as AbortSignal })).rejects.toThrow(
      TypeError,
    );
    await expect(limiter.acquire('')).rejects.toThrow(RangeError);
  });
});

describe('batching', () => {
  it('decides requests of one turn in one script call, in call order', async () => {
    const limiter = new RedisRateLimiter({ redis: client, limits: { limit: 3, windowMs: 60_000 } });
    const key = fresh();
    const results = await Promise.all(Array.from({ length: 5 }, () => limiter.consume(key)));
    expect(results.map((r) => [r.allowed, r.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
      [false, 0],
    ]);
    expect(limiter.stats()).toMatchObject({ decisions: 5, scriptCalls: 1 });
  });

  it('mixes keys and costs in one call on a single node', async () => {
    const limiter = new RedisRateLimiter({
      redis: client,
      limits: { limit: 4, windowMs: 60_000 },
      blockCache: false,
    });
    const [a, b] = [fresh(), fresh()];
    const results = await Promise.all([
      limiter.consume(a, 3),
      limiter.consume(b, 4),
      limiter.consume(a, 2),
      limiter.consume(b),
      limiter.consume(a),
    ]);
    expect(results.map((r) => r.allowed)).toEqual([true, true, false, false, true]);
    expect(limiter.stats().scriptCalls).toBe(1);
    expect(await client.exists(`bw:limit:{${a}}`, `bw:limit:{${b}}`)).toBe(2);
  });

  it('splits at maxBatch; maxBatch 1 sends one call per request', async () => {
    const key = fresh();
    const three = new RedisRateLimiter({
      redis: client,
      limits: { limit: 100, windowMs: 60_000 },
      maxBatch: 3,
    });
    const results = await Promise.all(Array.from({ length: 7 }, () => three.consume(key)));
    expect(results.map((r) => r.remaining)).toEqual([99, 98, 97, 96, 95, 94, 93]);
    expect(three.stats().scriptCalls).toBe(3);
    const one = new RedisRateLimiter({
      redis: client,
      limits: { limit: 100, windowMs: 60_000 },
      maxBatch: 1,
    });
    await Promise.all(Array.from({ length: 4 }, () => one.consume(key)));
    expect(one.stats().scriptCalls).toBe(4);
  });

  it('writes the script calls of one turn together, in order, also when reloading the script', async () => {
    const key = fresh();
    const one = new RedisRateLimiter({
      redis: client,
      limits: { limit: 100, windowMs: 60_000 },
      maxBatch: 1,
    });
    const cork = vi.spyOn(client.stream, 'cork');
    onTestFinished(() => cork.mockRestore());
    const first = await Promise.all(Array.from({ length: 5 }, () => one.consume(key)));
    expect(first.map((r) => r.remaining)).toEqual([99, 98, 97, 96, 95]);
    expect(cork).toHaveBeenCalledTimes(1);
    // EVALSHA → NOSCRIPT for each, then EVAL each, still in call order.
    await client.script('FLUSH');
    const second = await Promise.all(Array.from({ length: 4 }, () => one.consume(key)));
    expect(second.map((r) => r.remaining)).toEqual([94, 93, 92, 91]);
    expect(cork).toHaveBeenCalledTimes(2);
    // A single call is written as it is.
    expect(await one.consume(key)).toMatchObject({ remaining: 90 });
    expect(cork).toHaveBeenCalledTimes(2);
    expect(one.stats()).toMatchObject({ scriptCalls: 10, redis: { errors: 0 } });
  });

  it('a reset goes to Redis after the requests made before it', async () => {
    const limiter = new RedisRateLimiter({ redis: client, limits: { limit: 1, windowMs: 60_000 } });
    const key = fresh();
    const before = limiter.consume(key);
    const reset = limiter.reset(key);
    expect(await before).toMatchObject({ allowed: true });
    expect(await reset).toBe(true);
    expect(await limiter.consume(key)).toMatchObject({ allowed: true });
    const pending = limiter.consume(key);
    await limiter.close();
    expect(await pending).toMatchObject({ allowed: false });
  });

  it('a reset is not undone by the block cache entry of a denial made before it', async () => {
    const limiter = new RedisRateLimiter({ redis: client, limits: { limit: 1, windowMs: 60_000 } });
    const key = fresh();
    await limiter.consume(key);
    const denied = limiter.consume(key);
    const reset = limiter.reset(key);
    expect(await denied).toMatchObject({ allowed: false });
    expect(await reset).toBe(true);
    expect(await limiter.consume(key)).toMatchObject({ allowed: true });
    expect(limiter.stats().blockCacheHits).toBe(0);
  });

  it('a reset during an outage forgets the local decisions of requests made before it', async () => {
    const redis = { status: 'reconnecting', evalsha: () => {}, eval: () => {} } as unknown as Redis;
    const limiter = new RedisRateLimiter({ redis, limits: { limit: 1, windowMs: 60_000 } });
    expect(await limiter.consume('k')).toMatchObject({ allowed: true });
    const before = limiter.consume('k');
    const reset = limiter.reset('k');
    expect(await before).toMatchObject({ allowed: false });
    expect(await reset).toBe(false);
    expect(await limiter.consume('k')).toMatchObject({ allowed: true });
  });

  it('a reset stays after the requests made before it when the script must be reloaded', async () => {
    const limiter = new RedisRateLimiter({ redis: client, limits: { limit: 2, windowMs: 60_000 } });
    const key = fresh();
    expect(await limiter.consume(key)).toMatchObject({ remaining: 1 });
    await client.script('FLUSH');
    // EVALSHA → NOSCRIPT → EVAL: the earlier request must still run before the reset.
    const before = limiter.consume(key);
    const reset = limiter.reset(key);
    expect(await before).toMatchObject({ allowed: true, remaining: 0 });
    expect(await reset).toBe(true);
    expect(await limiter.consume(key)).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('an outage answers every request of the batch by the policy, in order', async () => {
    const never = new Promise<never>(() => {});
    const redis = { status: 'ready', evalsha: () => never, eval: () => never } as unknown as Redis;
    const limiter = new RedisRateLimiter({
      redis,
      limits: { limit: 2, windowMs: 60_000 },
      redisTimeoutMs: 5,
    });
    const results = await Promise.all(Array.from({ length: 3 }, () => limiter.consume('k')));
    expect(results.map((r) => r.allowed)).toEqual([true, true, false]);
    expect(limiter.stats()).toMatchObject({
      scriptCalls: 1,
      outageDecisions: 3,
      redis: { errors: 1, timeouts: 1, inFlight: 1 },
    });
    // A call skipped because the client is not ready was never sent: not a script call.
    const down = new RedisRateLimiter({
      redis: { status: 'connecting', evalsha: () => never, eval: () => never } as unknown as Redis,
      limits: { limit: 2, windowMs: 60_000 },
    });
    await down.consume('k');
    expect(down.stats()).toMatchObject({
      scriptCalls: 0,
      outageDecisions: 1,
      redis: { errors: 1, timeouts: 0, inFlight: 0 },
    });
  });
});

describe('outages', () => {
  it('follows each policy while Redis is down, then reloads the script', async () => {
    const limits = { limit: 3, windowMs: 3_600_000 };
    const make = (outage: 'fail-open' | 'fail-closed' | 'local') =>
      new RedisRateLimiter({ redis: client, limits, outage });
    const open = make('fail-open');
    const closed = make('fail-closed');
    const local = make('local');
    const events: OutageEvent[] = [];
    const off = local.onOutage((event) => events.push(event));
    const key = fresh();
    for (const limiter of [open, closed, local]) {
      expect((await limiter.consume(`${key}:warm`)).allowed).toBe(true);
    }
    expect(await client.script('EXISTS', local.script.sha)).toEqual([1]);

    // A real server goes down and comes back: the waits below are on it, in real time.
    await server.kill();
    await eventually('the client sees the server down', () => client.status !== 'ready');

    const decide = async (limiter: RedisRateLimiter) => {
      const results: boolean[] = [];
      for (let i = 0; i < 5; i++) results.push((await limiter.consume(key)).allowed);
      return results;
    };
    expect(await decide(open)).toEqual([true, true, true, true, true]);
    expect(await decide(closed)).toEqual([false, false, false, false, false]);
    expect(await decide(local)).toEqual([true, true, true, false, false]);
    for (const limiter of [open, closed, local]) {
      expect(limiter.mode).toBe('outage');
      expect(limiter.stats().outageDecisions).toBe(5);
      expect(limiter.stats().redis.errors).toBeGreaterThanOrEqual(5);
    }
    expect(await local.reset(key)).toBe(false);
    expect(events[0]).toMatchObject({ mode: 'outage' });
    expect(events[0]?.reason).toMatch(/unavailable|closed/i);

    await server.restart();
    await eventually('the client is back', () => client.status === 'ready');
    // The restarted server lost the script: EVALSHA → NOSCRIPT → EVAL, transparently.
    expect(await client.script('EXISTS', local.script.sha)).toEqual([0]);
    // Back to 'redis' once calls succeed with none failed for redisTimeoutMs.
    await eventually('the limiter is back on Redis', async () => {
      await local.consume(fresh());
      return local.mode === 'redis';
    });
    expect(await local.consume(key)).toMatchObject({ allowed: true, remaining: 2 });
    expect(await client.script('EXISTS', local.script.sha)).toEqual([1]);
    expect(events.at(-1)).toEqual({ mode: 'redis', reason: 'recovered' });
    off();
  });

  it('a frozen Redis costs each call its timeout, then the policy; no call waits longer', async () => {
    const frozen = await startRedis();
    const redis = frozen.client();
    try {
      await redis.ping();
      const limiter = new RedisRateLimiter({
        redis,
        limits: { limit: 2, windowMs: 3_600_000 },
        redisTimeoutMs: 30,
      });
      const key = fresh();
      // Fake timers hold the guard's deadline: no call times out before the test says so.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const during: boolean[] = [];
      try {
        expect((await limiter.consume(key)).allowed).toBe(true);
        process.kill(frozen.pid!, 'SIGSTOP');
        // The connection stays up ('ready'): the calls are sent and time out one by one,
        // each exactly after redisTimeoutMs.
        for (let i = 0; i < 4; i++) {
          let settled = false;
          const decision = limiter.consume(key).then((result) => {
            settled = true;
            return result.allowed;
          });
          await new Promise((resolve) => setImmediate(resolve));
          await vi.advanceTimersByTimeAsync(29);
          expect(settled).toBe(false);
          await vi.advanceTimersByTimeAsync(1);
          during.push(await decision);
        }
      } finally {
        vi.useRealTimers();
      }
      // The local fallback has seen none of Redis's decisions: 2 more, then denied.
      expect(during).toEqual([true, true, false, false]);
      expect(limiter.stats()).toMatchObject({ outageDecisions: 4, redis: { timeouts: 4 } });
      expect(limiter.mode).toBe('outage');
      process.kill(frozen.pid!, 'SIGCONT');
      await eventually('the limiter is back on Redis', async () => {
        await limiter.consume(fresh());
        return limiter.mode === 'redis';
      });
      // Calls that timed out still ran once Redis woke up; nothing else was lost.
      expect((await limiter.consume(key)).allowed).toBe(false);
    } finally {
      if (frozen.pid !== undefined) process.kill(frozen.pid, 'SIGCONT');
      await frozen.stop();
    }
  });

  it('reports a partial outage once, not once per call, and recovers after a quiet redisTimeoutMs', async () => {
    // Every other call fails, as with one dead node of a Cluster.
    let calls = 0;
    let failing = true;
    const reply = [1, 1, 0, 0, 0];
    const evalsha = () =>
      failing && ++calls % 2 === 0
        ? Promise.reject(new Error('CLUSTERDOWN'))
        : Promise.resolve(reply);
    const redis = { status: 'ready', evalsha, eval: evalsha } as unknown as Redis;
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const limiter = new RedisRateLimiter({
      redis,
      limits: { limit: 100, windowMs: 60_000 },
      redisTimeoutMs: 20,
    });
    const events: OutageEvent[] = [];
    limiter.onOutage((event) => events.push(event));
    for (let i = 0; i < 10; i++) await limiter.consume('k');
    expect(events).toEqual([{ mode: 'outage', reason: 'CLUSTERDOWN' }]);
    expect(limiter.mode).toBe('outage');
    // Failures stop; the first success after a quiet redisTimeoutMs reports the recovery.
    failing = false;
    await limiter.consume('k');
    vi.advanceTimersByTime(19);
    await limiter.consume('k');
    expect(limiter.mode).toBe('outage');
    vi.advanceTimersByTime(1);
    await limiter.consume('k');
    expect(limiter.mode).toBe('redis');
    expect(events).toEqual([
      { mode: 'outage', reason: 'CLUSTERDOWN' },
      { mode: 'redis', reason: 'recovered' },
    ]);
  });

  it('recovers from SCRIPT FLUSH', async () => {
    const limiter = new RedisRateLimiter({ redis: client, limits: { limit: 2, windowMs: 60_000 } });
    const key = fresh();
    await limiter.consume(key);
    await client.script('FLUSH');
    expect(await limiter.consume(key)).toMatchObject({ allowed: true, remaining: 0 });
    expect(limiter.stats().redis.errors).toBe(0);
  });

  it('treats timeouts, errors and bad replies as outages', async () => {
    const never = new Promise<never>(() => {});
    const fake = (evalsha: () => Promise<unknown>, status = 'ready') =>
      ({ status, evalsha, eval: evalsha, del: evalsha }) as unknown as Redis;
    const slow = new RedisRateLimiter({
      redis: fake(() => never),
      limits: { limit: 1, windowMs: 1_000 },
      redisTimeoutMs: 5,
      outage: 'fail-closed',
    });
    const events: OutageEvent[] = [];
    slow.onOutage((e) => events.push(e));
    expect(await slow.consume('k')).toMatchObject({ allowed: false, retryAfterMs: 1_000 });
    expect(slow.stats().redis.timeouts).toBe(1);
    expect(events).toEqual([{ mode: 'outage', reason: 'timeout' }]);

    const failing = new RedisRateLimiter({
      redis: fake(() => Promise.reject(new Error('WRONGTYPE boom'))),
      limits: [
        { limit: 4, windowMs: 1_000 },
        { limit: 2, windowMs: 10 },
      ],
      outage: 'fail-open',
    });
    failing.onOutage((e) => events.push(e));
    expect(await failing.consume('k')).toEqual({
      allowed: true,
      limit: 2,
      remaining: 1,
      retryAfterMs: 0,
      resetAfterMs: 0,
    });
    expect(events.at(-1)).toEqual({ mode: 'outage', reason: 'WRONGTYPE boom' });
    expect(await failing.consume('k')).toMatchObject({ allowed: true });

    const odd = new RedisRateLimiter({
      redis: fake(() => Promise.resolve(['x'])),
      limits: { limit: 1, windowMs: 1_000 },
    });
    expect(await odd.consume('k')).toMatchObject({ allowed: true });
    expect(odd.stats().redis.errors).toBe(1);
    const nan = new RedisRateLimiter({
      redis: fake(() => Promise.resolve([1, 1, 'x', '0', '0'])),
      limits: { limit: 1, windowMs: 1_000 },
    });
    expect((await nan.consume('k')).allowed).toBe(true);
    expect(nan.mode).toBe('outage');

    const rejectsOther = new RedisRateLimiter({
      redis: fake(() => Promise.reject('not an error')),
      limits: { limit: 1, windowMs: 1_000 },
    });
    rejectsOther.onOutage((e) => events.push(e));
    await rejectsOther.consume('k');
    expect(events.at(-1)).toEqual({ mode: 'outage', reason: 'not an error' });
    await rejectsOther.close();
  });

  it('skips Redis while maxInFlight calls are unsettled', async () => {
    const evalsha = vi.fn(() => new Promise<never>(() => {}));
    const redis = { status: 'ready', evalsha, eval: evalsha } as unknown as Redis;
    const limiter = new RedisRateLimiter({
      redis,
      limits: { limit: 1, windowMs: 1_000 },
      outage: 'fail-open',
      redisTimeoutMs: 5,
      maxInFlight: 1,
    });
    const reasons: string[] = [];
    limiter.onOutage((event) => reasons.push(event.reason));
    expect(await limiter.consume('a')).toMatchObject({ allowed: true });
    expect(await limiter.consume('b')).toMatchObject({ allowed: true });
    expect(evalsha).toHaveBeenCalledTimes(1);
    expect(reasons).toEqual(['timeout']);
    expect(limiter.stats()).toMatchObject({
      outageDecisions: 2,
      redis: { errors: 2, timeouts: 1 },
    });
  });

  it('does not EVAL after NOSCRIPT once the client dropped', async () => {
    let status = 'ready';
    let evals = 0;
    const redis = {
      get status() {
        return status;
      },
      evalsha: () => {
        status = 'reconnecting';
        return Promise.reject(new Error('NOSCRIPT No matching script'));
      },
      eval: () => {
        evals++;
        return Promise.resolve([1, 1, 0, '0', '0']);
      },
      del: () => Promise.resolve(1),
    } as unknown as Redis;
    const limiter = new RedisRateLimiter({ redis, limits: { limit: 1, windowMs: 1_000 } });
    await limiter.consume('k');
    expect(evals).toBe(0);
    expect(limiter.stats().redis.errors).toBe(1);
  });
});
