import { describe, expect, it } from 'vitest';
import { genericPool, ours, type PoolContender, poolPeers, tarn } from './pool-contenders.js';
import {
  type BenchResource,
  compilePoolLoops,
  type LoopState,
  ResourceFactory,
} from './pool-loops.js';

const contenders = [ours, genericPool, tarn] as const;

function timers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

function stateFor(c: PoolContender, pool: unknown, factory: ResourceFactory): LoopState {
  return {
    pool,
    batch: 40,
    workers: 12,
    settle: (pairs, overlaps) => {
      expect(overlaps).toBe(0);
      expect(c.outstanding(pool)).toBe(0);
      return { pairs, live: factory.live };
    },
  };
}

describe('pool contenders', () => {
  it('lists generic-pool and tarn as the peers', () => {
    expect(poolPeers.map((c) => c.name)).toEqual(['generic-pool', 'tarn']);
    for (const c of contenders) {
      expect(c.note).not.toBe('');
    }
  });

  it.each(contenders)(
    '$name lends at most `max` resources, runs every workload and closes cleanly',
    async (c) => {
      const before = timers();
      const factory = new ResourceFactory();
      const pool = c.create(factory, 4);
      expect(factory.created).toBe(0);
      const loops = compilePoolLoops(c);
      const state = stateFor(c, pool, factory);
      expect(await loops.contended(state)).toEqual({ pairs: 40, live: 4 });
      expect(await loops.sequential(state)).toEqual({ pairs: 40, live: 4 });
      expect(await loops.use(state)).toEqual({ pairs: 40, live: 4 });
      await c.close(pool);
      expect(factory.live).toBe(0);
      expect(timers()).toBe(before);
    },
  );

  it.each(contenders)('$name counts what it has lent out', async (c) => {
    const factory = new ResourceFactory();
    const pool = c.create(factory, 2);
    const take = new Function('pool', `return ${c.acquire('pool')};`) as (
      pool: unknown,
    ) => Promise<BenchResource>;
    const give = new Function(
      'pool',
      'resource',
      `return (async () => { ${c.release('pool', 'resource')}; })();`,
    ) as (pool: unknown, resource: BenchResource) => Promise<void>;
    const held = await take(pool);
    expect(c.outstanding(pool)).toBe(1);
    await give(pool, held);
    expect(c.outstanding(pool)).toBe(0);
    await c.close(pool);
  });
});
