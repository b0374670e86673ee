import { MAX_TIMER_MS } from '../timers.js';
import { checkInteger, checkNumber } from '../validate.js';
import type { RedisTimeoutError, RedisUnavailableError } from './errors.js';
import { evalScript, type LuaScript, type RedisScriptClient } from './lua-script.js';
import { RedisGuard, type RedisGuardCall, type RedisGuardFailure } from './redis-guard.js';

/** The options every Breakwater Redis store takes for its calls to Redis. */
export interface RedisCallOptions {
  /**
   * Longest wait for any one Redis call, in ms (more than 0, at most 2^31 − 1, the longest
   * Node.js timer); the store then goes on without it. @default 200
   */
  redisTimeoutMs?: number | undefined;
  /**
   * Most Redis calls the store may have sent and not yet seen settle (timed-out ones
   * included), an integer >= 1; beyond it calls are skipped as unavailable. Bounds what
   * can pile up in the client when Redis hangs without dropping the connection.
   * @default 1000
   */
  maxInFlight?: number | undefined;
}

/** {@link RedisCallOptions} with their defaults applied. */
export interface ResolvedRedisCallOptions {
  readonly redisTimeoutMs: number;
  readonly maxInFlight: number;
}

/** The defaults of {@link RedisCallOptions}. */
export const REDIS_CALL_DEFAULTS: ResolvedRedisCallOptions = Object.freeze({
  redisTimeoutMs: 200,
  maxInFlight: 1000,
});

/**
 * Validates `redisTimeoutMs` and `maxInFlight` of a store's options, applying the defaults.
 * @throws TypeError/RangeError naming the option.
 */
export function resolveRedisCallOptions(raw: {
  redisTimeoutMs?: unknown;
  maxInFlight?: unknown;
}): ResolvedRedisCallOptions {
  return Object.freeze({
    redisTimeoutMs: checkNumber('redisTimeoutMs', raw.redisTimeoutMs, {
      min: 0,
      exclusiveMin: true,
      max: MAX_TIMER_MS,
      default: REDIS_CALL_DEFAULTS.redisTimeoutMs,
    }),
    maxInFlight: checkInteger('maxInFlight', raw.maxInFlight, {
      min: 1,
      default: REDIS_CALL_DEFAULTS.maxInFlight,
    }),
  });
}

/** A failed Redis call, as a store reports it; `kind` tells the cases apart. */
export type RedisFailureEvent<Operation extends string = string> =
  | {
      operation: Operation;
      /** The call did not settle within `redisTimeoutMs`. */
      kind: 'timeout';
      error: RedisTimeoutError<Operation>;
    }
  | {
      operation: Operation;
      /** Not sent: the client was not `'ready'`, or `maxInFlight` calls were unsettled. */
      kind: 'unavailable';
      error: RedisUnavailableError<Operation>;
    }
  | {
      operation: Operation;
      /** Redis (or the client) answered with an error, or the reply could not be read. */
      kind: 'error';
      error: unknown;
    };

/** How a call of {@link RedisCalls} ended; it never rejects. `sent: false`: Redis never saw it. */
export type RedisOutcome<T, Operation extends string = string> =
  | { ok: true; value: T }
  | { ok: false; sent: boolean; event: RedisFailureEvent<Operation> };

/** The counters of a store's Redis calls. */
export interface RedisCallStats {
  /** Failed Redis calls of every kind, timeouts and skipped (unavailable) calls included. */
  errors: number;
  /** The calls among `errors` that exceeded `redisTimeoutMs`. */
  timeouts: number;
  /** Calls sent and not settled yet in the client, timed-out ones included. */
  inFlight: number;
}

function toEvent<Operation extends string>(
  failure: RedisGuardFailure<Operation>,
): RedisOutcome<never, Operation> {
  const { sent, ...event } = failure;
  return { ok: false, sent, event };
}

/**
 * A store's calls to its Redis client: each goes through a {@link RedisGuard} (sent only
 * while `'ready'` and under `maxInFlight`, waited for at most `redisTimeoutMs`, never
 * thrown), scripts with the `NOSCRIPT` fallback of {@link evalScript}, and every failure
 * counted. The outcome carries the failure as an event, for the store to label and emit.
 */
export class RedisCalls<
  Client extends RedisScriptClient = RedisScriptClient,
  Operation extends string = string,
> {
  readonly #guard: RedisGuard<Client, Operation>;
  #errors = 0;
  #timeouts = 0;

  constructor(client: Client, options: ResolvedRedisCallOptions) {
    this.#guard = new RedisGuard(client, options.redisTimeoutMs, options.maxInFlight);
  }

  /** Runs `command` if it may be sent now. Never rejects; a failure is counted. */
  run<T>(
    operation: Operation,
    command: (client: Client, call: RedisGuardCall) => Promise<T>,
  ): Promise<RedisOutcome<T, Operation>> {
    return this.#guard.run(operation, command, this.#failed);
  }

  /** Runs `script` like {@link run}, with {@link evalScript}. */
  eval(
    operation: Operation,
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<RedisOutcome<unknown, Operation>> {
    return this.#guard.run(
      operation,
      (client, call) => evalScript(client, operation, script, keys, args, call),
      this.#failed,
    );
  }

  /** Counts a failure that happened outside these calls (e.g. on another connection). */
  count(event: { readonly kind: string }): void {
    this.#errors++;
    if (event.kind === 'timeout') this.#timeouts++;
  }

  /** A snapshot of the counters. */
  stats(): RedisCallStats {
    return { errors: this.#errors, timeouts: this.#timeouts, inFlight: this.#guard.inFlight };
  }

  /** Resolves once every call made so far has settled or timed out. */
  drain(): Promise<void> {
    return this.#guard.drain();
  }

  readonly #failed = (failure: RedisGuardFailure<Operation>): RedisOutcome<never, Operation> => {
    this.count(failure);
    return toEvent(failure);
  };
}
