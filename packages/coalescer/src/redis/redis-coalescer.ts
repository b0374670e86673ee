import { randomUUID } from 'node:crypto';
import {
  type Clock,
  invalidMessage,
  Listeners,
  promiseTry,
  sleep,
  type Unsubscribe,
} from '@breakwater/core';
import {
  type RedisCallStats,
  RedisCalls,
  type RedisFailureEvent,
  type RedisOutcome,
} from '@breakwater/core/redis';
import type { Cluster, Redis } from 'ioredis';
import { Coalescer } from '../coalescer.js';
import {
  CoalescerLockLostError,
  CoalescerRemoteError,
  type CoalescerRemoteErrorInfo,
  CoalescerSerializeError,
  CoalescerWaitTimeoutError,
} from '../errors.js';
import { keyString } from '../key.js';
import type { CoalescerRunOptions } from '../options.js';
import {
  type CoalescerSerializer,
  type RedisCoalescerOptions,
  resolveRedisCoalescerOptions,
} from './options.js';
import { hashTagged } from './redis-key.js';
import { ACQUIRE, RELEASE, RENEW, STORE } from './scripts.js';

/** The Redis calls of a `RedisCoalescer`, as named in its events. */
export type CoalescerRedisOperation = 'acquire' | 'renew' | 'store' | 'release';

/** Emitted when a call ran `fn` in this process because Redis could not be used. */
export type CoalescerFallbackEvent = RedisFailureEvent<CoalescerRedisOperation> & {
  /** The coalesced key, as a string. */
  key: string;
};

/** Emitted for every failed Redis call (skipped, timed out or answered with an error). */
export type CoalescerRedisErrorEvent = RedisFailureEvent<CoalescerRedisOperation> & {
  /** The coalesced key, as a string. */
  key: string;
};

/** `RedisCoalescer#stats()`: counters since construction, and gauges of now. */
export interface RedisCoalescerStats {
  /** `run` calls accepted (valid, and made before `close()`), aborted ones included. */
  calls: number;
  /** Calls that joined an execution of this process already in flight. */
  joined: number;
  /** Calls that rejected with their own `signal.reason`. */
  aborted: number;
  /** Calls refused without running because the coalescer was closed. */
  rejected: number;
  /** Times this process ran a `fn`: as the lock holder, or as a fallback. */
  executions: number;
  /** Executions of this process that took the lock in Redis. */
  locked: number;
  /** Executions of this process that ran without Redis (an outage, a failed call). */
  fallbacks: number;
  /** Outcomes this process read from Redis, produced by another process. */
  remote: number;
  /** Waits for another process that passed `waitTimeoutMs`. */
  timeouts: number;
  /** Gauge: executions (or waits for another process) in flight in this process. */
  inFlight: number;
  /** The Redis calls: failed or skipped, timed out (a subset), and sent not settled now. */
  redis: RedisCallStats;
}

/** A settled outcome, as the holder records it. */
type Outcome<V> = { ok: true; value: V } | { ok: false; error: unknown };

/** Prefixes of the records stored under a result key. */
const VALUE = 'v';
const ERROR = 'e';
const UNSERIALIZABLE = 'u';

/**
 * Coalesces calls by key across processes through Redis (a single node or a Cluster).
 * Within a process, calls coalesce as with `Coalescer`; across processes, the first takes
 * a lock in Redis and runs `fn`, the others wait for its outcome. When Redis cannot be
 * used, `fn` runs in this process and `onFallback` is emitted.
 */
export class RedisCoalescer<K = string, V = unknown> implements AsyncDisposable {
  readonly #local = new Coalescer<string, V>();
  readonly #calls: RedisCalls<Redis | Cluster, CoalescerRedisOperation>;
  readonly #prefix: string;
  readonly #lockTtlMs: number;
  readonly #waitTimeoutMs: number;
  readonly #resultTtlMs: number;
  readonly #pollIntervalMs: number;
  readonly #serializer: CoalescerSerializer<V>;
  readonly #clock: Clock;
  readonly #onFallback = new Listeners<CoalescerFallbackEvent>();
  readonly #onError = new Listeners<CoalescerRedisErrorEvent>();
  #executions = 0;
  #locked = 0;
  #fallbacks = 0;
  #remote = 0;
  #timeouts = 0;
  #closing: Promise<void> | undefined;
  /** Every `#execute` not settled yet, cancelled ones included: what `close()` waits for. */
  readonly #running = new Set<Promise<V>>();

  /** @throws TypeError/RangeError for an invalid option, naming it. */
  constructor(options: RedisCoalescerOptions<V>) {
    const resolved = resolveRedisCoalescerOptions(options);
    this.#calls = new RedisCalls(resolved.redis, resolved);
    this.#prefix = resolved.prefix;
    this.#lockTtlMs = resolved.lockTtlMs;
    this.#waitTimeoutMs = resolved.waitTimeoutMs;
    this.#resultTtlMs = resolved.resultTtlMs;
    this.#pollIntervalMs = resolved.pollIntervalMs;
    this.#serializer = resolved.serializer;
    this.#clock = resolved.clock;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#local.closed;
  }

  /**
   * Runs `fn` for `key` once across the processes sharing Redis: joins this process's
   * execution in flight, or waits for another process's, or takes the lock and runs it.
   * Rejects like `Coalescer#run`, and also with `CoalescerWaitTimeoutError` (another
   * process's result did not come within `waitTimeoutMs`), `CoalescerRemoteError` (it
   * failed there) and `CoalescerSerializeError` (the result could not cross processes).
   */
  run(
    key: K,
    fn: (signal: AbortSignal) => V | PromiseLike<V>,
    options?: CoalescerRunOptions,
  ): Promise<V> {
    let id: string;
    try {
      if (typeof fn !== 'function') throw new TypeError(invalidMessage('fn', 'a function', fn));
      id = typeof key === 'string' ? key : keyString(key);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#local.run(id, (signal) => this.#track(this.#execute(id, fn, signal)), options);
  }

  /**
   * Called with every call that ran `fn` without Redis. A listener that throws does not
   * disturb the coalescer; its error is rethrown asynchronously.
   */
  onFallback(listener: (event: CoalescerFallbackEvent) => void): Unsubscribe {
    return this.#onFallback.on(listener);
  }

  /**
   * Called with every failed Redis call, and with a `'renew'` failure of kind `'error'`
   * carrying `CoalescerLockLostError` when a renewal finds the lock taken away while `fn`
   * runs (another process may then run `fn` too). A listener that throws does not disturb the
   * coalescer; its error is rethrown asynchronously.
   */
  onError(listener: (event: CoalescerRedisErrorEvent) => void): Unsubscribe {
    return this.#onError.on(listener);
  }

  /** A fresh snapshot of the counters and gauges. */
  stats(): RedisCoalescerStats {
    const local = this.#local.stats();
    return {
      calls: local.calls,
      joined: local.joined,
      aborted: local.aborted,
      rejected: local.rejected,
      executions: this.#executions,
      locked: this.#locked,
      fallbacks: this.#fallbacks,
      remote: this.#remote,
      timeouts: this.#timeouts,
      inFlight: local.inFlight,
      redis: this.#calls.stats(),
    };
  }

  /**
   * Closes the coalescer: new calls reject with `CoalescerClosedError`; resolves once the
   * calls in flight have settled for their callers (a wait for another process is bounded
   * by `waitTimeoutMs`, each caller by its own signal), every execution whose callers all
   * aborted has ended (renewing its lock until its `fn` settles, then releasing it: a `fn`
   * that ignores its aborted signal delays `close()` until it settles), and every Redis
   * call sent has settled or timed out. Nothing is sent to Redis after it resolves. The
   * client is not closed. Calling it again returns the same wait.
   */
  close(): Promise<void> {
    this.#closing ??= this.#local
      .close()
      .then(() => Promise.allSettled(this.#running))
      .then(() => this.#calls.drain());
    return this.#closing;
  }

  /** Calls {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Keeps `execution` in `#running` until it settles. */
  #track(execution: Promise<V>): Promise<V> {
    const running = this.#running;
    running.add(execution);
    const done = (): void => {
      running.delete(execution);
    };
    execution.then(done, done);
    return execution;
  }

  /**
   * Takes the lock and runs `fn`, or reads the outcome of another process. `signal` aborts
   * when every caller has left: after each Redis call it is checked, so that nothing runs
   * for nobody and a lock just taken is given back.
   */
  async #execute(
    id: string,
    fn: (signal: AbortSignal) => V | PromiseLike<V>,
    signal: AbortSignal,
  ): Promise<V> {
    const keys = hashTagged(this.#prefix, id);
    const token = randomUUID();
    const deadline = this.#clock.now() + this.#waitTimeoutMs;
    for (;;) {
      const outcome = await this.#calls.eval(
        'acquire',
        ACQUIRE,
        [keys.lock, keys.result],
        [token, this.#lockTtlMs],
      );
      if (!outcome.ok) {
        this.#failed(id, outcome);
        if (signal.aborted) throw signal.reason;
        return this.#fallback(id, fn, signal, outcome.event);
      }
      const reply = outcome.value as [number, string?];
      if (signal.aborted) {
        if (reply[0] === 2) {
          this.#failed(id, await this.#calls.eval('release', RELEASE, [keys.lock], [token]));
        }
        throw signal.reason;
      }
      if (reply[0] === 1) {
        this.#remote++;
        return this.#decode(id, String(reply[1]));
      }
      if (reply[0] === 2) return this.#hold(id, keys, token, fn, signal);
      const left = deadline - this.#clock.now();
      if (left <= 0) {
        this.#timeouts++;
        throw new CoalescerWaitTimeoutError(id, this.#waitTimeoutMs);
      }
      await sleep(Math.min(this.#pollIntervalMs, Math.ceil(left)), signal);
    }
  }

  /** Runs `fn` while holding the lock, then stores its outcome and releases the lock. */
  async #hold(
    id: string,
    keys: { lock: string; result: string },
    token: string,
    fn: (signal: AbortSignal) => V | PromiseLike<V>,
    signal: AbortSignal,
  ): Promise<V> {
    this.#executions++;
    this.#locked++;
    let lost = false;
    const renew = setInterval(
      () => {
        void this.#calls
          .eval('renew', RENEW, [keys.lock], [token, this.#lockTtlMs])
          .then((outcome) => {
            if (!outcome.ok) return this.#failed(id, outcome);
            // 0: the token no longer holds the lock. Told once; renewing is pointless.
            if (outcome.value !== 0 || lost) return;
            lost = true;
            clearInterval(renew);
            if (this.#onError.active) {
              const error = new CoalescerLockLostError(id);
              this.#onError.emit({ operation: 'renew', kind: 'error', error, key: id });
            }
          });
      },
      Math.floor(this.#lockTtlMs / 3),
    );
    renew.unref();
    let outcome: Outcome<V>;
    try {
      outcome = { ok: true, value: await promiseTry(fn, signal) };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      clearInterval(renew);
    }
    if (signal.aborted) {
      // Every caller left: nothing to share. Free the lock for a process still waiting.
      this.#failed(id, await this.#calls.eval('release', RELEASE, [keys.lock], [token]));
      return settle(outcome);
    }
    let record: string;
    let unserializable: CoalescerSerializeError | undefined;
    if (outcome.ok) {
      try {
        const text: unknown = this.#serializer.serialize(outcome.value);
        if (typeof text !== 'string') {
          throw new TypeError(`serialize() returned ${typeof text}, not a string`);
        }
        record = VALUE + text;
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        unserializable = new CoalescerSerializeError(id, 'serialize', detail, { cause: error });
        record = UNSERIALIZABLE + detail;
      }
    } else {
      record = ERROR + JSON.stringify(describeError(outcome.error));
    }
    const stored = await this.#calls.eval(
      'store',
      STORE,
      [keys.lock, keys.result],
      [token, record, this.#resultTtlMs],
    );
    this.#failed(id, stored);
    if (unserializable !== undefined) throw unserializable;
    return settle(outcome);
  }

  /** Runs `fn` here, without Redis. */
  #fallback(
    id: string,
    fn: (signal: AbortSignal) => V | PromiseLike<V>,
    signal: AbortSignal,
    event: RedisFailureEvent<CoalescerRedisOperation>,
  ): Promise<V> {
    this.#executions++;
    this.#fallbacks++;
    if (this.#onFallback.active) this.#onFallback.emit({ ...event, key: id });
    return promiseTry(fn, signal);
  }

  /** Turns a record written by another process back into its outcome. */
  #decode(id: string, record: string): V {
    const body = record.slice(1);
    switch (record[0]) {
      case VALUE:
        try {
          return this.#serializer.deserialize(body);
        } catch (error) {
          const detail = error instanceof Error ? error.message : String(error);
          throw new CoalescerSerializeError(id, 'deserialize', detail, { cause: error });
        }
      case ERROR:
        throw new CoalescerRemoteError(id, readErrorInfo(body));
      case UNSERIALIZABLE:
        throw new CoalescerSerializeError(id, 'serialize', body);
      default:
        throw new CoalescerSerializeError(id, 'deserialize', 'unknown record');
    }
  }

  /** Emits a failed call's event; a success passes by. */
  #failed(id: string, outcome: RedisOutcome<unknown, CoalescerRedisOperation>): void {
    if (!outcome.ok && this.#onError.active) {
      this.#onError.emit({ ...outcome.event, key: id });
    }
  }
}

function settle<V>(outcome: Outcome<V>): V {
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}

function describeError(error: unknown): CoalescerRemoteErrorInfo {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      code: typeof code === 'string' ? code : undefined,
    };
  }
  return { name: 'Error', message: String(error), code: undefined };
}

function readErrorInfo(text: string): CoalescerRemoteErrorInfo {
  try {
    const info = JSON.parse(text) as Partial<CoalescerRemoteErrorInfo>;
    return {
      name: String(info.name),
      message: String(info.message),
      code: typeof info.code === 'string' ? info.code : undefined,
    };
  } catch {
    return { name: 'Error', message: text, code: undefined };
  }
}
