import { type RedisClusterHandle, startRedisCluster } from '@breakwater/testing';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisCoalescer } from './index.js';

let handle: RedisClusterHandle;
let cluster: Cluster;

beforeAll(async () => {
  handle = await startRedisCluster({ masters: 3 });
  cluster = handle.cluster();
  await cluster.ping();
  const deadline = Date.now() + 10_000;
  while (cluster.status !== 'ready' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}, 60_000);
afterAll(() => handle.stop());

it('coalesces across two coalescers on a Cluster, for keys on many slots', async () => {
  // A long redisTimeoutMs: on a loaded machine a call must not time out into a fallback.
  const options = { client: cluster, resultTtlMs: 60_000, redisTimeoutMs: 10_000 };
  const a = new RedisCoalescer<string, string>(options);
  const b = new RedisCoalescer<string, string>(options);
  const keys = ['', '{x}', '=y', ...Array.from({ length: 12 }, (_, i) => `user:${i}`)];
  for (const key of keys) {
    expect(await a.run(key, () => `a:${key}`)).toBe(`a:${key}`);
    expect(await b.run(key, () => `b:${key}`)).toBe(`a:${key}`);
  }
  expect(a.stats()).toMatchObject({ locked: keys.length, fallbacks: 0 });
  expect(b.stats()).toMatchObject({ remote: keys.length, executions: 0 });
  expect(a.stats().redis.errors + b.stats().redis.errors).toBe(0);
  let holding = 0;
  for (const node of handle.nodes) {
    const client = node.client();
    if ((await client.keys('bw:coalesce:*')).length > 0) holding++;
  }
  expect(holding).toBeGreaterThan(1);
  await Promise.all([a.close(), b.close()]);
});
