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

/** The same ioredis options for ours and the peer: ioredis defaults, no auto-pipelining. */
export const clientOptions: RedisOptions = { enableAutoPipelining: false };

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
  async client(): Promise<Redis> {
    if (this.#handle === undefined) throw new Error('The suite setup did not start redis-server');
    const client = this.#handle.client(clientOptions);
    await client.ping();
    if (client.status !== 'ready') throw new Error(`ioredis client is ${client.status}`);
    return client;
  }

  nextRun(): number {
    return ++this.#runs;
  }
}

/** Per-batch wall time (ns) of each Redis implementation, keyed `case · implementation`. */
export type BatchLatencies = Map<string, number[]>;

export interface RedisHotOptions {
  readonly redis: SharedRedis;
  readonly caseName: string;
  /** One limit, or two for the multi-window cases; high enough that all are allowed. */
  readonly limits: readonly LimitConfig[];
  /** Concurrent `consume` calls per batch (one `fn` call). */
  readonly concurrency: number;
  readonly latencies: BatchLatencies;
}

const hotKey = 'client:hot';

interface RedisState<L> {
  readonly client: Redis;
  readonly limiter: L;
  readonly samples: number[];
}

/**
 * One batch: `concurrency` calls of `decide` started at once and awaited together; the
 * number allowed, checked to be all of them, and the batch's wall time recorded.
 */
async function batch(
  name: string,
  state: { readonly samples: number[] },
  concurrency: number,
  decide: () => Promise<boolean>,
): Promise<number> {
  const calls: Promise<boolean>[] = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i < concurrency; i++) calls.push(decide());
  const results = await Promise.all(calls);
  state.samples.push(Number(process.hrtime.bigint() - start));
  let allowed = 0;
  for (const ok of results) if (ok) allowed++;
  return verifyBatch(name, allowed, concurrency);
}

function samplesFor(options: RedisHotOptions, name: string): number[] {
  const samples: number[] = [];
  options.latencies.set(`${options.caseName} · ${name}`, samples);
  return samples;
}

export function oursRedisImpl(algorithm: RedisAlgorithm, options: RedisHotOptions): Implementation {
  const name = `RedisRateLimiter (${algorithm})`;
  const limits = options.limits.map(({ limit, windowMs }) => ({ limit, windowMs }));
  return implementation<RedisState<RedisRateLimiter>>({
    name,
    note: `\`new RedisRateLimiter({ redis, limits, algorithm: '${algorithm}' })\` (defaults otherwise: outage 'local', blockCache on); \`await consume(key)\`, ${options.concurrency} at once; no decision may come from the outage policy`,
    setup: async () => {
      const client = await options.redis.client();
      const prefix = `bw:bench:${options.redis.nextRun()}:`;
      const limiter = new RedisRateLimiter({ redis: client, limits, algorithm, prefix });
      return { client, limiter, samples: samplesFor(options, name) };
    },
    fn: (state) =>
      batch(name, state, options.concurrency, async () => {
        const result: RateLimitResult = await state.limiter.consume(hotKey);
        return result.allowed;
      }),
    teardown: async (state) => {
      const stats = state.limiter.stats();
      state.client.disconnect();
      if (stats.outageDecisions > 0) {
        throw new Error(`${name}: ${stats.outageDecisions} decisions came from the outage policy`);
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

export function rlflxRedisImpl(options: RedisHotOptions): Implementation {
  const name = 'rate-limiter-flexible';
  const union = options.limits.length > 1;
  const note = union
    ? '`new RateLimiterUnion(new RateLimiterRedis({ storeClient, points, duration, keyPrefix }) per limit)`: one round trip per limit, and not atomic (a limit can be consumed while another denies)'
    : '`new RateLimiterRedis({ storeClient, points, duration, keyPrefix })` (a fixed window)';
  return implementation<RedisState<Consumer>>({
    name,
    note: `${note}; \`await consume(key)\`, ${options.concurrency} at once, a rejection counted as a denial`,
    setup: async () => {
      const client = await options.redis.client();
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
      return { client, limiter, samples: samplesFor(options, name) };
    },
    fn: (state) =>
      batch(name, state, options.concurrency, async () => {
        try {
          await state.limiter.consume(hotKey);
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

/** p50/p99 of the wall time of one batch of concurrent calls, per implementation. */
export function redisLatencyTable(latencies: BatchLatencies, concurrency: number): StaticTable {
  const rows = [...latencies].map(([label, samples]) => {
    const sorted = Float64Array.from(samples).sort();
    const ms = (q: number) => (sorted.length === 0 ? null : quantileOfSorted(sorted, q) / 1e6);
    return [label, ms(0.5), ms(0.99), samples.length];
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
    ],
    rows,
    notes: [
      'Every batch of the run is counted, calibration and warm-up included; each is checked ' +
        `to have allowed all ${concurrency} decisions on both sides.`,
    ],
  };
}
