import { describe, expect, it, vi } from 'vitest';
import { runCase } from '../../runner/run-case.js';
import { poolCase, prewarm, settleFor } from './pool-cases.js';
import { genericPool, type PoolContender, tarn } from './pool-contenders.js';
import { type BenchResource, compilePoolLoops, ResourceFactory } from './pool-loops.js';

const quickSettings = { warmupRounds: 0, rounds: 1, roundMs: 1 };

/**
 * A contender over a hand-written pool of `create` resources: a careless one lends its first
 * resource to everyone; `outstanding` is what the pool claims is lent out.
 */
function fakeContender(
  options: { create?: number; careless?: boolean; outstanding?: () => number } = {},
) {
  const close = vi.fn(async () => {});
  const contender: PoolContender = {
    name: 'fake',
    note: 'a fake',
    prelude: '',
    acquire: (pool) => `${pool}.take()`,
    release: (pool, resource) => `${pool}.give(${resource})`,
    use: (pool, fn) => `${pool}.take().then(${fn})`,
    create: (factory) => {
      const made = Promise.all(Array.from({ length: options.create ?? 1 }, () => factory.create()));
      const waiting: ((resource: BenchResource) => void)[] = [];
      return {
        take: async () => {
          const idle = await made;
          if (options.careless === true) {
            return idle[0];
          }
          return idle.pop() ?? new Promise((resolve) => waiting.push(resolve));
        },
        give: async (resource: BenchResource) => {
          const idle = await made;
          if (options.careless !== true) {
            const next = waiting.shift();
            next === undefined ? idle.push(resource) : next(resource);
          }
        },
      };
    },
    outstanding: options.outstanding ?? (() => 0),
    close,
  };
  return { contender, close };
}

describe('settleFor', () => {
  it('returns the pairs and live resources when the batch ended clean', async () => {
    const factory = new ResourceFactory();
    await factory.create();
    const { contender } = fakeContender();
    expect(settleFor(contender, {}, factory, 'c')(12, 0)).toEqual({ pairs: 12, live: 1 });
  });

  it('names the implementation and case when a resource was lent twice', () => {
    const { contender } = fakeContender();
    expect(() => settleFor(contender, {}, new ResourceFactory(), 'c')(5, 2)).toThrow(
      '"fake" lent a resource that was still in use (2 times in one batch) in case "c"',
    );
  });

  it('fails when the pool still counts resources as lent out', () => {
    const { contender } = fakeContender({ outstanding: () => 3 });
    expect(() => settleFor(contender, {}, new ResourceFactory(), 'c')(5, 0)).toThrow(
      '"fake" still counts 3 resources as lent out at the end of a batch in case "c"',
    );
  });
});

describe('prewarm', () => {
  it.each([genericPool, tarn])('fills $name to its size', async (c) => {
    const factory = new ResourceFactory();
    const pool = c.create(factory, 5);
    const loops = compilePoolLoops(c);
    const state = { pool, batch: 1, workers: 1, settle: settleFor(c, pool, factory, 'warm') };
    await prewarm(loops, state, factory, 5, 'it');
    expect(factory.live).toBe(5);
    await c.close(pool);
  });

  it('fails when the pool holds fewer resources than its size afterwards', async () => {
    const { contender } = fakeContender({ create: 1 });
    const factory = new ResourceFactory();
    const pool = contender.create(factory, 3);
    const loops = compilePoolLoops(contender);
    const state = { pool, batch: 1, workers: 1, settle: () => ({ pairs: 0, live: 0 }) };
    await expect(prewarm(loops, state, factory, 3, '"fake"')).rejects.toThrow(
      '"fake" holds 1 resources after pre-warming instead of 3 (1 created, 0 destroyed)',
    );
  });
});

describe('poolCase', () => {
  it('measures each implementation on its own pre-warmed pool and closes it', async () => {
    const { contender, close } = fakeContender({ create: 2 });
    const benchCase = poolCase({
      name: 'fake case',
      description: 'fakes',
      workload: 'sequential',
      size: 2,
      batch: 5,
      ours: contender,
      peers: [genericPool],
    });
    expect(benchCase).toMatchObject({ opsPerCall: 5, check: true });
    expect(benchCase.peers[0]!.note).toBe(genericPool.note);
    const state = await benchCase.ours.setup!();
    expect(await benchCase.ours.fn(state)).toEqual({ pairs: 5, live: 2 });
    expect(close).not.toHaveBeenCalled();
    await benchCase.ours.teardown!(state);
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('runs a case with the results of every implementation equal', async () => {
    const benchCase = poolCase({
      name: 'real',
      description: 'generic-pool against tarn',
      workload: 'contended',
      size: 3,
      batch: 30,
      workers: 9,
      ours: genericPool,
      peers: [tarn],
    });
    const result = await runCase(benchCase, { settings: quickSettings, gc: undefined });
    expect(result.checked).toBe(true);
    expect(result.opsPerCall).toBe(30);
    expect(result.peers[0]!.medianOpsPerSec).toBeGreaterThan(0);
  });

  it('closes the pool when pre-warming fails, and fails the case naming who', async () => {
    const { contender, close } = fakeContender({ create: 1 });
    const benchCase = poolCase({
      name: 'short',
      description: 'a pool that does not fill',
      workload: 'sequential',
      size: 2,
      batch: 1,
      ours: contender,
      peers: [tarn],
    });
    await expect(benchCase.ours.setup!()).rejects.toThrow(
      '"fake" in case "short" holds 1 resources after pre-warming instead of 2',
    );
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('fails the case when a pool lends a resource still in use', async () => {
    const { contender, close } = fakeContender({ create: 2, careless: true });
    const benchCase = poolCase({
      name: 'careless',
      description: 'a pool lending one resource to everyone',
      workload: 'contended',
      size: 2,
      batch: 4,
      workers: 4,
      ours: contender,
      peers: [tarn],
    });
    await expect(runCase(benchCase, { settings: quickSettings, gc: undefined })).rejects.toThrow(
      '"fake" lent a resource that was still in use',
    );
    expect(close).toHaveBeenCalledTimes(1);
  });
});
