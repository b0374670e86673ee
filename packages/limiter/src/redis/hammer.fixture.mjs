// A separate process hammering one key: runs the limiter's script with a plain ioredis
// client and reports how many requests were admitted.
import { Redis } from 'ioredis';

process.once('message', async ({ url, source, keys, args, requests }) => {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  const replies = await Promise.all(
    Array.from({ length: requests }, () => client.eval(source, keys.length, ...keys, ...args)),
  );
  const admitted = replies.filter((reply) => Number(reply[0]) === 1).length;
  client.disconnect();
  process.send({ admitted }, () => process.exit(0));
});
