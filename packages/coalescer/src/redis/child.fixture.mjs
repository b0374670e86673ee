// One process of the cross-process tests: loads the built package, coalesces `calls`
// concurrent runs of one key and reports what they returned.
import { Cluster, Redis } from 'ioredis';
import { RedisCoalescer } from '../../dist/redis/index.js';

process.once('message', async (m) => {
  const client =
    m.startupNodes === undefined
      ? new Redis(m.url, { maxRetriesPerRequest: 1 })
      : new Cluster(m.startupNodes, { redisOptions: { maxRetriesPerRequest: 1 } });
  client.on('error', () => {});
  await client.ping();
  const coalescer = new RedisCoalescer({
    client,
    keyPrefix: m.keyPrefix,
    lockTtlMs: m.lockTtlMs,
    resultTtlMs: 60_000,
    pollIntervalMs: 10,
    // A loaded machine must not turn a slow call into a fallback (a second execution).
    redisTimeoutMs: 10_000,
  });
  const fn = async () => {
    await client.incr(m.counter);
    process.send({ type: 'running' });
    while ((await client.exists(m.release)) === 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return { pid: process.pid };
  };
  const runs = Array.from({ length: m.calls }, () => coalescer.run(m.key, fn));
  process.send({ type: 'called' });
  const results = await Promise.all(runs);
  const stats = coalescer.stats();
  await coalescer.close();
  client.disconnect();
  process.send({ type: 'done', results, stats }, () => process.exit(0));
});
