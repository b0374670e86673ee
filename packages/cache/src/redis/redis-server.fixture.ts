import { type RedisServerHandle, startRedis } from '@breakwater/testing';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { TieredCacheOptions } from './options.js';
import { TieredCache } from './tiered-cache.js';

/** Options of {@link RedisServerFixture.tiered}: any cache option; `redis` defaults to a fresh client. */
export type FixtureCacheOptions<V, C> = Partial<TieredCacheOptions<V, C>> & { prefix: string };

/** What a test file gets from {@link useRedisServer}. */
export interface RedisServerFixture {
  /** The file's own `redis-server`, started before its first test. */
  readonly server: RedisServerHandle;
  /** A client for looking at Redis directly, connected before the first test. */
  readonly admin: Redis;
  /** A prefix no other test of the file uses. */
  newPrefix(): string;
  /** A fresh, connected client; its reconnection errors (the server may be killed) are ignored. */
  connected(): Promise<Redis>;
  /** Closes `cache` after the test. */
  track<T extends { close(): Promise<void> }>(cache: T): T;
  /**
   * A ready cache (subscribed to invalidations) with `ttlMs: 60_000` and `l1: { max: 1000 }`
   * unless told otherwise, on its own client unless `redis` is given; closed after the test.
   */
  tiered<V = string, C = unknown>(options: FixtureCacheOptions<V, C>): Promise<TieredCache<V, C>>;
}

/**
 * Starts one `redis-server` for the calling test file and stops it after the last test;
 * after each test, closes the caches the test opened and restarts the server if a test
 * killed it. Call it at the top level of the file.
 */
export function useRedisServer(prefixTag: string): RedisServerFixture {
  let server: RedisServerHandle | undefined;
  let admin: Redis | undefined;
  const open: Array<{ close(): Promise<void> }> = [];
  let prefixes = 0;

  const started = (): RedisServerHandle => {
    if (server === undefined) throw new Error('useRedisServer: the server starts in beforeAll');
    return server;
  };
  const connected = async (): Promise<Redis> => {
    const client = started().client();
    client.on('error', () => {});
    await client.ping();
    return client;
  };
  const track = <T extends { close(): Promise<void> }>(cache: T): T => {
    open.push(cache);
    return cache;
  };

  beforeAll(async () => {
    server = await startRedis();
    admin = await connected();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((cache) => cache.close()));
    if (server !== undefined && !server.running) await server.restart();
  });
  afterAll(() => server?.stop());

  return {
    get server() {
      return started();
    },
    get admin() {
      started();
      return admin as Redis;
    },
    newPrefix: () => `${prefixTag}${++prefixes}:`,
    connected,
    track,
    async tiered<V = string, C = unknown>(options: FixtureCacheOptions<V, C>) {
      const cache = track(
        new TieredCache<V, C>({
          ttlMs: 60_000,
          l1: { max: 1000 },
          ...options,
          redis: options.redis ?? (await connected()),
        }),
      );
      await cache.ready();
      return cache;
    },
  };
}
