import { execFileSync } from 'node:child_process';
import type { RateLimitResult } from '@breakwater/limiter';
import { type RedisAlgorithm, RedisRateLimiter } from '@breakwater/limiter/redis';
import { type RedisServerHandle, startRedis } from '@breakwater/testing';
import type { Redis, RedisOptions } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes, RateLimiterUnion } from 'rate-limiter-flexible';
import type { StaticTable } from '../../runner/static-table.js';
import { quantileOfSorted } from '../../runner/statistics.js';
import { type Implementation, implementation } from '../../runner/suite-definition.js';
import { verifyBatch } from './cases.js';
import type { LimitConfig } from './contenders.js';

/** Whether `redis-server` is on PATH (the Redis cases need it). */
export function hasRedisServer(): boolean {
  try {
    execFileSync('which', ['redis-server'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * ioredis options of ours and the default peer: ioredis defaults, auto-pipelining off (its
 * default too, set explicitly). Our batching is our own, not the client's.
 */
export const clientOptions: RedisOptions = { enableAutoPipelining: false };

/**
 * ioredis options of the tuned peer: auto-pipelining on (ioredis's documented throughput
 * option: the commands issued in one turn of the event loop go out in one write).
 */
export const autoPipeliningClientOptions: RedisOptions = { enableAutoPipelining: true };

/**
 * One redis-server for every Redis case of a suite run: `start` in the suite's setup,
 * `stop` in its teardown. Each implementation takes its own client of it.
 */
export class SharedRedis {
  #handle: RedisServerHandle | undefined;
  /** Distinct key prefixes, so that no two implementations or runs share a key. */
  #runs = 0;

  async start(): Promise<void> {
    this.#handle ??= await startRedis();
  }

  async stop(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.stop();
  }

  /** A ready client (`RedisRateLimiter` skips calls until the client is `ready`). */
  async client(options: RedisOptions = clientOptions): Promise<Redis> {
    if (this.#handle === undefined) throw new Error('The suite setup did not start redis-server');
    const client = this.#handle.client(options);
    await client.ping();
    if (client.status !== 'ready') throw new Error(`ioredis client is ${client.status}`);
    return client;
  }

  nextRun(): number {
    return ++this.#runs;
  }
}

/** What one Redis implementation did in one case, for the latency table. */
export interface RedisRecord {
  /** Wall time (ns) of every batch, calibration and warm-up included. */
  readonly batches: number[];
  /** Ours only, from `stats()` at teardown: decisions made, and script calls they took. */
  decisions?: number;
  scriptCalls?: number;
}

/** Per-batch records of each Redis implementation, keyed `case · implementation`. */
export type BatchLatencies = Map<string, RedisRecord>;

export interface RedisCaseOptions {
  readonly redis: SharedRedis;
  readonly caseName: string;
  /** One limit, or two for the multi-window cases; high enough that all are allowed. */
  readonly limits: readonly LimitConfig[];
  /** Concurrent `consume` calls per batch (one `fn` call). */
  readonly concurrency: number;
  readonly latencies: BatchLatencies;
  /**
   * Keys taken one per call, in order, from the start again after the last (each
   * implementation walks on from where its previous batch stopped); absent: every call on
   * one hot key.
   */
  readonly keys?: readonly string[] | undefined;
}

const hotKey = 'client:hot';

/** `user:0` … `user:<count - 1>`: the keys of the distinct-keys Redis cases. */
export function redisKeyList(count: number): readonly string[] {
  return Array.from({ length: count }, (_, i) => `user:${i}`);
}

interface RedisState<L> {
  readonly client: Redis;
  readonly limiter: L;
  readonly record: RedisRecord;
  /** Index in `keys` of the next call's key. */
  cursor: number;
}

/**
 * One batch: `concurrency` calls of `decide` started at once (on the hot key, or each on the
 * next key of the list) and awaited together; the number allowed, checked to be all of
 * them, and the batch's wall time recorded.
 */
async function batch(
  name: string,
  state: RedisState<unknown>,
  options: RedisCaseOptions,
  decide: (key: string) => Promise<boolean>,
): Promise<number> {
  const { concurrency, keys } = options;
  const calls: Promise<boolean>[] = [];
  const start = process.hrtime.bigint();
  if (keys === undefined) {
    for (let i = 0; i < concurrency; i++) calls.push(decide(hotKey));
  } else {
    let cursor = state.cursor;
    for (let i = 0; i < concurrency; i++) {
      calls.push(decide(keys[cursor]!));
      cursor = cursor + 1 === keys.length ? 0 : cursor + 1;
    }
    state.cursor = cursor;
  }
  const results = await Promise.all(calls);
  state.record.batches.push(Number(process.hrtime.bigint() - start));
  let allowed = 0;
  for (const ok of results) if (ok) allowed++;
  return verifyBatch(name, allowed, concurrency);
}

function recordFor(options: RedisCaseOptions, name: string): RedisRecord {
  const record: RedisRecord = { batches: [] };
  options.latencies.set(`${options.caseName} · ${name}`, record);
  return record;
}

/** `RedisRateLimiter`; `maxBatch` (default: its own, 100) caps the decisions per script call. */
export function oursRedisImpl(
  algorithm: RedisAlgorithm,
  options: RedisCaseOptions,
  maxBatch?: number,
): Implementation {
  const name =
    maxBatch === undefined
      ? `RedisRateLimiter (${algorithm})`
      : `RedisRateLimiter (${algorithm}, maxBatch ${maxBatch})`;
  const limits = options.limits.map(({ limit, windowMs }) => ({ limit, windowMs }));
  const batching =
    maxBatch === undefined
      ? `maxBatch 100 (its default: the ${options.concurrency} calls of a batch share one script call)`
      : `maxBatch ${maxBatch} (one script call per decision, no batching)`;
  return implementation<RedisState<RedisRateLimiter>>({
    name,
    note: `\`new RedisRateLimiter({ redis, limits, algorithm: '${algorithm}', prefix${maxBatch === undefined ? '' : `, maxBatch: ${maxBatch}`} })\`: ${batching}, defaults otherwise (redisTimeoutMs 200, maxInFlight 1000, outage 'local', blockCache on); ioredis client with its defaults and \`enableAutoPipelining: false\`; \`await consume(key)\`, ${options.concurrency} at once; no decision may come from the outage policy`,
    setup: async () => {
      const client = await options.redis.client(clientOptions);
      const prefix = `bw:bench:${options.redis.nextRun()}:`;
      const limiter = new RedisRateLimiter({
        redis: client,
        limits,
        algorithm,
        prefix,
        ...(maxBatch === undefined ? {} : { maxBatch }),
      });
      return { client, limiter, record: recordFor(options, name), cursor: 0 };
    },
    fn: (state) =>
      batch(name, state, options, async (key) => {
        const result: RateLimitResult = await state.limiter.consume(key);
        return result.allowed;
      }),
    teardown: async (state) => {
      const stats = state.limiter.stats();
      state.record.decisions = stats.decisions;
      state.record.scriptCalls = stats.scriptCalls;
      state.client.disconnect();
      if (stats.outageDecisions > 0) {
        throw new Error(`${name}: ${stats.outageDecisions} decisions came from the outage policy`);
      }
      if (maxBatch !== undefined && stats.scriptCalls * maxBatch < stats.decisions) {
        throw new Error(
          `${name}: ${stats.decisions} decisions in ${stats.scriptCalls} script calls, more than ${maxBatch} per call`,
        );
      }
    },
  });
}

/** A denial of rlflx: a `RateLimiterRes`, or (union) an object of them. */
function isRlflxDenial(error: unknown): boolean {
  if (error instanceof RateLimiterRes) return true;
  if (typeof error !== 'object' || error === null) return false;
  const values = Object.values(error);
  return values.length > 0 && values.every((v) => v instanceof RateLimiterRes);
}

interface Consumer {
  consume(key: string): Promise<unknown>;
}

/** The name of the tuned peer (ioredis auto-pipelining on). */
export const rlflxAutoPipeliningName = 'rate-limiter-flexible (autopipelining)';

/**
 * rate-limiter-flexible's `RateLimiterRedis` (a `RateLimiterUnion` of them for two limits),
 * on an ioredis client with auto-pipelining off (the default peer) or on (the tuned peer).
 */
export function rlflxRedisImpl(options: RedisCaseOptions, autoPipelining = false): Implementation {
  const name = autoPipelining ? rlflxAutoPipeliningName : 'rate-limiter-flexible';
  const union = options.limits.length > 1;
  const note = union
    ? '`new RateLimiterUnion(new RateLimiterRedis({ storeClient, points, duration, keyPrefix }) per limit)`: one script command (its `rlflxIncr`, EVALSHA) per limit, and not atomic (a limit can be consumed while another denies)'
    : '`new RateLimiterRedis({ storeClient, points, duration, keyPrefix })` (a fixed window; one script command, its `rlflxIncr`, EVALSHA, per decision)';
  const client = autoPipelining
    ? 'ioredis client with its defaults and `enableAutoPipelining: true` (ioredis’s throughput option: the commands of one turn of the event loop go out in one write; rate-limiter-flexible’s docs do not cover it)'
    : 'ioredis client with its defaults and `enableAutoPipelining: false` (as ours)';
  const clientOpts = autoPipelining ? autoPipeliningClientOptions : clientOptions;
  return implementation<RedisState<Consumer>>({
    name,
    note: `${note}; ${client}; \`await consume(key)\`, ${options.concurrency} at once, a rejection counted as a denial`,
    setup: async () => {
      const client = await options.redis.client(clientOpts);
      const run = options.redis.nextRun();
      const limiters = options.limits.map(
        (l, i) =>
          new RateLimiterRedis({
            storeClient: client,
            points: l.limit,
            duration: l.windowMs / 1000,
            keyPrefix: `rlflx:bench:${run}:${i}`,
          }),
      );
      const limiter: Consumer = union ? new RateLimiterUnion(...limiters) : limiters[0]!;
      return { client, limiter, record: recordFor(options, name), cursor: 0 };
    },
    fn: (state) =>
      batch(name, state, options, async (key) => {
        try {
          await state.limiter.consume(key);
          return true;
        } catch (error) {
          if (isRlflxDenial(error)) return false;
          throw error;
        }
      }),
    teardown: (state) => {
      state.client.disconnect();
    },
  });
}

/**
 * p50/p99 of the wall time of one batch of concurrent calls, per implementation, and (ours)
 * decisions per script call.
 */
export function redisLatencyTable(latencies: BatchLatencies, concurrency: number): StaticTable {
  const rows = [...latencies].map(([label, { batches, decisions, scriptCalls }]) => {
    const sorted = Float64Array.from(batches).sort();
    const ms = (q: number) => (sorted.length === 0 ? null : quantileOfSorted(sorted, q) / 1e6);
    const perCall =
      decisions === undefined || scriptCalls === undefined || scriptCalls === 0
        ? null
        : decisions / scriptCalls;
    return [label, ms(0.5), ms(0.99), batches.length, perCall];
  });
  return {
    title: 'Redis batch latency',
    description:
      `Wall time of one batch of ${concurrency} concurrent \`consume\` calls awaited with ` +
      '`Promise.all` (one `fn` call), start of the first to end of the last. The runner’s own ' +
      'latency option would report a batch’s time ÷ ' +
      `${concurrency}, which is not the latency of a call, so it is not used here.`,
    columns: [
      { label: 'case · implementation' },
      { label: 'p50', digits: 3, unit: ' ms' },
      { label: 'p99', digits: 3, unit: ' ms' },
      { label: 'batches', digits: 0 },
      { label: 'decisions per script call', digits: 1 },
    ],
    rows,
    notes: [
      'Every batch of the run is counted, calibration and warm-up included; each is checked ' +
        `to have allowed all ${concurrency} decisions on every side.`,
      'Decisions per script call: ours only, from its `stats()` (`decisions ÷ scriptCalls`). ' +
        'rate-limiter-flexible sends one script command per decision and limit; with ' +
        'auto-pipelining, ioredis writes the commands of one turn in one go, but Redis still ' +
        'runs each of them.',
    ],
  };
}
