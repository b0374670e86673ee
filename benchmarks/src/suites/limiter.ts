import type { BenchCase, SuiteDefinition } from '../runner/suite-definition.js';
import { countLabel } from './cache/count-label.js';
import {
  type AcquireCaseOptions,
  type AcquireMode,
  bottleneckImpl,
  oursAcquireImpl,
} from './limiter/acquire.js';
import {
  floorHotImpl,
  floorKeysImpl,
  type HotOptions,
  type KeysOptions,
  keyList,
  oursHotImpl,
  oursKeysImpl,
  rlflxHotImpl,
  rlflxKeysImpl,
} from './limiter/cases.js';
import type { LimitConfig } from './limiter/contenders.js';
import {
  type BatchLatencies,
  oursRedisImpl,
  type RedisCaseOptions,
  redisKeyList,
  redisLatencyTable,
  rlflxRedisImpl,
  SharedRedis,
} from './limiter/redis.js';
import { limiterTargetsTable } from './limiter/targets.js';
import { floorTable, type SpeedTarget } from './speed-targets.js';

export interface LimiterSuiteConfig {
  /** Decisions per measured call. */
  readonly batch: number;
  /** Distinct keys of the new-keys cases, and keys a memory build holds. */
  readonly keys: number;
  /**
   * `acquire` calls per measured call of the waiting cases (ours against bottleneck, which
   * takes milliseconds per job, so far fewer than `batch`).
   */
  readonly acquireBatch: number;
  /** Whether to run the Redis cases (they start a redis-server). */
  readonly redis: boolean;
  /** Keys of the distinct-keys Redis cases (`user:0` …), cycled through. */
  readonly redisKeys: number;
}

export const defaultLimiterSuiteConfig: LimiterSuiteConfig = {
  batch: 1_000,
  keys: 1_000_000,
  acquireBatch: 32,
  redis: true,
  redisKeys: 100_000,
};

/** Concurrent `consume` calls per batch of the Redis cases. */
export const redisConcurrency = 64;

/** Limits: high enough that every hot-key decision is allowed; low so nearly all are denied. */
export const limits = {
  allowed: { limit: 1e9, windowMs: 60_000 },
  denied: { limit: 100, windowMs: 3_600_000 },
  keys: { limit: 10, windowMs: 60_000 },
  /** The second limit of the multi-window Redis cases. */
  allowedHourly: { limit: 1e10, windowMs: 3_600_000 },
} as const satisfies Record<string, LimitConfig>;

export const caseNames = {
  hotAllowed: (algorithm: string) => `hot key · mostly allowed · ours ${algorithm}`,
  hotDenied: (algorithm: string) => `hot key · mostly denied · ours ${algorithm}`,
  keys: (count: number, algorithm: string) => `${countLabel(count)} new keys · ours ${algorithm}`,
  acquire: (count: number, mode: AcquireMode) =>
    `acquire · mostly allowed · ${count} ${mode === 'in-turn' ? 'in turn' : 'at once'} · ours fixed-window`,
  redis: (algorithm: string, maxBatch?: number) =>
    `Redis · hot key · ${redisConcurrency} concurrent · ours ${algorithm}${maxBatchLabel(maxBatch)}`,
  redisKeys: (algorithm: string, maxBatch?: number) =>
    `Redis · distinct keys · ${redisConcurrency} concurrent · ours ${algorithm}${maxBatchLabel(maxBatch)}`,
  redisMulti: (algorithm: string, maxBatch?: number) =>
    `Redis · hot key · 2 windows · ${redisConcurrency} concurrent · ours ${algorithm}${maxBatchLabel(maxBatch)}`,
} as const;

function maxBatchLabel(maxBatch: number | undefined): string {
  return maxBatch === undefined ? '' : ` · maxBatch ${maxBatch}`;
}

/** Ours' `maxBatch` in the unbatched twin of every Redis case: one script call per decision. */
export const redisUnbatched = 1;

const peer = 'rate-limiter-flexible';

type RedisKind = 'hot' | 'keys' | 'multi';

export const targetMins = { hot: 5, keys: 10, redis: 1.5 } as const;

/** The limiter suite for `config`; tests build it small. */
export function createLimiterSuite(config: LimiterSuiteConfig): SuiteDefinition {
  const { batch } = config;
  const keys = keyList(config.keys);
  const hot = (limit: LimitConfig, verify: boolean): HotOptions => ({
    config: limit,
    batch,
    verify,
  });
  const keyed: KeysOptions = { config: limits.keys, batch, count: config.keys, keys };
  const fixed = 'RateLimiter (fixed-window)';
  const gcra = 'RateLimiter (gcra)';
  const rate = (l: LimitConfig) => `${l.limit.toLocaleString('en-US')} per ${l.windowMs / 1000} s`;
  const cases: BenchCase[] = [
    {
      name: caseNames.hotAllowed('fixed-window'),
      description: `One key, ${batch} decisions per call, ${rate(limits.allowed)}: all allowed (allowed counts compared; every batch checked against the fixed-window model)`,
      opsPerCall: batch,
      check: true,
      ours: oursHotImpl(fixed, 'fixed-window', hot(limits.allowed, true)),
      peers: [rlflxHotImpl(hot(limits.allowed, true))],
      floor: floorHotImpl(hot(limits.allowed, true)),
    },
    {
      name: caseNames.hotAllowed('gcra'),
      description: `The same with ours as GCRA (burst = limit): all allowed on both sides, compared`,
      opsPerCall: batch,
      check: true,
      ours: oursHotImpl(gcra, 'gcra', hot(limits.allowed, true)),
      peers: [rlflxHotImpl(hot(limits.allowed, true))],
      floor: floorHotImpl(hot(limits.allowed, true)),
    },
    {
      name: caseNames.hotDenied('fixed-window'),
      description: `One key, ${batch} decisions per call, ${rate(limits.denied)}: the first ${limits.denied.limit} allowed, every later one denied (allowed counts compared; every batch checked against the fixed-window model)`,
      opsPerCall: batch,
      check: true,
      ours: oursHotImpl(fixed, 'fixed-window', hot(limits.denied, true)),
      peers: [rlflxHotImpl(hot(limits.denied, true))],
      floor: floorHotImpl(hot(limits.denied, true)),
    },
    {
      name: caseNames.hotDenied('gcra'),
      description: `The same with ours as GCRA: it lets one more through every ${limits.denied.windowMs / limits.denied.limit / 1000} s, so counts are not compared`,
      opsPerCall: batch,
      ours: oursHotImpl(gcra, 'gcra', hot(limits.denied, false)),
      peers: [rlflxHotImpl(hot(limits.denied, true))],
      floor: floorHotImpl(hot(limits.denied, true)),
    },
    {
      name: caseNames.keys(config.keys, 'fixed-window'),
      description: `Each decision on a key its limiter has never seen (\`key:0\` … \`key:${config.keys - 1}\`, a batch of ${batch} walks on; a fresh limiter after each pass), ${rate(limits.keys)}: all allowed (compared, every batch checked); bytes/item: heap per key of a limiter holding ${countLabel(config.keys)} keys`,
      opsPerCall: batch,
      check: true,
      ours: oursKeysImpl(fixed, 'fixed-window', keyed),
      peers: [rlflxKeysImpl(keyed)],
      floor: floorKeysImpl(keyed),
    },
    {
      name: caseNames.keys(config.keys, 'gcra'),
      description: 'The same with ours as GCRA (compared, every batch checked)',
      opsPerCall: batch,
      check: true,
      ours: oursKeysImpl(gcra, 'gcra', keyed),
      peers: [rlflxKeysImpl(keyed, false)],
      floor: floorKeysImpl(keyed),
    },
  ];
  const { acquireBatch } = config;
  const waiting = (mode: AcquireMode): AcquireCaseOptions => ({
    config: limits.allowed,
    batch: acquireBatch,
    mode,
  });
  const bottleneckWhy =
    'bottleneck in local mode yields to the event loop with `setTimeout(0)` (1 ms in Node) on ' +
    'each submit, register and free of a job and runs the job from a timer too; no option ' +
    'turns that off, so its figure is mostly timer latency, not CPU';
  cases.push(
    {
      name: caseNames.acquire(acquireBatch, 'in-turn'),
      description: `The waiting API, one key, ${rate(limits.allowed)} (nothing waits): ${acquireBatch} calls per call, each awaited before the next: ours \`await acquire(key)\` (fixed window, no options), bottleneck \`await schedule(job)\` with a reservoir of the limit refreshed every window (\`maxConcurrent: null\`, \`minTime: 0\`); each grant counted (by the job for bottleneck), every batch checked all granted, counts compared. ${bottleneckWhy}`,
      opsPerCall: acquireBatch,
      check: true,
      ours: oursAcquireImpl('RateLimiter#acquire (fixed-window)', waiting('in-turn')),
      peers: [bottleneckImpl(waiting('in-turn'))],
    },
    {
      name: caseNames.acquire(acquireBatch, 'at-once'),
      description: `The same ${acquireBatch} calls started at once and awaited with \`Promise.all\` (same options; all granted, checked and compared); bottleneck takes the jobs one after another through its submit lock`,
      opsPerCall: acquireBatch,
      check: true,
      ours: oursAcquireImpl('RateLimiter#acquire (fixed-window)', waiting('at-once')),
      peers: [bottleneckImpl(waiting('at-once'))],
    },
  );
  const targets: SpeedTarget[] = [
    { caseName: caseNames.hotAllowed('fixed-window'), peer, min: targetMins.hot },
    { caseName: caseNames.hotDenied('fixed-window'), peer, min: targetMins.hot },
    { caseName: caseNames.keys(config.keys, 'fixed-window'), peer, min: targetMins.keys },
  ];
  const redis = new SharedRedis();
  const latencies: BatchLatencies = new Map();
  if (config.redis) {
    const redisKeys = redisKeyList(config.redisKeys);
    const on = (caseName: string, kind: RedisKind): RedisCaseOptions => ({
      redis,
      caseName,
      limits: kind === 'multi' ? [limits.allowed, limits.allowedHourly] : [limits.allowed],
      concurrency: redisConcurrency,
      latencies,
      keys: kind === 'keys' ? redisKeys : undefined,
    });
    const what = `${redisConcurrency} concurrent \`consume\` calls per call, awaited with \`Promise.all\`, on a local redis-server (one for the suite; each implementation has its own ioredis client and key prefix)`;
    const peers = `against rate-limiter-flexible on a client without and with ioredis auto-pipelining`;
    const describe: Record<RedisKind, string> = {
      hot: `${what}, one key, ${rate(limits.allowed)}, ${peers}: all allowed (every batch checked on every side, counts compared)`,
      keys: `${what}, each call on the next of ${countLabel(config.redisKeys)} keys \`user:0\` … \`user:${config.redisKeys - 1}\` (from the start again after the last; each implementation keeps its own place in the list), ${rate(limits.allowed)}, ${peers}: all allowed (every batch checked on every side, counts compared)`,
      multi: `The hot key with two limits, ${rate(limits.allowed)} and ${rate(limits.allowedHourly)}: ours decides both in one script, atomically; the peer is a \`RateLimiterUnion\` of two \`RateLimiterRedis\`, not atomic (all allowed, checked and compared)`,
    };
    const name: Record<RedisKind, (algorithm: string, maxBatch?: number) => string> = {
      hot: caseNames.redis,
      keys: caseNames.redisKeys,
      multi: caseNames.redisMulti,
    };
    for (const kind of ['hot', 'keys', 'multi'] as const) {
      for (const algorithm of ['fixed-window', 'gcra'] as const) {
        for (const maxBatch of [undefined, redisUnbatched]) {
          const caseName = name[kind](algorithm, maxBatch);
          const options = on(caseName, kind);
          cases.push({
            name: caseName,
            description:
              maxBatch === undefined
                ? describe[kind]
                : `The same with ours at \`maxBatch: ${maxBatch}\`: one script call per decision, so what our batching buys shows against the case above`,
            opsPerCall: redisConcurrency,
            check: true,
            ours: oursRedisImpl(algorithm, options, maxBatch),
            peers: [rlflxRedisImpl(options, false), rlflxRedisImpl(options, true)],
          });
        }
      }
    }
    targets.push(
      { caseName: caseNames.redis('fixed-window'), peer, min: targetMins.redis },
      { caseName: caseNames.redisKeys('fixed-window'), peer, min: targetMins.redis },
    );
  }
  return {
    name: 'limiter',
    description:
      '`RateLimiter` (`@breakwater/limiter`) against rate-limiter-flexible’s `RateLimiterMemory`: ' +
      'one hot key (mostly allowed, mostly denied) and a new key per decision, ours as a fixed ' +
      'window (its semantics) and as GCRA; the waiting API, `acquire`, against bottleneck’s ' +
      '`schedule` in local mode on one key where nothing waits (no case where calls really ' +
      'wait: its time would be the limit’s windows, spent sleeping, and bottleneck refreshes its ' +
      'reservoir from a 250 ms heartbeat, so neither speed nor fairness could be read off it in ' +
      'a run of seconds); and `RedisRateLimiter` (`@breakwater/limiter/redis`) against ' +
      '`RateLimiterRedis` on a local redis-server, 64 calls at once on one key or on distinct ' +
      'keys, the peer without and with ioredis auto-pipelining, ours batching (its default) and ' +
      'not (`maxBatch: 1`).',
    cases,
    ...(config.redis && {
      setup: () => redis.start(),
      teardown: () => redis.stop(),
    }),
    tables: ({ cases: results, harness, log }) => {
      const redisTable = config.redis && harness !== 'isolated';
      if (config.redis && !redisTable) {
        log(
          '  Redis batch latency: recorded by the cases in their own process; the in-process ' +
            'run (`pnpm bench limiter`) reports it.',
        );
      }
      return [
        limiterTargetsTable(results, targets),
        floorTable(results, {
          unit: 'decision',
          notes: [
            'The waiting (`acquire`) and Redis cases have no floor: their time is a promise ' +
              'round trip or a network round trip, not a decision.',
          ],
        }),
        ...(redisTable ? [redisLatencyTable(latencies, redisConcurrency)] : []),
      ];
    },
  };
}

export const suite = createLimiterSuite(defaultLimiterSuiteConfig);
