import {
  checkBoolean,
  checkInteger,
  checkKnownKeys,
  checkOneOf,
  checkOptions,
  checkString,
  invalidMessage,
  Listeners,
  MAX_TIMER_MS,
  throwIfAborted,
  type Unsubscribe,
  Waiter,
} from '@breakwater/core';
import {
  checkRedisClient,
  evalScript,
  type LuaScript,
  type RedisCallOptions,
  type RedisCallStats,
  RedisCalls,
  type RedisFailureEvent,
  resolveRedisCallOptions,
} from '@breakwater/core/redis';
import type { Cluster, Redis } from 'ioredis';
import { retryMs } from '../algorithms.js';
import { RateLimitedError, RateLimiterClosedError } from '../errors.js';
import {
  type Algorithm,
  type LimitRule,
  type RateLimiterAcquireOptions,
  readAcquireOptions,
} from '../options.js';
import { RateLimiter, type RateLimitResult } from '../rate-limiter.js';
import {
  buildConsumeScript,
  buildPeekScript,
  parseScriptReply,
  type ScriptDecision,
  type ScriptRule,
} from './script.js';

/** The algorithms the Redis store runs: all of `RateLimiter`'s. */
export type RedisAlgorithm = Algorithm;

/** What to decide while Redis cannot answer (down, not ready, too slow, or an error). */
export type OutagePolicy = 'fail-open' | 'fail-closed' | 'local';

/**
 * Options of `new RedisRateLimiter(options)`; `redisTimeoutMs` (how long one decision
 * waits for Redis) and `maxInFlight` are those of every Breakwater Redis store
 * (`RedisCallOptions` of `@breakwater/core/redis`).
 */
export interface RedisRateLimiterOptions extends RedisCallOptions {
  /** An ioredis client or Cluster; never queued behind: calls are skipped unless it is ready. */
  redis: Redis | Cluster;
  /** Prefix of the Redis keys; a key's state is the string `<prefix>{<key>}`. @default 'bw:limit:' */
  prefix?: string | undefined;
  /** One limit or several, as for `RateLimiter`: a request must fit all of them. */
  limits: LimitRule | readonly LimitRule[];
  /** Any of `RateLimiter`'s algorithms, with the same decisions. @default 'gcra' */
  algorithm?: RedisAlgorithm | undefined;
  /**
   * While Redis cannot answer: `'fail-open'` allows, `'fail-closed'` denies, `'local'`
   * decides with an in-process `RateLimiter` built with the same limits. @default 'local'
   */
  outage?: OutagePolicy | undefined;
  /**
   * Remember keys Redis denied until their `retryAfterMs` and deny them (for the same or a
   * larger cost) without asking Redis. @default true
   */
  blockCache?: boolean | undefined;
  /**
   * Most requests one script call decides. Requests made in the same turn of the event
   * loop share calls: on a single Redis node any keys, on a Cluster the requests of one
   * key. `1` sends one call per request. @default 100
   */
  maxBatch?: number | undefined;
}

/** Emitted when decisions move from Redis to the outage policy and back. */
export interface OutageEvent {
  mode: 'redis' | 'outage';
  /** Why: the failure (`'unavailable: reconnecting'`, `'timeout'`, an error message) or `'recovered'`. */
  reason: string;
}

/** The Redis calls of a `RedisRateLimiter`, as named in its events. */
export type RateLimiterRedisOperation = 'consume' | 'get';

/**
 * Emitted by `onError` for every failed Redis call (skipped, timed out or answered with
 * an error), with the limiter keys whose requests it carried.
 */
export type RateLimiterRedisErrorEvent = RedisFailureEvent<RateLimiterRedisOperation> & {
  /** The keys of the requests the call carried (one call may carry several), in order. */
  keys: string[];
};

/** `RedisRateLimiter#stats()`: counters since construction, and the calls in flight now. */
export interface RedisRateLimiterStats {
  /** Every `consume`/`limit` call that got past validation. */
  decisions: number;
  /** Decisions made by the outage policy. */
  outageDecisions: number;
  /** Decisions answered from the block cache. */
  blockCacheHits: number;
  /** Script calls sent to Redis (several decisions may share one; `get` calls not included). */
  scriptCalls: number;
  /**
   * The Redis calls, as every Breakwater Redis store counts them: `errors` (failed or
   * skipped: not ready, saturated, errors, timeouts included), `timeouts` (the errors that
   * did not answer within `redisTimeoutMs`) and `inFlight` (sent and not settled, now).
   */
  redis: RedisCallStats;
}

/** The client: an ioredis `Redis` or `Cluster`. */
type RedisClient = Redis | Cluster;

type Operation = RateLimiterRedisOperation;

/** Every option, checked by the compiler against `RedisRateLimiterOptions`. */
const OPTION_KEYS = Object.keys({
  redis: true,
  prefix: true,
  limits: true,
  algorithm: true,
  redisTimeoutMs: true,
  maxInFlight: true,
  outage: true,
  blockCache: true,
  maxBatch: true,
} satisfies Record<keyof RedisRateLimiterOptions, true>);

/** Block cache entries checked for expiry per decision. */
const SWEEP_PER_CALL = 2;
/** Longest `retryAfterMs` of a `'fail-closed'` denial. */
const FAIL_CLOSED_RETRY_MS = 1_000;

/** A decision waiting for its script call. */
interface Decision {
  readonly key: string;
  readonly cost: number;
  readonly reset?: undefined;
  readonly resolve: (result: RateLimitResult) => void;
}

/** A reset waiting for its script call (cost 0 in ARGV). */
interface Reset {
  readonly key: string;
  readonly cost: 0;
  /** `true` once Redis forgot the key. */
  readonly reset: (done: boolean) => void;
}

type Request = Decision | Reset;

/** Requests that go to Redis in one script call. */
interface Batch {
  /** Distinct Redis keys (KEYS of the call). */
  readonly keys: string[];
  /** Index in `keys` of each user key of the batch. */
  readonly index: Map<string, number>;
  /**
   * ARGV: `''` (the server's clock), then runs of requests: key index (1-based), cost, and how many
   * requests in a row have that key and cost.
   */
  readonly args: Array<string | number>;
  readonly requests: Request[];
}

interface Block {
  readonly until: number;
  readonly cost: number;
  readonly limit: number;
  readonly resetAt: number;
}

/**
 * A rate limiter whose state lives in Redis, shared by every instance of a fleet. Each
 * decision is one Lua script round trip (EVALSHA, EVAL when the server lost the script)
 * evaluated on the server's clock, all-or-nothing over the key's limits exactly like the
 * in-process `RateLimiter`. A key's state is one string, `<prefix>{<key>}`, so it works
 * on Redis Cluster.
 */
export class RedisRateLimiter {
  readonly #redis: RedisCalls<RedisClient, Operation>;
  readonly #prefix: string;
  readonly #rules: readonly ScriptRule[];
  /** The decision script, built for this algorithm and these limits. */
  readonly #script: LuaScript;
  /** The read-only script of `get`. */
  readonly #peekScript: LuaScript;
  readonly #maxBatch: number;
  readonly #cluster: boolean;
  readonly #client: RedisClient;
  /** Batches still taking requests: one per key on a Cluster, one in all otherwise. */
  readonly #open = new Map<string, Batch>();
  /** Batches to send at the end of this turn of the event loop, in order. */
  #ready: Batch[] = [];
  #flushScheduled = false;
  readonly #flush = (): void => this.#sendReady();
  readonly #outage: OutagePolicy;
  readonly #blockCache: boolean;
  readonly #local: RateLimiter;
  readonly #blocks = new Map<string, Block>();
  /** Keys with a reset sent and not answered yet: how many. */
  readonly #resetting = new Map<string, number>();
  #sweep: IterableIterator<[string, Block]> | undefined;
  readonly #onOutage = new Listeners<OutageEvent>();
  readonly #onError = new Listeners<RateLimiterRedisErrorEvent>();
  /** `acquire` callers sleeping until their next attempt. */
  readonly #sleepers = new Set<Waiter<void>>();
  #closed = false;
  #mode: 'redis' | 'outage' = 'redis';
  /** When the last Redis call failed (ms, wall clock). */
  #lastFailureAt = Number.NEGATIVE_INFINITY;
  readonly #redisTimeoutMs: number;
  readonly #stats: Omit<RedisRateLimiterStats, 'redis'> = {
    decisions: 0,
    outageDecisions: 0,
    blockCacheHits: 0,
    scriptCalls: 0,
  };

  constructor(options: RedisRateLimiterOptions) {
    const raw = checkOptions('options', options);
    checkKnownKeys('options', raw, OPTION_KEYS);
    const client = checkRedisClient<RedisClient>('redis', raw.redis);
    this.#prefix = checkString('prefix', raw.prefix, 'bw:limit:');
    const calls = resolveRedisCallOptions(raw);
    this.#outage = checkOneOf('outage', raw.outage, ['fail-open', 'fail-closed', 'local'], 'local');
    this.#blockCache = checkBoolean('blockCache', raw.blockCache, true);
    this.#maxBatch = checkInteger('maxBatch', raw.maxBatch, { min: 1, max: 1_000, default: 100 });
    const algorithm = checkOneOf(
      'algorithm',
      raw.algorithm,
      ['gcra', 'token-bucket', 'sliding-window', 'fixed-window'],
      'gcra',
    );
    // Validates `limits` with the very same messages.
    this.#local = new RateLimiter({ limits: raw.limits as LimitRule, algorithm });
    const list = (Array.isArray(raw.limits) ? raw.limits : [raw.limits]) as LimitRule[];
    this.#rules = Object.freeze(
      list.map((rule) =>
        Object.freeze({
          limit: rule.limit,
          windowMs: rule.windowMs,
          burst: rule.burst ?? rule.limit,
        }),
      ),
    );
    this.#script = buildConsumeScript(algorithm, this.#rules);
    this.#peekScript = buildPeekScript(algorithm, this.#rules);
    this.#cluster = client.isCluster === true;
    this.#client = client;
    this.#redisTimeoutMs = calls.redisTimeoutMs;
    this.#redis = new RedisCalls(client, calls);
  }

  /** The decision script this limiter runs (built for its algorithm and limits). */
  get script(): LuaScript {
    return this.#script;
  }

  /** The largest cost any request could ever be allowed. */
  get maxCost(): number {
    return this.#local.maxCost;
  }

  /**
   * Decides one request of `cost` units for `key` and consumes them if allowed: one Redis
   * round trip, or the outage policy when Redis cannot answer within `redisTimeoutMs`. Never
   * rejects for "limited" (check `allowed`) nor for Redis failures.
   * @throws TypeError/RangeError (as a rejection) for an empty key or a bad cost;
   *   RateLimiterClosedError after `close()`.
   */
  consume(key: string, cost = 1): Promise<RateLimitResult> {
    try {
      this.#check(key, cost);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closed) return Promise.reject(new RateLimiterClosedError());
    this.#stats.decisions++;
    if (this.#blockCache) {
      const now = Date.now();
      this.#sweepSome(now);
      const block = this.#blocks.get(key);
      if (block !== undefined) {
        if (block.until > now && cost >= block.cost) {
          this.#stats.blockCacheHits++;
          return Promise.resolve({
            allowed: false,
            limit: block.limit,
            remaining: 0,
            retryAfterMs: block.until - now,
            resetAfterMs: Math.max(0, block.resetAt - now),
          });
        }
        if (block.until <= now) this.#blocks.delete(key);
      }
    }
    return new Promise((resolve) => this.#enqueue({ key, cost, resolve }));
  }

  /** Adds a request to the open batch of its group; batches go out at the end of this turn. */
  #enqueue(request: Request): void {
    const group = this.#cluster ? request.key : '';
    let batch = this.#open.get(group);
    if (batch === undefined || batch.requests.length >= this.#maxBatch) {
      // ARGV[1] empty: the server's clock.
      batch = { keys: [], index: new Map(), args: [''], requests: [] };
      this.#open.set(group, batch);
      this.#ready.push(batch);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        process.nextTick(this.#flush);
      }
    }
    let index = batch.index.get(request.key);
    if (index === undefined) {
      index = batch.keys.push(this.#hashKey(request.key));
      batch.index.set(request.key, index);
    }
    const { args } = batch;
    const last = args.length - 1;
    if (args[last - 2] === index && args[last - 1] === request.cost && batch.requests.length > 0) {
      (args[last] as number)++;
    } else {
      args.push(index, request.cost, 1);
    }
    batch.requests.push(request);
  }

  /** Sends every batch made in this turn, in order. */
  #sendReady(): void {
    this.#flushScheduled = false;
    const ready = this.#ready;
    this.#ready = [];
    this.#open.clear();
    // Several script calls (more requests than `maxBatch`) on one connection: its socket is
    // corked while they are written, so they leave in one write instead of one each.
    const stream = ready.length > 1 && !this.#cluster ? (this.#client as Redis).stream : undefined;
    if (typeof stream?.cork !== 'function') {
      for (const batch of ready) this.#send(batch);
      return;
    }
    stream.cork();
    try {
      for (const batch of ready) this.#send(batch);
    } finally {
      stream.uncork();
    }
  }

  #send(batch: Batch): void {
    const { requests } = batch;
    void this.#redis
      .run('consume', async (client, call) => {
        // Only calls actually sent count; the guard skips them while Redis is not ready.
        this.#stats.scriptCalls++;
        const reply = await evalScript(
          client,
          'consume',
          this.#script,
          batch.keys,
          batch.args,
          call,
        );
        return parseScriptReply(reply, requests.length, this.#rules.length);
      })
      .then((outcome) => {
        if (outcome.ok) this.#recovered();
        else this.#fail(outcome.event, batch);
        // In call order: a reset forgets what the requests before it left behind.
        for (let i = 0; i < requests.length; i++) {
          const request = requests[i]!;
          if (request.reset !== undefined) {
            this.#forget(request.key);
            request.reset(outcome.ok);
          } else if (outcome.ok) {
            request.resolve(this.#result(request, outcome.value[i]!));
          } else {
            this.#stats.outageDecisions++;
            request.resolve(this.#decideLocally(request.key, request.cost));
          }
        }
      });
  }

  #result(request: Decision, decision: ScriptDecision): RateLimitResult {
    const result: RateLimitResult = {
      allowed: decision.allowed,
      limit: this.#rules[decision.rule]!.limit,
      remaining: decision.remaining,
      retryAfterMs: decision.retryAfterMs,
      resetAfterMs: decision.resetAfterMs,
    };
    // Not while a reset of the key made after this request is on its way.
    if (
      !result.allowed &&
      this.#blockCache &&
      result.retryAfterMs > 0 &&
      !this.#resetting.has(request.key)
    ) {
      const now = Date.now();
      this.#blocks.set(request.key, {
        until: now + result.retryAfterMs,
        cost: request.cost,
        limit: result.limit,
        resetAt: now + result.resetAfterMs,
      });
    }
    return result;
  }

  /**
   * Like `consume`, but rejects when limited.
   * @throws RateLimitedError with `retryAfterMs` when the request does not fit.
   */
  async limit(key: string, cost = 1): Promise<RateLimitResult> {
    const result = await this.consume(key, cost);
    if (!result.allowed) throw new RateLimitedError(key, result);
    return result;
  }

  /**
   * Waits until `cost` units of `key` are allowed, then takes them: decides, and when
   * denied sleeps for the `retryAfterMs` Redis reported (at least 1 ms) and asks again.
   * Callers are not queued: instances across a fleet compete, so there is no arrival
   * order to keep, and a waiting caller holds no Redis call open.
   * @throws RateLimitedError when the wait would exceed `maxWaitMs`; `signal.reason`
   *   when aborted; TypeError/RangeError for bad options, a bad key or cost;
   *   RateLimiterClosedError after `close()`, or when it closes while waiting.
   */
  async acquire(key: string, options?: RateLimiterAcquireOptions): Promise<RateLimitResult> {
    const { cost, signal, maxWaitMs } = readAcquireOptions(options);
    this.#check(key, cost);
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      throwIfAborted(signal);
      const result = await this.consume(key, cost);
      if (result.allowed) return result;
      throwIfAborted(signal);
      if (Date.now() + result.retryAfterMs > deadline) throw new RateLimitedError(key, result);
      await this.#sleep(
        Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(result.retryAfterMs))),
        signal,
      );
    }
  }

  /** Waits `ms` before the next attempt of `acquire`; `close()` ends the wait. */
  #sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    // `close()` came while this caller's decision was on its way.
    if (this.#closed) return Promise.reject(new RateLimiterClosedError());
    const wait: Waiter<void> = new Waiter<void>({
      signal,
      onAbort: () => this.#sleepers.delete(wait),
      timeoutMs: ms,
      onTimeout: () => {
        this.#sleepers.delete(wait);
        wait.resolve();
      },
    });
    this.#sleepers.add(wait);
    return wait.promise;
  }

  /**
   * A key's state in Redis now, without taking anything: `allowed` and `retryAfterMs` are
   * what `consume(key)` (cost 1) would decide; `limit`, `remaining` and `resetAfterMs`
   * describe the key before that request — as `RateLimiter#get` reports them. One Redis
   * round trip of a read-only script (it writes nothing, not even a TTL), after the
   * requests made before it; while Redis cannot answer, the outage policy's view
   * (`'local'`: the local fallback's `get`). Works after `close()`; never rejects for
   * Redis failures.
   * @throws TypeError/RangeError (as a rejection) for an empty key.
   */
  async get(key: string): Promise<RateLimitResult> {
    this.#check(key, 1);
    // Requests made before this call go out first, so the answer includes them.
    if (this.#flushScheduled) this.#sendReady();
    // ARGV: the server's clock, then a request of cost 0 and one of cost 1 for KEYS[1].
    const outcome = await this.#redis.run('get', async (client, call) => {
      const reply = await evalScript(
        client,
        'get',
        this.#peekScript,
        [this.#hashKey(key)],
        ['', 1, 0, 1, 1, 1, 1],
        call,
      );
      return parseScriptReply(reply, 2, this.#rules.length);
    });
    if (!outcome.ok) {
      this.#fail(outcome.event, key);
      return this.#outage === 'local' ? this.#local.get(key) : this.#decideLocally(key, 0);
    }
    this.#recovered();
    const [now, next] = outcome.value as [ScriptDecision, ScriptDecision];
    return {
      allowed: next.allowed,
      limit: this.#rules[now.rule]!.limit,
      remaining: now.remaining,
      retryAfterMs: next.retryAfterMs,
      resetAfterMs: now.resetAfterMs,
    };
  }

  /**
   * Forgets `key` in Redis, in the block cache and in the local fallback, after every
   * request made before it: it is sent in the script call of its turn, in call order (so
   * an `EVAL` after `NOSCRIPT` keeps that order too). Resolves `true` once Redis forgot
   * it, `false` when Redis could not be reached; never rejects for Redis failures.
   * @throws RateLimiterClosedError (as a rejection) after `close()`.
   */
  async reset(key: string): Promise<boolean> {
    this.#check(key, 1);
    if (this.#closed) throw new RateLimiterClosedError();
    this.#blocks.delete(key);
    this.#resetting.set(key, (this.#resetting.get(key) ?? 0) + 1);
    return new Promise<boolean>((reset) => this.#enqueue({ key, cost: 0, reset }));
  }

  /** A reset's turn in the order of answers: the block cache and the local fallback forget `key`. */
  #forget(key: string): void {
    const pending = this.#resetting.get(key)!;
    if (pending > 1) this.#resetting.set(key, pending - 1);
    else this.#resetting.delete(key);
    this.#blocks.delete(key);
    this.#local.reset(key);
  }

  /**
   * Calls `listener` whenever decisions move to the outage policy or back; returns an
   * unsubscribe function that is also `Disposable`. A listener that throws does not
   * disturb the limiter nor the other listeners; its error is rethrown asynchronously
   * (an `uncaughtException`).
   * @throws TypeError when `listener` is not a function.
   */
  onOutage(listener: (event: OutageEvent) => void): Unsubscribe {
    return this.#onOutage.on(listener);
  }

  /**
   * Calls `listener` with every failed Redis call: skipped (`'unavailable'`: the client is
   * not ready, or `maxInFlight` calls are unsettled), timed out (`'timeout'`) or answered
   * with an error (`'error'`), as every Breakwater Redis store reports them, with the keys
   * of the requests it carried. Each is counted in `stats().redis.errors`. A listener that
   * throws does not disturb the limiter nor the other listeners; its error is rethrown
   * asynchronously (an `uncaughtException`).
   * @throws TypeError when `listener` is not a function.
   */
  onError(listener: (event: RateLimiterRedisErrorEvent) => void): Unsubscribe {
    return this.#onError.on(listener);
  }

  /** `'outage'` while the last Redis call failed. */
  get mode(): 'redis' | 'outage' {
    return this.#mode;
  }

  /** A snapshot of the counters. */
  stats(): RedisRateLimiterStats {
    const { decisions, outageDecisions, blockCacheHits, scriptCalls } = this.#stats;
    return {
      decisions,
      outageDecisions,
      blockCacheHits,
      scriptCalls,
      redis: this.#redis.stats(),
    };
  }

  /**
   * Stops the limiter: requests already made are sent and settled (each Redis call waits
   * at most `redisTimeoutMs`, then the outage policy answers), callers of `acquire`
   * waiting for their next attempt reject with `RateLimiterClosedError`, and later
   * `consume`, `limit`, `acquire` and `reset` calls are refused with it. `get`, `mode` and
   * `stats()` keep working. The client is the caller's: it is not closed. Calling it again
   * is harmless and resolves once the same calls have settled.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      const error = new RateLimiterClosedError();
      for (const sleeper of this.#sleepers) sleeper.reject(error);
      this.#sleepers.clear();
      if (this.#flushScheduled) this.#sendReady();
    }
    // The local fallback owns no timers nor waiters: nothing to close there.
    await this.#redis.drain();
  }

  /** Calls `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  #hashKey(key: string): string {
    return `${this.#prefix}{${key}}`;
  }

  #check(key: string, cost: number): void {
    if (typeof key !== 'string')
      throw new TypeError(invalidMessage('key', 'a non-empty string', key));
    if (key === '') throw new RangeError(invalidMessage('key', 'a non-empty string', key));
    if (cost !== 1) {
      if (typeof cost !== 'number')
        throw new TypeError(invalidMessage('cost', 'a positive integer', cost));
      if (!Number.isInteger(cost) || cost < 1 || cost > this.maxCost) {
        throw new RangeError(
          invalidMessage(
            'cost',
            `an integer in [1, ${this.maxCost}] (it could never be allowed)`,
            cost,
          ),
        );
      }
    }
  }

  /**
   * A Redis call failed (counted by the guarded client): it is reported, and decisions go
   * to the outage policy.
   */
  #fail(failure: RedisFailureEvent<Operation>, carried: Batch | string): void {
    if (this.#onError.active) {
      const keys = typeof carried === 'string' ? [carried] : [...carried.index.keys()];
      this.#onError.emit({ ...failure, keys });
    }
    this.#lastFailureAt = Date.now();
    if (this.#mode === 'redis') {
      const reason =
        failure.kind === 'unavailable'
          ? `unavailable: ${failure.error.reason}`
          : failure.kind === 'timeout'
            ? 'timeout'
            : failure.error instanceof Error
              ? failure.error.message
              : String(failure.error);
      this.#setMode('outage', reason);
    }
  }

  /**
   * A call succeeded. Back to `'redis'` only once no call has failed for `redisTimeoutMs`: while
   * part of Redis fails (a dead Cluster node), successes and failures interleave, and the
   * mode stays `'outage'` instead of flapping with an event per call.
   */
  #recovered(): void {
    if (this.#mode === 'outage' && Date.now() - this.#lastFailureAt >= this.#redisTimeoutMs) {
      this.#setMode('redis', 'recovered');
    }
  }

  #setMode(mode: 'redis' | 'outage', reason: string): void {
    this.#mode = mode;
    if (this.#onOutage.active) this.#onOutage.emit({ mode, reason });
  }

  #decideLocally(key: string, cost: number): RateLimitResult {
    if (this.#outage === 'local') return this.#local.consume(key, cost);
    let rule = this.#rules[0]!;
    for (const r of this.#rules) if (r.limit < rule.limit) rule = r;
    if (this.#outage === 'fail-open') {
      return {
        allowed: true,
        limit: rule.limit,
        remaining: Math.max(0, rule.limit - cost),
        retryAfterMs: 0,
        resetAfterMs: 0,
      };
    }
    const retryAfterMs = Math.min(FAIL_CLOSED_RETRY_MS, retryMs(rule.windowMs));
    return {
      allowed: false,
      limit: rule.limit,
      remaining: 0,
      retryAfterMs,
      resetAfterMs: retryAfterMs,
    };
  }

  /** Drops a couple of expired block cache entries; O(1) per decision. */
  #sweepSome(now: number): void {
    for (let n = 0; n < SWEEP_PER_CALL; n++) {
      this.#sweep ??= this.#blocks.entries();
      const next = this.#sweep.next();
      if (next.done === true) {
        this.#sweep = undefined;
        return;
      }
      const [key, block] = next.value;
      if (block.until <= now) this.#blocks.delete(key);
    }
  }
}
