import { RedisGuard, type RedisGuardCall } from '@breakwater/core';
import {
  type FleetRedisOperation,
  type RedisTimeoutError,
  RedisUnavailableError,
} from './errors.js';
import type { RedisClient } from './options.js';
import { type FleetView, type LuaScript, parseReply } from './scripts.js';

/*
 * The guard itself (status check, per-call timeout, a cap on unsettled commands, failures
 * reported and never thrown) is `@breakwater/core`'s RedisGuard, shared with
 * `@breakwater/cache/redis`; this file adds what the breaker needs: running Lua scripts.
 */

/** What went wrong with a Redis call, from `onError`; `kind` tells the cases apart. */
export type FleetRedisErrorEvent =
  | {
      operation: FleetRedisOperation;
      /** The call did not settle within `redisTimeoutMs`. */
      kind: 'timeout';
      error: RedisTimeoutError<FleetRedisOperation>;
    }
  | {
      operation: FleetRedisOperation;
      /** Not sent: the client was not `'ready'`, or too many commands were unsettled. */
      kind: 'unavailable';
      error: RedisUnavailableError<FleetRedisOperation>;
    }
  | {
      operation: FleetRedisOperation;
      /** Redis (or the client) answered with an error, or the reply was malformed (TypeError). */
      kind: 'error';
      error: unknown;
    };

/** The result of a guarded call: it never rejects. `sent: false` means Redis never saw it. */
export type Outcome =
  | { ok: true; value: FleetView }
  | { ok: false; sent: boolean; event: FleetRedisErrorEvent };

/** The two script commands both ioredis `Redis` and `Cluster` have, with the types we use. */
interface ScriptCommands {
  readonly status: string;
  evalsha(sha: string, numKeys: number, ...keysAndArgs: Array<string | number>): Promise<unknown>;
  eval(source: string, numKeys: number, ...keysAndArgs: Array<string | number>): Promise<unknown>;
}

/**
 * Runs Lua scripts on the caller's client through `@breakwater/core`'s {@link RedisGuard},
 * so that nothing waits on an outage:
 *
 * - a script is sent only while the client's `status` is `'ready'` (so it never enters
 *   ioredis's offline queue) and fewer than `maxInFlight` earlier calls are unsettled;
 *   otherwise it is skipped at once;
 * - the caller waits at most `timeoutMs`;
 * - `EVALSHA` first, `EVAL` once when the server does not know the script (a fresh or
 *   restarted node) — unless the caller stopped waiting meanwhile;
 * - failures are reported, never thrown; `drain()` waits for every call to settle.
 */
export class GuardedClient {
  readonly #guard: RedisGuard<ScriptCommands, FleetRedisOperation>;
  readonly #report: (event: FleetRedisErrorEvent) => void;

  constructor(
    client: RedisClient,
    timeoutMs: number,
    maxInFlight: number,
    report: (event: FleetRedisErrorEvent) => void,
  ) {
    this.#guard = new RedisGuard(client as unknown as ScriptCommands, timeoutMs, maxInFlight);
    this.#report = report;
  }

  /** Calls sent and not settled yet, timed-out ones included. */
  get inFlight(): number {
    return this.#guard.inFlight;
  }

  /** Runs `script` with `keys` and `args`, waiting at most `timeoutMs`. Never rejects. */
  run(
    operation: FleetRedisOperation,
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<Outcome> {
    return this.#guard.run(
      operation,
      (client, call) => evaluate(client, operation, script, keys, args, call),
      ({ kind, error, sent }): Outcome => {
        const event = { operation, kind, error } as FleetRedisErrorEvent;
        this.#report(event);
        return { ok: false, sent, event };
      },
    );
  }

  /** Resolves once every call made so far has settled or timed out. */
  drain(): Promise<void> {
    return this.#guard.drain();
  }
}

/** `EVALSHA`, then `EVAL` once on `NOSCRIPT` unless the call timed out or the client dropped. */
async function evaluate(
  client: ScriptCommands,
  operation: FleetRedisOperation,
  script: LuaScript,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
  call: RedisGuardCall,
): Promise<FleetView> {
  let reply: unknown;
  try {
    reply = await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    // Too late: the caller went on without this call; it must not run after all.
    if (call.timedOut) throw error;
    // The EVALSHA was answered, but the connection may have dropped since.
    if (client.status !== 'ready') throw new RedisUnavailableError(operation, client.status);
    reply = await client.eval(script.source, keys.length, ...keys, ...args);
  }
  return parseReply(reply);
}
