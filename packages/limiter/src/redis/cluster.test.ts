import { startRedisCluster } from '@breakwater/testing';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RedisAlgorithm, RedisRateLimiter } from './index.js';

let handle: Awaited<ReturnType<typeof startRedisCluster>>;
let cluster: Cluster;

beforeAll(async () => {
  handle = await startRedisCluster({ masters: 3 });
  cluster = handle.cluster();
  await cluster.ping();
  const deadline = Date.now() + 10_000;
  while (cluster.status !== 'ready' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}, 30_000);
afterAll(() => handle.stop());

it.each<RedisAlgorithm>(['gcra', 'token-bucket', 'sliding-window', 'fixed-window'])(
  'multi-window limits on a 3-master Cluster (%s)',
  async (algorithm) => {
    const limiter = new RedisRateLimiter({
      redis: cluster,
      algorithm,
      limits: [
        { limit: 3, windowMs: 3_600_000 },
        { limit: 5, windowMs: 1e12 },
      ],
    });
    // Keys on different slots, hence (with 3 masters) on different nodes.
    const keys = Array.from({ length: 6 }, (_, i) => `${algorithm}:user:${i}`);
    for (const key of keys) {
      const allowed: boolean[] = [];
      for (let i = 0; i < 4; i++) allowed.push((await limiter.consume(key)).allowed);
      expect(allowed).toEqual([true, true, true, false]);
    }
    // Requests of one turn for several keys: one call per key (one slot each), all at once.
    const more = keys.map((key) => `${key}:batch`);
    const batch = await Promise.all(
      more.flatMap((key) => [1, 2, 3, 4].map(() => limiter.consume(key))),
    );
    expect(batch.map((r) => r.allowed)).toEqual(more.flatMap(() => [true, true, true, false]));
    const stats = limiter.stats();
    expect(stats.redisErrors + stats.timeouts + stats.outageDecisions).toBe(0);
    expect(stats.scriptCalls).toBe(keys.length * 4 + more.length);
    // The second window still counts the 3 admitted: after a reset of the key, 3 again.
    expect(await limiter.reset(keys[0]!)).toBe(true);
    expect(await limiter.consume(keys[0]!)).toMatchObject({ allowed: true, remaining: 2 });
    // The keys really are spread over several masters.
    let holding = 0;
    for (const node of handle.nodes) {
      if ((await node.client().keys(`bw:limit:{${algorithm}:*`)).length > 0) holding++;
    }
    expect(holding).toBeGreaterThan(1);
  },
);
