import { type FleetRedisOperation, RedisTimeoutError, RedisUnavailableError } from './errors.js';
import type { RedisClient } from './options.js';
import { type FleetView, type LuaScript, parseReply } from './scripts.js';

/*
 * The same guard as `@breakwater/cache/redis`'s GuardedClient (status check, per-call
 * timeout, a cap on unsettled commands, failures reported and never thrown), reduced to
 * what the breaker needs: running Lua scripts. Duplicated on purpose rather than shared
 * for now; a later change may move both into @breakwater/core.
 */

/** What went wrong with a Redis call, from `onError`; `kind` tells the cases apart. */
export type FleetRedisErrorEvent =
  | {
      operation: FleetRedisOperation;
      /** The call did not settle within `redisTimeoutMs`. */
      kind: 'timeout';
      error: RedisTimeoutError;
    }
  | {
      operation: FleetRedisOperation;
      /** Not sent: the client was not `'ready'`, or too many commands were unsettled. */
      kind: 'unavailable';
      error: RedisUnavailableError;
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
 * Runs Lua scripts on the caller's client so that nothing waits on an outage:
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
  readonly #client: ScriptCommands;
  readonly #timeoutMs: number;
  readonly #maxInFlight: number;
  readonly #report: (event: FleetRedisErrorEvent) => void;
  readonly #pending = new Set<Promise<Outcome>>();
  #inFlight = 0;

  constructor(
    client: RedisClient,
    timeoutMs: number,
    maxInFlight: number,
    report: (event: FleetRedisErrorEvent) => void,
  ) {
    this.#client = client as unknown as ScriptCommands;
    this.#timeoutMs = timeoutMs;
    this.#maxInFlight = maxInFlight;
    this.#report = report;
  }

  /** Calls sent and not settled yet, timed-out ones included. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Runs `script` with `keys` and `args`, waiting at most `timeoutMs`. Never rejects. */
  run(
    operation: FleetRedisOperation,
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<Outcome> {
    const status = this.#client.status;
    if (status !== 'ready' || this.#inFlight >= this.#maxInFlight) {
      const reason = status !== 'ready' ? status : 'saturated';
      const error = new RedisUnavailableError(operation, reason);
      return Promise.resolve(this.#fail({ operation, kind: 'unavailable', error }, false));
    }
    const call = { abandoned: false };
    const sent = this.#evaluate(operation, script, keys, args, call);
    this.#inFlight++;
    const done = (): void => {
      this.#inFlight--;
    };
    sent.then(done, done);
    const outcome = settleWithin(sent, this.#timeoutMs).then((settled): Outcome => {
      this.#pending.delete(outcome);
      if (settled.ok) return settled;
      if (settled.timedOut) {
        call.abandoned = true;
        const error = new RedisTimeoutError(operation, this.#timeoutMs);
        return this.#fail({ operation, kind: 'timeout', error }, true);
      }
      return this.#fail({ operation, kind: 'error', error: settled.error }, true);
    });
    this.#pending.add(outcome);
    return outcome;
  }

  /** Resolves once every call made so far has settled or timed out. */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  async #evaluate(
    operation: FleetRedisOperation,
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
    call: { abandoned: boolean },
  ): Promise<FleetView> {
    const client = this.#client;
    let reply: unknown;
    try {
      reply = await client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      // Too late: the caller went on without this call; it must not run after all.
      if (call.abandoned) throw error;
      // The EVALSHA was answered, but the connection may have dropped since.
      if (client.status !== 'ready') throw new RedisUnavailableError(operation, client.status);
      reply = await client.eval(script.source, keys.length, ...keys, ...args);
    }
    return parseReply(reply);
  }

  #fail(event: FleetRedisErrorEvent, sent: boolean): Outcome {
    this.#report(event);
    return { ok: false, sent, event };
  }
}

/** How a promise settled within a time limit. */
type Settled<T> =
  | { ok: true; value: T }
  | { ok: false; timedOut: false; error: unknown }
  | { ok: false; timedOut: true };

/**
 * Waits for `promise` at most `ms` (with an unref'd timer, cleared once it settles).
 * Never rejects; a late rejection is observed so it cannot go unhandled.
 */
function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
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
