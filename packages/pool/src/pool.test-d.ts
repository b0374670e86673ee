/**
 * Type tests, compiled by `typecheck` and never run: the callbacks whose result the pool
 * ignores (or only compares with `false`) accept functions returning anything, so client
 * methods such as ioredis's `quit(): Promise<'OK'>` and `ping(): Promise<'PONG'>` can be
 * passed as they are.
 */
import type { Redis } from 'ioredis';
import type { PoolOptions } from './options.js';
import { Pool, type PoolAcquireOptions } from './pool.js';

declare const connect: (signal: AbortSignal) => Promise<Redis>;

/** A client whose methods return something other than `void` or `boolean`. */
interface Client {
  end(): Promise<'OK'>;
  ping(): Promise<'PONG'>;
  check(): string | undefined;
  close(): number;
}
declare const client: () => Client;

export const redisPool: Pool<Redis> = new Pool({
  create: connect,
  destroy: (c) => c.quit(),
  validate: (c) => c.ping(),
});

export const clientPool: Pool<Client> = new Pool({
  create: client,
  destroy: (c) => c.close(),
  validate: (c) => c.check(),
});

export const asyncCallbacks: Pool<Client> = new Pool({
  create: async () => client(),
  destroy: async (c) => c.end(),
  validate: async (c, signal) => !signal.aborted && (await c.ping()) === 'PONG',
});

// Listeners ignore what they return too.
clientPool.onDestroy(({ resource }) => resource.end());
clientPool.onCreate(({ resource }) => resource.close());

// `use` returns what its callback returns.
export const pong: Promise<'PONG'> = clientPool.use((c) => c.ping());

// `create` must still produce the pool's resource type.
export const wrongCreate = new Pool<Client>({
  // @ts-expect-error a create that returns something else is refused
  create: () => 'not a client',
});

// Every optional option accepts an explicit `undefined` (`exactOptionalPropertyTypes`).
export const undefinedOptions: PoolOptions<Client> = {
  create: client,
  destroy: undefined,
  validate: undefined,
  validateOnReturn: undefined,
  min: undefined,
  max: undefined,
  maxWaiting: undefined,
  acquireTimeoutMs: undefined,
  createTimeoutMs: undefined,
  destroyTimeoutMs: undefined,
  createBackoff: undefined,
  idleTimeoutMs: undefined,
  maxLifetimeMs: undefined,
  lifetimeJitter: undefined,
  keepaliveMs: undefined,
  leakDetectionMs: undefined,
  reuse: undefined,
  housekeepingIntervalMs: undefined,
  clock: undefined,
  random: undefined,
};
export const acquireOptions: PoolAcquireOptions = {
  signal: undefined,
  timeoutMs: undefined,
  priority: undefined,
};
