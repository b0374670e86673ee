import { describe, expect, it, vi } from 'vitest';
import { runSuite } from '../runner/run-suite.js';
import { expectedAllowed, keyList, verifyBatch } from './limiter/cases.js';
import { hasRedisServer } from './limiter/redis.js';
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
  });
});

describe('limiter suite', () => {
  it('runs every case at tiny sizes with equal counts, weighs keys, then the targets', async () => {
    const result = await runSuite(
      createLimiterSuite({ batch: 20, keys: 50, acquireBatch: 4, redis }),
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
      ...(redis
        ? [
            caseNames.redis('fixed-window'),
            caseNames.redis('gcra'),
            caseNames.redisMulti('fixed-window'),
            caseNames.redisMulti('gcra'),
          ]
        : []),
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
      ...(redis ? [true, true, true, true] : []),
    ]);
    const [targets, latency] = result.tables!;
    expect(targets!.rows.map((row) => [row[0], row[5]])).toEqual([
      [caseNames.hotAllowed('fixed-window'), '≥ 5×'],
      [caseNames.hotDenied('fixed-window'), '≥ 5×'],
      ['50 new keys · ours fixed-window', '≥ 10×'],
      ...(redis ? [[caseNames.redis('fixed-window'), '≥ 1.5×']] : []),
    ]);
    if (redis) {
      expect(latency!.rows).toHaveLength(8);
      for (const row of latency!.rows) expect(row[3]).toBeGreaterThan(0);
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
    });
    expect(caseNames.acquire(32, 'in-turn')).toBe(
      'acquire · mostly allowed · 32 in turn · ours fixed-window',
    );
    expect(suite.setup).toBeTypeOf('function');
    expect(suite.teardown).toBeTypeOf('function');
    expect(suite.cases[4]!.name).toBe('1M new keys · ours fixed-window');
  });
});
