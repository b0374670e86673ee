import { eventually, startRedisCluster } from '@breakwater/testing';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hammer } from './hammer.fixture.js';
import { type OutageEvent, type RedisAlgorithm, RedisRateLimiter } from './index.js';

let handle: Awaited<ReturnType<typeof startRedisCluster>>;
let cluster: Cluster;

beforeAll(async () => {
  handle = await startRedisCluster({ masters: 3 });
  cluster = handle.cluster();
  cluster.on('error', () => {}); // one test kills a master
  await cluster.ping();
  await eventually('the cluster client is ready', () => cluster.status === 'ready');
}, 30_000);
afterAll(() => handle.stop());

/** A client of one node that stays quiet while the node is down (one test kills one). */
function nodeClient(node: (typeof handle.nodes)[number]) {
  const client = node.client({ retryStrategy: () => 50 });
  client.on('error', () => {});
  return client;
}

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
    expect(stats.redis.errors + stats.redis.timeouts + stats.outageDecisions).toBe(0);
    expect(stats.scriptCalls).toBe(keys.length * 4 + more.length);
    // The second window still counts the 3 admitted: after a reset of the key, 3 again.
    expect(await limiter.reset(keys[0]!)).toBe(true);
    expect(await limiter.consume(keys[0]!)).toMatchObject({ allowed: true, remaining: 2 });
    // The keys really are spread over several masters.
    let holding = 0;
    for (const node of handle.nodes) {
      if ((await nodeClient(node).keys(`bw:limit:{${algorithm}:*`)).length > 0) holding++;
    }
    expect(holding).toBeGreaterThan(1);
  },
);

const twoLimits = [
  { limit: 30, windowMs: 3_600_000 },
  { limit: 1_000, windowMs: 1e12 },
];

it.each<RedisAlgorithm>(['gcra', 'sliding-window'])(
  '4 processes hammering one Cluster key admit exactly the smaller limit (%s)',
  async (algorithm) => {
    const limiter = new RedisRateLimiter({ redis: cluster, algorithm, limits: twoLimits });
    const key = `hammer:${algorithm}`;
    const target = { startupNodes: handle.startupNodes };
    const admitted = await hammer(target, limiter.script.source, `bw:limit:{${key}}`, {
      requests: 20,
    });
    expect(admitted).toBe(30);
    expect(await limiter.consume(key)).toMatchObject({ allowed: false, limit: 30 });
  },
);

it('a killed master: its keys follow the outage policy, the others stay on Redis; then back', async () => {
  const limiter = new RedisRateLimiter({
    redis: cluster,
    limits: { limit: 3, windowMs: 3_600_000 },
    redisTimeoutMs: 200,
    prefix: 'kill:',
  });
  const events: OutageEvent[] = [];
  limiter.onOutage((event) => events.push(event));
  // The master that serves a key: the others answer MOVED.
  const clients = handle.nodes.map(nodeClient);
  const owner = async (key: string) => {
    for (const [i, client] of clients.entries()) {
      const served = await client.exists(`kill:{${key}}`).then(
        (n) => n === 1,
        () => false,
      );
      if (served) return i;
    }
    return -1;
  };
  const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
  for (const key of keys) await limiter.consume(key);
  const owners = await Promise.all(keys.map(owner));
  const victimIndex = owners[0]!;
  const survivor = keys[owners.findIndex((o) => o !== victimIndex)]!;
  const doomed = keys[0]!;

  await handle.nodes[victimIndex]!.kill();
  // The doomed key's decisions come from the local fallback, which starts afresh.
  const local = [];
  for (let i = 0; i < 4; i++) local.push((await limiter.consume(doomed)).allowed);
  expect(local).toEqual([true, true, true, false]);
  expect(events[0]).toMatchObject({ mode: 'outage' });
  // The survivor's node still answers: its count went on from Redis (1 used, 2 left).
  const before = limiter.stats().outageDecisions;
  expect(await limiter.consume(survivor)).toMatchObject({ allowed: true, remaining: 1 });
  expect(limiter.stats().outageDecisions).toBe(before);

  await handle.nodes[victimIndex]!.restart();
  await handle.waitUntilOk();
  // The restarted master lost its data and its scripts: NOSCRIPT → EVAL, a fresh key.
  // A real server restarting, and a real quiet redisTimeoutMs: this waits in real time.
  let back: Awaited<ReturnType<typeof limiter.consume>> | undefined;
  await eventually(
    'the limiter is back on Redis',
    async () => {
      const result = await limiter.consume(`${doomed}`);
      if (limiter.mode === 'redis') back = result;
      return back;
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
  expect(back).toMatchObject({ allowed: true, remaining: 2 });
  // One outage reported while the survivor's calls kept succeeding, then one recovery.
  expect(events.map((e) => e.mode)).toEqual(['outage', 'redis']);
  expect(events.at(-1)).toEqual({ mode: 'redis', reason: 'recovered' });
}, 60_000);

it('get reads a key on its own master without writing it', async () => {
  const limiter = new RedisRateLimiter({
    redis: cluster,
    limits: { limit: 2, windowMs: 3_600_000 },
  });
  const keys = Array.from({ length: 4 }, (_, i) => `peek:user:${i}`);
  for (const key of keys) {
    expect(await limiter.get(key)).toMatchObject({ allowed: true, remaining: 2 });
    expect(await cluster.exists(`bw:limit:{${key}}`)).toBe(0);
    await limiter.consume(key);
    await limiter.consume(key);
    expect(await limiter.get(key)).toMatchObject({ allowed: false, remaining: 0, limit: 2 });
  }
  expect(limiter.stats()).toMatchObject({ outageDecisions: 0, redis: { errors: 0 } });
  await limiter.close();
});
