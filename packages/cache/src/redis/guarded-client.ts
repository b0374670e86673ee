import {
  type CorruptValueError,
  type RedisOperation,
  RedisTimeoutError,
  RedisUnavailableError,
} from './errors.js';
import type { RedisClient } from './options.js';

/** What went wrong with a Redis call, from `onError`; `kind` tells the cases apart. */
export type RedisErrorEvent =
  | {
      operation: RedisOperation;
      /** The call did not settle within the `timeout` option. */
      kind: 'timeout';
      /** The cache key concerned (without the prefix), when there is one. */
      key?: string;
      error: RedisTimeoutError;
    }
  | {
      operation: RedisOperation;
      /** Not sent: the client was not `'ready'` or `maxInFlight` was reached. */
      kind: 'unavailable';
      key?: string;
      error: RedisUnavailableError;
    }
  | {
      operation: RedisOperation;
      /** Redis (or the client) answered with an error. */
      kind: 'error';
      key?: string;
      error: unknown;
    }
  | {
      operation: 'get' | 'subscribe';
      /** A stored value failed to deserialize, or an invalidation message to parse. */
      kind: 'corrupt';
      key?: string;
      error: CorruptValueError;
    };

/** The result of a guarded call: it never rejects. */
export type Outcome<T> = { ok: true; value: T } | { ok: false };

const FAILED: Outcome<never> = Object.freeze({ ok: false });

/** How a promise settled within a time limit. */
export type Settled<T> =
  | { ok: true; value: T }
  | { ok: false; timedOut: false; error: unknown }
  | { ok: false; timedOut: true };

/**
 * Waits for `promise` at most `ms` (with an unref'd timer, cleared once it settles).
 * Never rejects; a late rejection is observed so it cannot go unhandled.
 */
export function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, timedOut: true }), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve({ ok: true, value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ ok: false, timedOut: false, error });
      },
    );
  });
}

/**
 * Sends commands to the caller's client so that nothing waits on an outage:
 *
 * - a command is sent only while the client's `status` is `'ready'` (so it never enters
 *   ioredis's offline queue, whatever `enableOfflineQueue` says) and fewer than
 *   `maxInFlight` earlier commands are still unsettled; otherwise it is skipped at once;
 * - the caller waits at most `timeout` ms;
 * - failures are reported, never thrown; every call settles, and `drain()` waits for them.
 */
export class GuardedClient {
  readonly #client: RedisClient;
  readonly #timeout: number;
  readonly #maxInFlight: number;
  readonly #report: (event: RedisErrorEvent) => void;
  readonly #pending = new Set<Promise<unknown>>();
  #inFlight = 0;

  constructor(
    client: RedisClient,
    timeout: number,
    maxInFlight: number,
    report: (event: RedisErrorEvent) => void,
  ) {
    this.#client = client;
    this.#timeout = timeout;
    this.#maxInFlight = maxInFlight;
    this.#report = report;
  }

  /** Commands sent and not settled yet, timed-out ones included. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Runs `command` against the client if it may be sent now, waiting at most `timeout`.
   * `key` (the cache key) only labels a failure.
   */
  run<T>(
    operation: RedisOperation,
    key: string | undefined,
    command: (client: RedisClient) => Promise<T>,
  ): Promise<Outcome<T>> {
    const status = this.#client.status;
    if (status !== 'ready' || this.#inFlight >= this.#maxInFlight) {
      const reason = status !== 'ready' ? status : 'saturated';
      this.#fail(operation, key, 'unavailable', new RedisUnavailableError(operation, reason));
      return Promise.resolve(FAILED);
    }
    let sent: Promise<T>;
    try {
      sent = command(this.#client);
    } catch (error) {
      this.#fail(operation, key, 'error', error);
      return Promise.resolve(FAILED);
    }
    this.#inFlight++;
    const done = (): void => {
      this.#inFlight--;
    };
    sent.then(done, done);
    const outcome = settleWithin(sent, this.#timeout).then((settled): Outcome<T> => {
      this.#pending.delete(outcome);
      if (settled.ok) return settled;
      if (settled.timedOut) {
        this.#fail(operation, key, 'timeout', new RedisTimeoutError(operation, this.#timeout));
      } else {
        this.#fail(operation, key, 'error', settled.error);
      }
      return FAILED;
    });
    this.#pending.add(outcome);
    return outcome;
  }

  /** Resolves once every call made so far (and any they lead to) has settled or timed out. */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  #fail(
    operation: RedisOperation,
    key: string | undefined,
    kind: 'timeout' | 'unavailable' | 'error',
    error: unknown,
  ): void {
    const event = { operation, kind, error } as RedisErrorEvent;
    if (key !== undefined) event.key = key;
    this.#report(event);
  }
}
