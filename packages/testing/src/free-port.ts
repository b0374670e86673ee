import { createServer } from 'node:net';
import { RedisStartError } from './errors.js';

/** The only host the servers of this package listen on. */
export const LOOPBACK = '127.0.0.1';

/** The port of the machine's shared Redis, which this package never uses. */
const SHARED_REDIS_PORT = 6379;

/** Redis Cluster nodes talk to each other on their port + 10000. */
export const CLUSTER_BUS_OFFSET = 10_000;

const MAX_CLUSTER_PORT = 65_535 - CLUSTER_BUS_OFFSET;
const CLUSTER_PORT_ATTEMPTS = 200;

/**
 * Returns a TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it), never
 * 6379. Someone else may take it before you bind it: callers retry on "address in use".
 */
export async function getFreePort(): Promise<number> {
  for (;;) {
    const port = await listenOnce(0);
    if (port !== SHARED_REDIS_PORT) return port;
  }
}

/** Whether a TCP listener can bind `port` on 127.0.0.1 right now. */
export async function isPortFree(port: number): Promise<boolean> {
  try {
    await listenOnce(port);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns a free port `p < 55535` whose cluster bus port `p + 10000` is free too, and
 * neither of which is in `reserved` (ports already given to other nodes of a cluster).
 */
export async function getFreeClusterPort(reserved: ReadonlySet<number>): Promise<number> {
  for (let attempt = 0; attempt < CLUSTER_PORT_ATTEMPTS; attempt++) {
    const port = await getFreePort();
    const bus = port + CLUSTER_BUS_OFFSET;
    if (port >= MAX_CLUSTER_PORT || reserved.has(port) || reserved.has(bus)) continue;
    if (await isPortFree(bus)) return port;
  }
  throw new RedisStartError(
    `Could not find a free port p < ${MAX_CLUSTER_PORT} whose cluster bus port p + ${CLUSTER_BUS_OFFSET} ` +
      `is also free in ${CLUSTER_PORT_ATTEMPTS} tries`,
  );
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port, host: LOOPBACK, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error(`Unexpected listening address ${String(address)}`));
      });
    });
  });
}
