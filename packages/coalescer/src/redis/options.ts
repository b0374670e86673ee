import {
  type Clock,
  checkClock,
  checkFunction,
  checkInteger,
  checkKnownKeys,
  checkOptions,
  checkString,
  invalidMessage,
  MAX_TIMER_MS,
} from '@breakwater/core';
import {
  checkRedisClient,
  type RedisCallOptions,
  type ResolvedRedisCallOptions,
  resolveRedisCallOptions,
} from '@breakwater/core/redis';
import type { Cluster, Redis } from 'ioredis';

/** Turns results into the strings stored in Redis and back. */
export interface CoalescerSerializer<V> {
  /** Must return a string; a throw rejects the callers with `CoalescerSerializeError`. */
  serialize(value: V): string;
  /** A throw rejects the waiting callers with `CoalescerSerializeError`. */
  deserialize(text: string): V;
}

/**
 * Options of `new RedisCoalescer(options)`; `redisTimeoutMs` and `maxInFlight` are those of
 * every Breakwater Redis store.
 */
export interface RedisCoalescerOptions<V = unknown> extends RedisCallOptions {
  /**
   * The caller's ioredis `Redis` or `Cluster`. It is never closed, and never sent a
   * command while it is not `'ready'`.
   */
  client: Redis | Cluster;
  /** Prepended to every key written to Redis. @default 'bw:coalesce:' */
  keyPrefix?: string | undefined;
  /**
   * Lifetime of the lock held while `fn` runs, in whole ms (>= 10, <= 2^31 − 1); renewed
   * every third of it while `fn` runs, so it only lapses when its holder is gone. Another
   * process takes over at most this long after the holder died.
   * @default 10000
   */
  lockTtlMs?: number | undefined;
  /**
   * Longest wait for another process's result, in whole ms (>= 1, <= 2^31 − 1); then the
   * call rejects with `CoalescerWaitTimeoutError`.
   * @default 30000
   */
  waitTimeoutMs?: number | undefined;
  /**
   * How long a settled outcome (value or error) stays in Redis for the processes waiting
   * for it, and for those that arrive meanwhile, in whole ms (>= 2 × `pollIntervalMs`,
   * <= 2^31 − 1).
   * @default 1000
   */
  resultTtlMs?: number | undefined;
  /** Pause between two looks of a waiting process, in whole ms (>= 1, <= 2^31 − 1). @default 50 */
  pollIntervalMs?: number | undefined;
  /** How results cross processes. @default JSON, with `undefined` kept */
  serializer?: CoalescerSerializer<V> | undefined;
  /** Time source in ms, for `waitTimeoutMs`. @default monotonicClock */
  clock?: Clock | undefined;
}

/** {@link RedisCoalescerOptions} validated, with their defaults. */
export interface ResolvedRedisCoalescerOptions<V> extends ResolvedRedisCallOptions {
  readonly client: Redis | Cluster;
  readonly keyPrefix: string;
  readonly lockTtlMs: number;
  readonly waitTimeoutMs: number;
  readonly resultTtlMs: number;
  readonly pollIntervalMs: number;
  readonly serializer: CoalescerSerializer<V>;
  readonly clock: Clock;
}

/** JSON, where `undefined` (a `void` function's result) is the empty string. */
export const jsonSerializer: CoalescerSerializer<unknown> = Object.freeze({
  serialize(value: unknown): string {
    if (value === undefined) return '';
    const text: unknown = JSON.stringify(value);
    if (typeof text !== 'string') throw new TypeError(`JSON cannot represent ${typeof value}`);
    return text;
  },
  deserialize: (text: string): unknown => (text === '' ? undefined : JSON.parse(text)),
});

const OPTION_KEYS = Object.keys({
  client: true,
  keyPrefix: true,
  lockTtlMs: true,
  waitTimeoutMs: true,
  resultTtlMs: true,
  pollIntervalMs: true,
  serializer: true,
  clock: true,
  redisTimeoutMs: true,
  maxInFlight: true,
} satisfies Record<keyof RedisCoalescerOptions, true>);

/**
 * Validates the options of `new RedisCoalescer(options)`.
 * @throws TypeError/RangeError naming the option, the expected range and the value received.
 */
export function resolveRedisCoalescerOptions<V>(
  options: RedisCoalescerOptions<V>,
): ResolvedRedisCoalescerOptions<V> {
  const raw = checkOptions('options', options);
  checkKnownKeys('options', raw, OPTION_KEYS);
  const client = checkRedisClient<Redis | Cluster>('client', raw.client);
  const pollIntervalMs = checkInteger('pollIntervalMs', raw.pollIntervalMs, {
    min: 1,
    max: MAX_TIMER_MS,
    default: 50,
  });
  const resultTtlMs = checkInteger('resultTtlMs', raw.resultTtlMs, {
    min: 1,
    max: MAX_TIMER_MS,
    default: 1000,
  });
  if (resultTtlMs < 2 * pollIntervalMs) {
    throw new RangeError(
      invalidMessage(
        'resultTtlMs',
        `at least 2 × \`pollIntervalMs\` (${2 * pollIntervalMs}), so that waiting processes see it`,
        resultTtlMs,
      ),
    );
  }
  return Object.freeze({
    client,
    keyPrefix: checkString('keyPrefix', raw.keyPrefix, 'bw:coalesce:'),
    lockTtlMs: checkInteger('lockTtlMs', raw.lockTtlMs, {
      min: 10,
      max: MAX_TIMER_MS,
      default: 10_000,
    }),
    waitTimeoutMs: checkInteger('waitTimeoutMs', raw.waitTimeoutMs, {
      min: 1,
      max: MAX_TIMER_MS,
      default: 30_000,
    }),
    resultTtlMs,
    pollIntervalMs,
    serializer: checkSerializer<V>(raw.serializer),
    clock: checkClock('clock', raw.clock),
    ...resolveRedisCallOptions(raw),
  });
}

function checkSerializer<V>(value: unknown): CoalescerSerializer<V> {
  if (value === undefined) return jsonSerializer as CoalescerSerializer<V>;
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(
      invalidMessage('serializer', 'an object with serialize() and deserialize()', value),
    );
  }
  const { serialize, deserialize } = value as Partial<CoalescerSerializer<V>>;
  checkFunction('serializer.serialize', serialize);
  checkFunction('serializer.deserialize', deserialize);
  return value as CoalescerSerializer<V>;
}
