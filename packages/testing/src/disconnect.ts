import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Cluster, Redis } from 'ioredis';

const END_TIMEOUT_MS = 2_000;

/**
 * Disconnects ioredis clients without QUIT (the server may be gone) and waits until each
 * has ended, so none is still reconnecting once a handle's `stop()` resolves.
 */
export async function disconnectAll(clients: Iterable<Redis | Cluster>): Promise<void> {
  await Promise.all(
    [...clients].map(async (client) => {
      if (client.status === 'end') return;
      const ended = once(client, 'end');
      client.disconnect();
      await Promise.race([ended, delay(END_TIMEOUT_MS, undefined, { ref: false })]);
    }),
  );
}
