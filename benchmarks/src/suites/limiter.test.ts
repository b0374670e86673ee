import { describe, expect, it, vi } from 'vitest';
import { runSuite } from '../runner/run-suite.js';
import { expectedAllowed, keyList, verifyBatch } from './limiter/cases.js';
import { hasRedisServer, redisKeyList, rlflxAutoPipeliningName } from './limiter/redis.js';
import { caseNames, createLimiterSuite, defaultLimiterSuiteConfig, suite } from './limiter.js';

/** CI has redis-server; elsewhere the Redis cases are skipped. */
const redis = hasRedisServer();
const quickSettings = { warmupRounds: 0, rounds: 1, roundMs: 1, memoryBuilds: 1 };

describe('limiter helpers', () => {
  it('models a fixed window on one key and checks batches against it', () => {
    expect(expectedAllowed(100, 0, 30)).toBe(30);
    expect(expectedAllowed(100, 90, 30)).toBe(10);
    expect(expectedAllowed(100, 100, 30)).toBe(0);
    expect(verifyBatch('x', 3, 3)).toBe(3);
    expect(() => verifyBatch('x', 2, 3)).toThrow('x: a batch allowed 2 decisions, expected 3');
    const keys = keyList(3);
    expect(keys()).toEqual(['key:0', 'key:1', 'key:2']);
    expect(keys()).toBe(keys());
    expect(redisKeyList(2)).toEqual(['user:0', 'user:1']);
  });
});

/** Every Redis case, in run order: each kind and algorithm batched, then at maxBatch 1. */
const redisCases = [caseNames.redis, caseNames.redisKeys, caseNames.redisMulti].flatMap((name) =>
  (['fixed-window', 'gcra'] as const).flatMap((algorithm) => [name(algorithm), name(algorithm, 1)]),
);

describe('limiter suite', () => {
  it('runs every case at tiny sizes with equal counts, weighs keys, then the targets', async () => {
    const result = await runSuite(
      createLimiterSuite({ batch: 20, keys: 50, acquireBatch: 4, redis, redisKeys: 100 }),
      {
        settings: quickSettings,
        mode: 'quick',
        command: 'test',
        gc: vi.fn(),
      },
    );
    expect(result.cases.map((c) => c.name)).toEqual([
      caseNames.hotAllowed('fixed-window'),
      caseNames.hotAllowed('gcra'),
      caseNames.hotDenied('fixed-window'),
      caseNames.hotDenied('gcra'),
      '50 new keys · ours fixed-window',
      '50 new keys · ours gcra',
      caseNames.acquire(4, 'in-turn'),
      caseNames.acquire(4, 'at-once'),
      ...(redis ? redisCases : []),
    ]);
    for (const c of result.cases) {
      for (const impl of [c.ours, ...c.peers]) expect(impl.medianOpsPerSec).toBeGreaterThan(0);
    }
    expect(result.cases.map((c) => c.checked)).toEqual([
      true,
      true,
      true,
      false,
      true,
      true,
      true,
      true,
      ...(redis ? redisCases.map(() => true) : []),
    ]);
    for (const c of result.cases.filter((r) => r.name.startsWith('Redis'))) {
      expect([c.ours.name, ...c.peers.map((p) => p.name)]).toEqual([
        c.name.endsWith('maxBatch 1')
          ? `RedisRateLimiter (${c.name.includes('gcra') ? 'gcra' : 'fixed-window'}, maxBatch 1)`
          : `RedisRateLimiter (${c.name.includes('gcra') ? 'gcra' : 'fixed-window'})`,
        'rate-limiter-flexible',
        rlflxAutoPipeliningName,
      ]);
    }
    const [targets, floors, latency] = result.tables!;
    expect(floors!.rows.map((row) => row[0])).toEqual(result.cases.slice(0, 6).map((c) => c.name));
    expect(result.cases.map((c) => c.floor?.name ?? null)).toEqual(
      result.cases.map((_, index) => (index < 6 ? 'Map + clock (floor)' : null)),
    );
    expect(targets!.rows.map((row) => [row[0], row[5]])).toEqual([
      [caseNames.hotAllowed('fixed-window'), '≥ 5×'],
      [caseNames.hotDenied('fixed-window'), '≥ 5×'],
      ['50 new keys · ours fixed-window', '≥ 10×'],
      ...(redis
        ? [
            [caseNames.redis('fixed-window'), '≥ 1.5×'],
            [caseNames.redisKeys('fixed-window'), '≥ 1.5×'],
          ]
        : []),
    ]);
    if (redis) {
      // One row per implementation of every Redis case: ours and the two peers.
      expect(latency!.rows).toHaveLength(redisCases.length * 3);
      for (const row of latency!.rows) expect(row[3]).toBeGreaterThan(0);
      // Ours batches the 64 calls of a batch into one script call, on one key or on many;
      // at maxBatch 1 it sends one per decision; the peers have no such figure.
      const perCall = new Map(latency!.rows.map((row) => [row[0], row[4]]));
      for (const name of redisCases) {
        const algorithm = name.includes('gcra') ? 'gcra' : 'fixed-window';
        if (name.endsWith('maxBatch 1')) {
          expect(perCall.get(`${name} · RedisRateLimiter (${algorithm}, maxBatch 1)`)).toBe(1);
        } else {
          expect(perCall.get(`${name} · RedisRateLimiter (${algorithm})`)).toBe(64);
        }
        expect(perCall.get(`${name} · rate-limiter-flexible`)).toBeNull();
        expect(perCall.get(`${name} · ${rlflxAutoPipeliningName}`)).toBeNull();
      }
    } else {
      expect(latency).toBeUndefined();
    }
    for (const row of targets!.rows) expect(['met', 'missed']).toContain(row[6]);
  });

  it('is registered as `limiter` with 1M keys', () => {
    expect(suite.name).toBe('limiter');
    expect(defaultLimiterSuiteConfig).toEqual({
      batch: 1_000,
      keys: 1_000_000,
      acquireBatch: 32,
      redis: true,
      redisKeys: 100_000,
    });
    expect(caseNames.acquire(32, 'in-turn')).toBe(
      'acquire · mostly allowed · 32 in turn · ours fixed-window',
    );
    expect(suite.setup).toBeTypeOf('function');
    expect(suite.teardown).toBeTypeOf('function');
    expect(suite.cases[4]!.name).toBe('1M new keys · ours fixed-window');
    expect(caseNames.redisKeys('gcra', 1)).toBe(
      'Redis · distinct keys · 64 concurrent · ours gcra · maxBatch 1',
    );
    expect(suite.cases).toHaveLength(8 + 12);
  });
});
