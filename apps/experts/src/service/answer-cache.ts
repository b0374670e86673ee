import { createHash, randomUUID } from 'node:crypto';
import { Cache } from '@breakwater/cache';
import { TieredCache } from '@breakwater/cache/redis';
import { Coalescer } from '@breakwater/coalescer';
import { isCoalescerWaitTimeoutError, RedisCoalescer } from '@breakwater/coalescer/redis';
import type { Clock } from '@breakwater/core';
import type { Counter, Registry } from '@breakwater/metrics';
import { DEADLINE_RANGE_MS, type ServiceConfig } from './config.js';
import type { ConsultReply } from './consultation.js';
import type { AnswerSource } from './records.js';
import type { RedisConnection, RedisLink, RedisLinkLogger } from './redis-link.js';

/** An answer and where it came from. */
export interface SourcedReply {
  readonly reply: ConsultReply;
  readonly source: AnswerSource;
}

/** Options of {@link AnswerCache}. */
export interface AnswerCacheOptions {
  /** Clock of the cache's TTLs, in milliseconds (tests inject a manual one). @default performance.now */
  clock?: Clock | undefined;
  /**
   * Shares the cache (an L2 in Redis behind each instance's L1, with invalidations) and
   * the coalescing of identical consultations with the other instances. @default none
   */
  redis?: RedisLink | undefined;
  /** Where Redis outages and recoveries of the cache are reported. @default silent */
  log?: RedisLinkLogger | undefined;
}

/** Whether the cache and the coalescing are shared through Redis right now. */
export interface SharedAnswerState {
  readonly cache: 'redis' | 'local';
  readonly coalescing: 'redis' | 'local';
}

/** Shortest TTL given to a cached answer, in milliseconds. */
export const MIN_ANSWER_TTL_MS = 1000;
/** Answers longer than this (total characters of the experts' answers) are not cached. */
export const MAX_CACHED_ANSWER_CHARS = 1_048_576;

/**
 * How long `reply` stays fresh in the cache, in milliseconds; 0 when it is not cached.
 *
 * The full `ttlMs` for a complete answer whose consensus is reached with at least 75 % of
 * the confidence; half when the consensus is reached with less, a quarter when it is not.
 * A quarter of that when some expert failed, timed out or fell back (so that a recovered
 * expert is heard again soon); half of it above 16 KiB of answers, a quarter above 64 KiB.
 * Never below {@link MIN_ANSWER_TTL_MS} (nor above `ttlMs`). Not cached: an answer without
 * any expert's answer, or above {@link MAX_CACHED_ANSWER_CHARS}.
 */
export function answerTtlMs(reply: ConsultReply, ttlMs: number): number {
  let answered = 0;
  let chars = 0;
  for (const o of reply.outcomes) {
    if (o.status !== 'ok') continue;
    answered++;
    chars += o.answer?.length ?? 0;
  }
  if (answered === 0 || chars > MAX_CACHED_ANSWER_CHARS) return 0;
  const { reached, share } = reply.consensus;
  let factor = reached ? (share >= 0.75 ? 1 : 0.5) : 0.25;
  if (answered < reply.outcomes.length) factor *= 0.25;
  if (chars > 65_536) factor *= 0.25;
  else if (chars > 16_384) factor *= 0.5;
  return Math.min(ttlMs, Math.max(MIN_ANSWER_TTL_MS, Math.floor(ttlMs * factor)));
}

/** A request's way to compute its answer, and what became of it. */
interface Pending {
  readonly compute: () => Promise<ConsultReply>;
  /** True when this request's `compute` ran (rather than another's). */
  ran: boolean;
  /** The answer, once computed or shared. */
  reply?: ConsultReply | undefined;
}

/** What both kinds of coalescer offer. */
interface SharedRunner {
  run(key: string, fn: () => Promise<ConsultReply>): Promise<ConsultReply>;
  close(): Promise<void>;
}

/** Longest wait for an identical consultation running in another instance. */
const REMOTE_WAIT_MS = DEADLINE_RANGE_MS.max + 5000;

/** Escapes the glob characters of a Redis `SCAN … MATCH` pattern. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * Serves identical consultations from one computation: cached with stale-while-revalidate
 * (`@breakwater/cache`), and coalesced while running (`@breakwater/coalescer`). Keys are
 * kept as their SHA-256, never as the question itself.
 *
 * With a Redis link the instances share both: each keeps an L1 in front of an L2 in Redis
 * (keys `<prefix>answers:<sha256>`, invalidated across instances over pub/sub), and an
 * identical consultation asked of several instances at once runs one fan-out (locks and
 * results under `<prefix>coalesce:`). While Redis is unreachable each instance serves
 * from its L1 and coalesces on its own; both come back on their own when Redis does.
 *
 * In naive mode it is a pass-through: every request computes its own answer.
 */
export class AnswerCache {
  readonly #ttlMs: number;
  readonly #cache: Cache<string, ConsultReply, Pending> | undefined;
  readonly #tiered: TieredCache<ConsultReply, Pending> | undefined;
  readonly #coalescer: SharedRunner | undefined;
  readonly #requests: Counter<'result'>;
  readonly #redis: RedisLink | undefined;
  readonly #log: RedisLinkLogger | undefined;
  readonly #prefix: string;
  /** Origin of this instance's fleet flushes (ignored when they come back). */
  readonly #origin = randomUUID();
  #subscriber: RedisConnection | undefined;
  /** Whether a Redis failure was reported and the recovery not yet. */
  #degraded = false;
  /** Bumped by {@link clear}: an answer computed across a flush is not stored. */
  #generation = 0;
  #closed = false;

  constructor(config: ServiceConfig, registry: Registry, options: AnswerCacheOptions = {}) {
    this.#ttlMs = config.cacheTtlMs;
    this.#redis = options.redis;
    this.#log = options.log;
    this.#prefix = config.redisPrefix;
    const shared = config.mode !== 'naive' ? options.redis : undefined;
    const l1 = {
      max: config.cacheMaxEntries,
      ttlMs: config.cacheTtlMs,
      policy: 'tinylfu' as const,
      // A stale answer is served for up to one more TTL while one refresh runs.
      freshness: { staleWhileRevalidateMs: config.cacheTtlMs },
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    };
    // Only stale-while-revalidate refreshes (and a stale entry that expired in between, or
    // a miss in both tiers) come here; what is stored is decided by #store, so the load
    // itself stores nothing.
    const load = async (id: string, { context }: { context?: Pending | undefined }) => {
      if (context !== undefined) await this.#share(id, context);
      return undefined;
    };
    type RunnerStats = { joined: number; remote: number; fallbacks: number; inFlight: number };
    let stats: () => RunnerStats = () => ({ joined: 0, remote: 0, fallbacks: 0, inFlight: 0 });
    if (config.mode !== 'naive' && shared === undefined) {
      this.#cache = new Cache<string, ConsultReply, Pending>({ ...l1, load });
      const local = new Coalescer<string, ConsultReply>();
      this.#coalescer = local;
      stats = () => {
        const { joined, inFlight } = local.stats();
        return { joined, remote: 0, fallbacks: 0, inFlight };
      };
    } else if (shared !== undefined) {
      const tiered = new TieredCache<ConsultReply, Pending>({
        redis: shared.client,
        prefix: `${config.redisPrefix}answers:`,
        ttlMs: config.cacheTtlMs,
        l1,
        load,
      });
      this.#tiered = tiered;
      tiered.onError((event) => this.#failed('cache', event.error));
      tiered.ready().catch(() => {
        // Redis down at start: L1 meanwhile, and the cache keeps connecting.
      });
      const remote = new RedisCoalescer<string, ConsultReply>({
        redis: shared.client,
        prefix: `${config.redisPrefix}coalesce:`,
        waitTimeoutMs: REMOTE_WAIT_MS,
      });
      remote.onFallback((event) => this.#failed('coalescing', event.error));
      this.#coalescer = {
        run: async (key, fn) => {
          try {
            return await remote.run(key, fn);
          } catch (error) {
            // The instance running it went quiet: this one answers on its own.
            if (isCoalescerWaitTimeoutError(error)) return fn();
            throw error;
          }
        },
        close: () => remote.close(),
      };
      stats = () => {
        const s = remote.stats();
        return { joined: s.joined, remote: s.remote, fallbacks: s.fallbacks, inFlight: s.inFlight };
      };
      shared.client.on('ready', this.#recovered);
      this.#subscribe(shared);
    }
    const cache = this.#cache;
    const tiered = this.#tiered;
    this.#requests = registry.counter({
      name: 'experts_cache_requests_total',
      help: 'Consultations looked up in the answer cache: hit, stale (served while refreshed) or miss.',
      labelNames: ['result'],
      maxLabelValues: { result: 3 },
    });
    for (const result of ['hit', 'stale', 'miss']) this.#requests.inc({ result }, 0);
    let joined = 0;
    registry.counter({
      name: 'experts_coalesced_total',
      help: 'Consultations that shared the fan-out of an identical one in flight (in this instance or another).',
      collect: (counter) => {
        const s = stats();
        const now = s.joined + s.remote;
        counter.inc(now - joined);
        joined = now;
      },
    });
    registry.gauge({
      name: 'experts_coalescing_in_flight',
      help: 'Distinct consultations this instance is computing, or waiting for from another instance.',
      collect: (gauge) => gauge.set(stats().inFlight),
    });
    registry.gauge({
      name: 'experts_cache_entries',
      help: 'Answers held in the cache (the L1 with Redis), stale ones kept for revalidation included.',
      collect: (gauge) => gauge.set(cache?.size ?? tiered?.size ?? 0),
    });
    if (tiered !== undefined) {
      registry.counter({
        name: 'experts_cache_l2_total',
        help: 'Answers looked up in Redis after an L1 miss: hit or miss.',
        labelNames: ['result'],
        maxLabelValues: { result: 2 },
        collect: (counter) => {
          const { hits, misses } = tiered.stats().l2;
          counter.inc({ result: 'hit' }, hits - counter.get({ result: 'hit' }));
          counter.inc({ result: 'miss' }, misses - counter.get({ result: 'miss' }));
        },
      });
      registry.counter({
        name: 'experts_shared_redis_errors_total',
        help: 'Failed or skipped Redis calls of the answer cache, and consultations coalesced locally for want of Redis.',
        labelNames: ['primitive'],
        maxLabelValues: { primitive: 2 },
        collect: (counter) => {
          const cacheErrors = tiered.stats().redis.errors;
          const fallbacks = stats().fallbacks;
          counter.inc({ primitive: 'cache' }, cacheErrors - counter.get({ primitive: 'cache' }));
          counter.inc(
            { primitive: 'coalescer' },
            fallbacks - counter.get({ primitive: 'coalescer' }),
          );
        },
      });
    }
  }

  /** Whether the cache and the coalescing are shared right now (`local` while Redis is down). */
  shared(redisUp: boolean): SharedAnswerState {
    const mode = this.#tiered !== undefined && redisUp ? 'redis' : 'local';
    return { cache: mode, coalescing: mode };
  }

  /**
   * Answers `key` from the cache (`hit`; `stale` while one refresh runs), from an identical
   * computation in flight (`coalesced`) or by calling `compute` (`miss`).
   */
  async get(key: string, compute: () => Promise<ConsultReply>): Promise<SourcedReply> {
    const cache = this.#cache;
    const id = createHash('sha256').update(key, 'utf8').digest('hex');
    const pending: Pending = { compute, ran: false };
    if (this.#tiered !== undefined) return this.#getShared(this.#tiered, id, pending);
    if (cache === undefined) return { reply: await compute(), source: 'miss' };
    const remaining = cache.remainingTtlMs(id);
    if (remaining !== undefined && remaining > 0) {
      const reply = cache.get(id);
      if (reply !== undefined) {
        this.#requests.inc({ result: 'hit' });
        return { reply, source: 'hit' };
      }
    } else if (remaining === 0) {
      // Expired but kept: the stale answer now, and one refresh in the background.
      const stale = await cache.fetch(id, { context: pending });
      if (stale !== undefined) {
        this.#requests.inc({ result: 'stale' });
        return { reply: stale, source: 'stale' };
      }
      // The stale window ended in between: the fetch computed (or shared) a fresh answer.
      if (pending.reply !== undefined) {
        this.#requests.inc({ result: 'miss' });
        return { reply: pending.reply, source: pending.ran ? 'miss' : 'coalesced' };
      }
    }
    this.#requests.inc({ result: 'miss' });
    const reply = await this.#share(id, pending);
    return { reply, source: pending.ran ? 'miss' : 'coalesced' };
  }

  /** {@link get} with Redis: L1, then the L2 in Redis, then one fan-out in the fleet. */
  async #getShared(
    tiered: TieredCache<ConsultReply, Pending>,
    id: string,
    pending: Pending,
  ): Promise<SourcedReply> {
    if (tiered.peek(id) !== undefined) {
      const reply = tiered.get(id);
      if (reply !== undefined) {
        this.#requests.inc({ result: 'hit' });
        return { reply, source: 'hit' };
      }
    }
    // L1 has no fresh answer: a stale one at once (refreshed in the background), Redis's,
    // or this call's load ran the consultation (or joined the fleet's).
    const found = await tiered.fetch(id, { context: pending });
    if (pending.reply !== undefined) {
      this.#requests.inc({ result: 'miss' });
      return { reply: pending.reply, source: pending.ran ? 'miss' : 'coalesced' };
    }
    if (found !== undefined) {
      // Read from Redis, the answer is now fresh in L1; a stale one is not (yet).
      const fresh = tiered.peek(id) === found;
      this.#requests.inc({ result: fresh ? 'hit' : 'stale' });
      return { reply: found, source: fresh ? 'hit' : 'stale' };
    }
    this.#requests.inc({ result: 'miss' });
    // This call joined another's load in this instance, which stores but returns nothing.
    const stored = tiered.peek(id);
    if (stored !== undefined) return { reply: stored, source: 'coalesced' };
    const reply = await this.#share(id, pending);
    return { reply, source: pending.ran ? 'miss' : 'coalesced' };
  }

  /** Computes the answer of `id` with `pending.compute`, or joins the computation in flight. */
  async #share(id: string, pending: Pending): Promise<ConsultReply> {
    const reply = await this.#coalescer!.run(id, async () => {
      pending.ran = true;
      const generation = this.#generation;
      const computed = await pending.compute();
      this.#store(id, computed, generation);
      return computed;
    });
    pending.reply = reply;
    return reply;
  }

  #store(id: string, reply: ConsultReply, generation: number): void {
    if (this.#closed || generation !== this.#generation) return;
    const ttlMs = answerTtlMs(reply, this.#ttlMs);
    // Not cacheable: nothing is stored, and a stale answer being refreshed stays as it was.
    if (ttlMs <= 0) return;
    if (this.#tiered === undefined) {
      this.#cache!.set(id, reply, { ttlMs });
      return;
    }
    // L1 at once; Redis and the invalidation in the background (failures go to onError).
    this.#tiered.set(id, reply, { ttlMs }).catch(() => {});
  }

  /**
   * Drops every cached answer; returns how many this instance held. With Redis, the
   * fleet's: the answers in Redis and the coordination results are deleted, and every
   * other instance is told to empty its L1.
   */
  async clear(): Promise<number> {
    this.#generation++;
    const held = this.#cache?.size ?? this.#tiered?.size ?? 0;
    this.#cache?.clear();
    this.#tiered?.clear();
    const redis = this.#redis;
    if (this.#tiered !== undefined && redis !== undefined) {
      try {
        await this.#flushFleet(redis);
      } catch (error) {
        this.#log?.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'Answer cache: the flush reached this instance only (Redis unreachable)',
        );
      }
    }
    return held;
  }

  async #flushFleet(redis: RedisLink): Promise<void> {
    if (!redis.ready) throw new Error('Redis is not connected');
    const client = redis.client;
    const nodes = 'nodes' in client ? client.nodes('master') : [client];
    const patterns = [
      `${globEscape(this.#prefix)}answers:*`,
      `${globEscape(this.#prefix)}coalesce:*:result`,
    ];
    await Promise.all(
      nodes.map(async (node) => {
        for (const match of patterns) {
          let cursor = '0';
          do {
            const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', 500);
            cursor = next;
            // One key per command: on a Cluster they lie in different slots.
            if (keys.length > 0) {
              const pipeline = client.pipeline();
              for (const key of keys) pipeline.unlink(key);
              await pipeline.exec();
            }
          } while (cursor !== '0');
        }
      }),
    );
    await client.publish(this.#flushChannel, this.#origin);
  }

  get #flushChannel(): string {
    return `${this.#prefix}answers:flush`;
  }

  /** Listens for the other instances' flushes on a connection of its own. */
  #subscribe(link: RedisLink): void {
    const subscriber = link.connect('cache-flush');
    this.#subscriber = subscriber;
    const channel = this.#flushChannel;
    subscriber.on('ready', () => {
      subscriber.subscribe(channel).catch(() => {
        // Lost again before subscribing: the next 'ready' tries again.
      });
    });
    subscriber.on('message', (from: string, origin: string) => {
      if (from !== channel || origin === this.#origin) return;
      this.#generation++;
      this.#tiered?.clear();
    });
  }

  /** Logs the first Redis failure of an outage (once, until Redis is back). */
  #failed(primitive: string, error: unknown): void {
    if (this.#degraded || this.#closed) return;
    this.#degraded = true;
    this.#log?.warn(
      { primitive, err: error instanceof Error ? error.message : String(error) },
      'Redis unavailable: answers cached in this instance only (L1) and coalesced locally',
    );
  }

  readonly #recovered = (): void => {
    if (!this.#degraded || this.#closed) return;
    this.#degraded = false;
    this.#log?.info({}, 'Redis back: answers shared again (L2, invalidations, coalescing)');
  };

  /** Waits for the computations in flight (refreshes included), then drops the cache. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#redis?.client.off('ready', this.#recovered);
    await this.#coalescer?.close();
    await this.#cache?.close();
    await this.#tiered?.close();
    this.#subscriber?.disconnect();
  }
}
