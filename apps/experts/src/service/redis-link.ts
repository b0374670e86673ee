import { settleWithin } from '@breakwater/core';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { ServiceConfig } from './config.js';

/** A command connection of the service: one node or a Cluster. */
export type RedisConnection = Redis | Cluster;

/** Minimal logger the link reports connection changes to. */
export interface RedisLinkLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * The service's connections to Redis (`REDIS_URL` or `REDIS_CLUSTER_NODES`). Every
 * connection is created here, so that shutdown closes them all and `/ready` can say
 * whether Redis is reachable. Commands are never queued while Redis is down
 * (`enableOfflineQueue: false`): each primitive applies its own outage policy at once.
 */
export class RedisLink {
  /** `single` for `REDIS_URL`, `cluster` for `REDIS_CLUSTER_NODES`. */
  readonly mode: 'single' | 'cluster';
  /** The shared command connection. */
  readonly client: RedisConnection;
  readonly #config: ServiceConfig;
  readonly #log: RedisLinkLogger;
  readonly #connections: RedisConnection[] = [];
  #closed = false;

  constructor(config: ServiceConfig, log: RedisLinkLogger) {
    if (config.redisUrl === undefined && config.redisClusterNodes.length === 0) {
      throw new RangeError('Expected `REDIS_URL` or `REDIS_CLUSTER_NODES` to be set');
    }
    this.#config = config;
    this.#log = log;
    this.mode = config.redisUrl === undefined ? 'cluster' : 'single';
    this.client = this.connect('commands');
  }

  /**
   * Opens another connection (for a subscriber, or a primitive that wants its own), named
   * `role` in the logs; closed with the link.
   */
  connect(role: string): RedisConnection {
    if (this.#closed) throw new Error('The Redis link is closed');
    const base: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectionName: `${this.#config.instanceId}:${role}`,
      // Reconnect forever, backing off to 1 s: recovery is automatic.
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    };
    const connection: RedisConnection =
      this.mode === 'single'
        ? new Redis(this.#config.redisUrl!, base)
        : new Cluster([...this.#config.redisClusterNodes], {
            enableOfflineQueue: false,
            redisOptions: base,
            clusterRetryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
          });
    let wasReady = false;
    connection.on('ready', () => {
      if (!wasReady) this.#log.info({ role }, 'Redis connected');
      wasReady = true;
    });
    const lost = (reason: string): void => {
      // Logged once per outage; ioredis reconnects on its own.
      if (wasReady && !this.#closed) this.#log.warn({ role, reason }, 'Redis connection lost');
      wasReady = false;
    };
    connection.on('error', (error: Error) => lost(error.message));
    connection.on('close', () => lost('connection closed'));
    this.#connections.push(connection);
    return connection;
  }

  /** Whether the command connection is ready now. */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** Pings Redis; `false` when it does not answer within `timeoutMs`. */
  async ping(timeoutMs: number): Promise<boolean> {
    if (!this.ready) return false;
    const answer = await settleWithin(this.client.ping(), timeoutMs);
    return answer.ok && answer.value === 'PONG';
  }

  /** Closes every connection (pending commands fail). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(
      this.#connections.map(async (c) => {
        try {
          await c.quit();
        } catch {
          c.disconnect();
        }
      }),
    );
  }
}

/** The link when Redis is configured, else `undefined` (one process, in memory). */
export function connectRedis(config: ServiceConfig, log: RedisLinkLogger): RedisLink | undefined {
  if (config.redisUrl === undefined && config.redisClusterNodes.length === 0) return undefined;
  return new RedisLink(config, log);
}
