import { settleWithin } from '@breakwater/core';
import type { Redis } from 'ioredis';
import {
  type RedisErrorEvent,
  type RedisOperation,
  RedisTimeoutError,
  RedisUnavailableError,
} from './errors.js';
import { isCluster, type RedisClient } from './options.js';

/** What an {@link InvalidationSubscriber} tells its owner. */
export interface SubscriberHandlers {
  /** A message arrived on the channel. */
  message(text: string): void;
  /**
   * The subscription is active. `resumed` is true when an earlier subscription had been
   * lost: messages published in between were missed.
   */
  subscribed(resumed: boolean): void;
  /** A subscribe call failed, or the subscribed connection was lost. */
  failure(event: RedisErrorEvent): void;
}

/** Reconnection delay: this much per attempt, up to the maximum. */
const RETRY_STEP_MS = 100;
const RETRY_MAX_MS = 1000;

const OPERATION: RedisOperation = 'subscribe';

/**
 * Keeps one dedicated connection subscribed to a channel.
 *
 * The connection is a duplicate of the caller's client (for a `Cluster`, of one of its
 * nodes: a plain PUBLISH reaches every node) and is this object's own: the caller's
 * client is never subscribed, closed or reconfigured. This object resubscribes itself on
 * every `'ready'` (ioredis's auto-resubscription is off), so it knows exactly when a
 * subscription was lost and when it is back. A cluster node that goes away is replaced
 * by another node of the cluster.
 */
export class InvalidationSubscriber {
  readonly #client: RedisClient;
  readonly #channel: string;
  readonly #timeoutMs: number;
  readonly #handlers: SubscriberHandlers;
  #connection: Redis | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #attempts = 0;
  #subscribed = false;
  #everSubscribed = false;
  /** A connection error was reported since the last successful subscription. */
  #errorReported = false;
  #closed = false;

  constructor(
    client: RedisClient,
    channel: string,
    timeoutMs: number,
    handlers: SubscriberHandlers,
  ) {
    this.#client = client;
    this.#channel = channel;
    this.#timeoutMs = timeoutMs;
    this.#handlers = handlers;
    this.#open();
  }

  /** True while the subscription is active. */
  get subscribed(): boolean {
    return this.#subscribed;
  }

  /** Unsubscribes (within `timeoutMs`) and disconnects the dedicated connection. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const connection = this.#connection;
    this.#connection = undefined;
    this.#subscribed = false;
    if (connection === undefined) return;
    if (connection.status === 'ready') {
      await settleWithin(connection.unsubscribe(this.#channel), this.#timeoutMs);
    }
    connection.disconnect();
  }

  #open(): void {
    if (this.#closed) return;
    let connection: Redis | undefined;
    try {
      connection = this.#duplicate();
    } catch (error) {
      this.#reportError(error);
    }
    if (connection === undefined) {
      this.#retryLater();
      return;
    }
    this.#connection = connection;
    const current = connection;
    current.on('error', (error: unknown) => {
      if (current === this.#connection) this.#reportError(error);
    });
    current.on('ready', () => {
      void this.#subscribe(current);
    });
    current.on('message', (channel: string, text: string) => {
      if (current === this.#connection && channel === this.#channel) this.#handlers.message(text);
    });
    current.on('close', () => this.#lost(current));
    current.on('end', () => {
      if (current !== this.#connection) return;
      this.#lost(current);
      this.#connection = undefined;
      this.#retryLater();
    });
  }

  #duplicate(): Redis | undefined {
    const overrides = {
      lazyConnect: false,
      autoResubscribe: false,
      autoResendUnfulfilledCommands: false,
      enableOfflineQueue: false,
    };
    const client = this.#client;
    if (!isCluster(client)) {
      return client.duplicate({
        ...overrides,
        retryStrategy: (times: number) => Math.min(times * RETRY_STEP_MS, RETRY_MAX_MS),
      });
    }
    // No reconnection to the same node: when it goes, `end` picks another one.
    const nodes = client.nodes('all');
    const node = nodes[Math.floor(Math.random() * nodes.length)];
    return node?.duplicate({ ...overrides, retryStrategy: () => null });
  }

  async #subscribe(connection: Redis): Promise<void> {
    const settled = await settleWithin(connection.subscribe(this.#channel), this.#timeoutMs);
    if (connection !== this.#connection) return;
    if (!settled.ok) {
      if (settled.timedOut) {
        this.#handlers.failure({
          operation: OPERATION,
          kind: 'timeout',
          error: new RedisTimeoutError(OPERATION, this.#timeoutMs),
        });
      } else {
        this.#handlers.failure({ operation: OPERATION, kind: 'error', error: settled.error });
      }
      // Start over on a fresh connection (for a cluster node: on another node).
      connection.disconnect(true);
      return;
    }
    this.#subscribed = true;
    this.#attempts = 0;
    this.#errorReported = false;
    const resumed = this.#everSubscribed;
    this.#everSubscribed = true;
    this.#handlers.subscribed(resumed);
  }

  #lost(connection: Redis): void {
    if (connection !== this.#connection || !this.#subscribed) return;
    this.#subscribed = false;
    this.#handlers.failure({
      operation: OPERATION,
      kind: 'unavailable',
      error: new RedisUnavailableError(OPERATION, 'connection lost'),
    });
  }

  /** Connection errors repeat on every retry: report one per outage. */
  #reportError(error: unknown): void {
    if (this.#errorReported) return;
    this.#errorReported = true;
    this.#handlers.failure({ operation: OPERATION, kind: 'error', error });
  }

  #retryLater(): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#attempts++;
    const delay = Math.min(this.#attempts * RETRY_STEP_MS, RETRY_MAX_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#open();
    }, delay);
    this.#timer.unref();
  }
}
