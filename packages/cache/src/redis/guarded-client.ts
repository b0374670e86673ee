import { RedisGuard, type RedisGuardCall, RedisUnavailableError } from '@breakwater/core';
import type { CorruptValueError, RedisOperation, RedisTimeoutError } from './errors.js';
import type { RedisClient } from './options.js';
import type { LuaScript } from './scripts.js';

/** What went wrong with a Redis call, from `onError`; `kind` tells the cases apart. */
export type RedisErrorEvent =
  | {
      operation: RedisOperation;
      /** The call did not settle within the `timeout` option. */
      kind: 'timeout';
      /** The cache key concerned (without the prefix), when there is one. */
      key?: string;
      error: RedisTimeoutError<RedisOperation>;
    }
  | {
      operation: RedisOperation;
      /** Not sent: the client was not `'ready'` or `maxInFlight` was reached. */
      kind: 'unavailable';
      key?: string;
      error: RedisUnavailableError<RedisOperation>;
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

/**
 * Sends commands to the caller's client through `@breakwater/core`'s {@link RedisGuard}
 * (only while `'ready'`, at most `maxInFlight` unsettled, waiting at most `timeout` ms),
 * reporting each failure with the cache key it concerns; never throws, and `drain()`
 * waits for every call.
 */
export class GuardedClient {
  readonly #guard: RedisGuard<RedisClient, RedisOperation>;
  readonly #report: (event: RedisErrorEvent) => void;

  constructor(
    client: RedisClient,
    timeout: number,
    maxInFlight: number,
    report: (event: RedisErrorEvent) => void,
  ) {
    this.#guard = new RedisGuard(client, timeout, maxInFlight);
    this.#report = report;
  }

  /** Commands sent and not settled yet, timed-out ones included. */
  get inFlight(): number {
    return this.#guard.inFlight;
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
    return this.#guard.run(
      operation,
      (client) => command(client),
      ({ kind, error }) => {
        const event = { operation, kind, error } as RedisErrorEvent;
        if (key !== undefined) event.key = key;
        this.#report(event);
        return FAILED;
      },
    );
  }

  /**
   * Runs `script` on `keys` and `args` like {@link run}: `EVALSHA`, then `EVAL` once when
   * the server does not know the script (a fresh or restarted node); `EVAL` at once for an
   * `ordered` script.
   */
  script(
    operation: RedisOperation,
    key: string,
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<Outcome<unknown>> {
    return this.#guard.run(
      operation,
      (client, call) =>
        evaluate(client as unknown as ScriptCommands, operation, script, keys, args, call),
      ({ kind, error }) => {
        this.#report({ operation, kind, error, key } as RedisErrorEvent);
        return FAILED;
      },
    );
  }

  /** Resolves once every call made so far (and any they lead to) has settled or timed out. */
  drain(): Promise<void> {
    return this.#guard.drain();
  }
}

/** The two script commands of both ioredis `Redis` and `Cluster`, with the types used here. */
interface ScriptCommands {
  readonly status: string;
  evalsha(sha: string, numKeys: number, ...keysAndArgs: Array<string | number>): Promise<unknown>;
  eval(source: string, numKeys: number, ...keysAndArgs: Array<string | number>): Promise<unknown>;
}

/** `EVALSHA`, then `EVAL` once on `NOSCRIPT` unless the call timed out or the client dropped. */
async function evaluate(
  client: ScriptCommands,
  operation: RedisOperation,
  script: LuaScript,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
  call: RedisGuardCall,
): Promise<unknown> {
  if (script.ordered) return client.eval(script.source, keys.length, ...keys, ...args);
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    // Too late: the caller went on without this call; it must not run after all.
    if (call.timedOut) throw error;
    if (client.status !== 'ready') throw new RedisUnavailableError(operation, client.status);
    return await client.eval(script.source, keys.length, ...keys, ...args);
  }
}
