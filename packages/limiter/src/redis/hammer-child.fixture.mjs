// A separate process hammering one key: runs the limiter's script with a plain ioredis
// client (or Cluster) and reports how many requests were admitted.
import { Cluster, Redis } from 'ioredis';

process.once('message', async ({ url, startupNodes, source, keys, args, requests }) => {
  const client =
    startupNodes === undefined
      ? new Redis(url, { maxRetriesPerRequest: 1 })
      : new Cluster(startupNodes, { redisOptions: { maxRetriesPerRequest: 1 } });
  const replies = await Promise.all(
    Array.from({ length: requests }, () => client.eval(source, keys.length, ...keys, ...args)),
  );
  // Five values per decision; the first is 1 when admitted.
  const admitted = replies.filter((reply) => Number(reply[0]) === 1).length;
  client.disconnect();
  process.send({ admitted }, () => process.exit(0));
});
