import {
  type Clock,
  checkClock,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkString,
  describeValue,
  invalidMessage,
  MAX_TIMER_MS,
  wallClock,
} from '@breakwater/core';
import {
  checkRedisClient,
  type RedisCallOptions,
  type RedisClient,
  type ResolvedRedisCallOptions,
  resolveRedisCallOptions,
} from '@breakwater/core/redis';
import {
  type CircuitBreakerOptions,
  checkBucketWidth,
  longestOpenMs,
  type ResolvedBreakerOptions,
  resolveBreakerOptions,
} from '../options.js';

/** The caller's ioredis `Redis` or `Cluster` (the one client type of every Breakwater Redis store). */
export type { RedisClient };

/** The window of a fleet breaker: always a time window, its buckets shared through Redis. */
export interface FleetWindowOptions {
  type: 'time';
  /**
   * Length of the window in ms, at least `buckets` (each bucket spans at least 1 ms), at
   * most 2^31 − 1.
   */
  durationMs: number;
  /** Buckets the window is cut into, 1 to 100; each is one hash in Redis. @default 10 */
  buckets?: number | undefined;
}

/**
 * Options of `new FleetCircuitBreaker(options)`; `redisTimeoutMs` and `maxInFlight` are
 * those of every Breakwater Redis store (`RedisCallOptions` of `@breakwater/core/redis`).
 * `redisTimeoutMs` bounds each Redis call, after which the breaker goes on locally.
 */
export interface FleetCircuitBreakerOptions
  extends RedisCallOptions,
    Pick<
      CircuitBreakerOptions,
      | 'slowCallRateThreshold'
      | 'slowCallDurationMs'
      | 'minimumCalls'
      | 'openDurationMs'
      | 'timeoutMs'
      | 'isFailure'
      | 'isResultFailure'
      | 'random'
    > {
  /**
   * The caller's ioredis `Redis` or `Cluster`. The breaker never closes it and never
   * lets commands queue in it while it is not `'ready'`. A client still making its first
   * connection is waited for (no outage is reported); a `lazyConnect` client must be
   * connected by the caller.
   */
  redis: RedisClient;
  /**
   * The fleet identity: every instance with this name (and prefix) shares one breaker.
   * Shown in errors. No `{` or `}`: the breaker makes it the keys' hash tag.
   */
  name: string;
  /** Prepended to every key, which reads `${prefix}{${name}}:…`. No `{` or `}`. @default 'bw:breaker:' */
  prefix?: string | undefined;
  /**
   * Open when failures / calls over the fleet's window reach this share, in (0, 1].
   * @default 0.5 when `slowCallRateThreshold` is not set either
   */
  failureRateThreshold?: number | undefined;
  /** @default { type: 'time', durationMs: 10_000, buckets: 10 } */
  window?: FleetWindowOptions | undefined;
  /** Probes let through in half-open, fleet-wide; all must succeed to close. @default 1 */
  permittedCallsInHalfOpen?: number | undefined;
  /**
   * Time source in ms. The fleet's buckets are numbered from it, so every instance must
   * read the same time base. @default wallClock (`Date.now`)
   */
  clock?: Clock | undefined;
  /**
   * How often outcomes are pushed and the fleet's state is read, in ms: how stale this
   * instance's view of the fleet may get. @default 200
   */
  syncIntervalMs?: number | undefined;
  /**
   * How long a half-open probe slot is held in Redis, in ms. A probe whose instance died
   * (or that outlives it) frees its slot after this long, and another instance may probe.
   * @default `timeoutMs + 2 × redisTimeoutMs` with a `timeoutMs`, else 10_000
   */
  probeLeaseMs?: number | undefined;
}

/** Resolved, validated options; never the caller's object. */
export interface ResolvedFleetOptions extends ResolvedRedisCallOptions {
  readonly redis: RedisClient;
  readonly name: string;
  /** `${prefix}{${name}}:` — every key of this breaker starts with it. */
  readonly keyBase: string;
  /** The trip and timing options, as the local breaker resolves them. */
  readonly breaker: ResolvedBreakerOptions;
  /** What the local (fallback and executing) `CircuitBreaker` is built with. */
  readonly local: Readonly<CircuitBreakerOptions>;
  readonly buckets: number;
  readonly bucketMs: number;
  readonly bucketTtlMs: number;
  readonly stateTtlMs: number;
  readonly syncIntervalMs: number;
  readonly probeLeaseMs: number;
}

/** Longest delay a Node timer honours. */
const POSITIVE_MS = { min: 0, exclusiveMin: true, max: MAX_TIMER_MS } as const;

function checkKeyPart(name: string, value: unknown, fallback?: string): string {
  const text = checkString(name, value, fallback);
  if (/[{}]/.test(text)) {
    throw new RangeError(invalidMessage(name, 'a non-empty string without `{` or `}`', text));
  }
  return text;
}

function checkWindow(value: unknown): {
  [K in keyof FleetWindowOptions]-?: Exclude<FleetWindowOptions[K], undefined>;
} {
  if (value === undefined) return { type: 'time', durationMs: 10_000, buckets: 10 };
  const raw = checkOptions('window', value as FleetWindowOptions) as Partial<
    Record<keyof FleetWindowOptions, unknown>
  >;
  checkOneOf('window.type', raw.type, ['time']);
  checkKnownKeys('window', raw, ['type', 'durationMs', 'buckets']);
  const durationMs = checkNumber('window.durationMs', raw.durationMs, POSITIVE_MS);
  const buckets = checkInteger('window.buckets', raw.buckets, { min: 1, max: 100, default: 10 });
  checkBucketWidth(durationMs, buckets);
  return { type: 'time', durationMs, buckets };
}

/**
 * The options handed as given to the local breaker, which validates them: they mean the
 * same in both breakers.
 */
const PASSED = [
  'failureRateThreshold',
  'slowCallRateThreshold',
  'slowCallDurationMs',
  'minimumCalls',
  'openDurationMs',
  'permittedCallsInHalfOpen',
  'timeoutMs',
  'isFailure',
  'isResultFailure',
  'random',
] as const satisfies ReadonlyArray<keyof FleetCircuitBreakerOptions & keyof CircuitBreakerOptions>;

/** Every option, checked by the compiler against `FleetCircuitBreakerOptions`. */
const OPTION_KEYS: readonly string[] = [
  ...Object.keys({
    redis: true,
    name: true,
    prefix: true,
    window: true,
    clock: true,
    syncIntervalMs: true,
    redisTimeoutMs: true,
    maxInFlight: true,
    probeLeaseMs: true,
  } satisfies Record<Exclude<keyof FleetCircuitBreakerOptions, (typeof PASSED)[number]>, true>),
  ...PASSED,
];

export function resolveFleetOptions(options: FleetCircuitBreakerOptions): ResolvedFleetOptions {
  const raw = checkOptions('options', options);
  const redis = checkRedisClient<RedisClient>('redis', raw.redis);
  const name = checkKeyPart('name', raw.name);
  const prefix = checkKeyPart('prefix', raw.prefix, 'bw:breaker:');
  const consecutive = (raw as { consecutiveFailures?: unknown }).consecutiveFailures;
  if (consecutive !== undefined) {
    throw new TypeError(
      `Expected \`consecutiveFailures\` to be undefined (a fleet breaker trips on rates over its shared time window), got ${describeValue(consecutive)}`,
    );
  }
  checkKnownKeys('options', raw, OPTION_KEYS);
  const window = checkWindow(raw.window);
  const noRule = raw.failureRateThreshold === undefined && raw.slowCallRateThreshold === undefined;

  const local: CircuitBreakerOptions = {
    name,
    window,
    clock: checkClock('clock', raw.clock, wallClock),
  };
  if (noRule) local.failureRateThreshold = 0.5;
  for (const key of PASSED) {
    if (raw[key] !== undefined) Object.assign(local, { [key]: raw[key] });
  }
  const breaker = resolveBreakerOptions(local);

  const syncIntervalMs = checkNumber('syncIntervalMs', raw.syncIntervalMs, {
    ...POSITIVE_MS,
    default: 200,
  });
  const calls = resolveRedisCallOptions(raw);
  const { redisTimeoutMs } = calls;
  const leaseDefault =
    breaker.timeoutMs === Number.POSITIVE_INFINITY
      ? 10_000
      : Math.min(MAX_TIMER_MS, Math.ceil(breaker.timeoutMs + 2 * redisTimeoutMs));
  const probeLeaseMs = Math.ceil(
    checkNumber('probeLeaseMs', raw.probeLeaseMs, { ...POSITIVE_MS, default: leaseDefault }),
  );
  return Object.freeze({
    redis,
    name,
    keyBase: `${prefix}{${name}}:`,
    breaker,
    local: Object.freeze(local),
    buckets: window.buckets,
    bucketMs: window.durationMs / window.buckets,
    bucketTtlMs: Math.ceil(2 * window.durationMs),
    stateTtlMs: Math.ceil(
      Math.max(60_000, 2 * window.durationMs, 2 * longestOpenMs(breaker.backoff)),
    ),
    syncIntervalMs,
    ...calls,
    probeLeaseMs,
  });
}
