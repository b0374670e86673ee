import { createHash } from 'node:crypto';
import { Cache } from '@breakwater/cache';
import { Coalescer } from '@breakwater/coalescer';
import type { Clock } from '@breakwater/core';
import type { Counter, Registry } from '@breakwater/metrics';
import type { ServiceConfig } from './config.js';
import type { ConsultReply } from './consultation.js';
import type { AnswerSource } from './records.js';

/** An answer and where it came from. */
export interface SourcedReply {
  readonly reply: ConsultReply;
  readonly source: AnswerSource;
}

/** Options of {@link AnswerCache}. */
export interface AnswerCacheOptions {
  /** Clock of the cache's TTLs, in milliseconds (tests inject a manual one). @default performance.now */
  clock?: Clock | undefined;
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

/**
 * Serves identical consultations from one computation: cached with stale-while-revalidate
 * (`@breakwater/cache`), and coalesced while running (`@breakwater/coalescer`). Keys are
 * kept as their SHA-256, never as the question itself.
 *
 * In naive mode it is a pass-through: every request computes its own answer.
 */
export class AnswerCache {
  readonly #ttlMs: number;
  readonly #cache: Cache<string, ConsultReply, Pending> | undefined;
  readonly #coalescer: Coalescer<string, ConsultReply> | undefined;
  readonly #requests: Counter<'result'>;
  /** Bumped by {@link clear}: an answer computed across a flush is not stored. */
  #generation = 0;
  #closed = false;

  constructor(config: ServiceConfig, registry: Registry, options: AnswerCacheOptions = {}) {
    this.#ttlMs = config.cacheTtlMs;
    if (config.mode !== 'naive') {
      this.#cache = new Cache<string, ConsultReply, Pending>({
        max: config.cacheMaxEntries,
        ttlMs: config.cacheTtlMs,
        policy: 'tinylfu',
        // A stale answer is served for up to one more TTL while one refresh runs.
        freshness: { staleWhileRevalidateMs: config.cacheTtlMs },
        // Only stale-while-revalidate refreshes (and a stale entry that expired in between)
        // come here; what is stored is decided by #store, so the load itself stores nothing.
        load: async (id, { context }) => {
          if (context !== undefined) await this.#share(id, context);
          return undefined;
        },
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      });
      this.#coalescer = new Coalescer<string, ConsultReply>();
    }
    const cache = this.#cache;
    const coalescer = this.#coalescer;
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
      help: 'Consultations that shared the fan-out of an identical one in flight.',
      collect: (counter) => {
        const now = coalescer?.stats().joined ?? 0;
        counter.inc(now - joined);
        joined = now;
      },
    });
    registry.gauge({
      name: 'experts_cache_entries',
      help: 'Answers held in the cache, stale ones kept for revalidation included.',
      collect: (gauge) => gauge.set(cache?.size ?? 0),
    });
  }

  /**
   * Answers `key` from the cache (`hit`; `stale` while one refresh runs), from an identical
   * computation in flight (`coalesced`) or by calling `compute` (`miss`).
   */
  async get(key: string, compute: () => Promise<ConsultReply>): Promise<SourcedReply> {
    const cache = this.#cache;
    if (cache === undefined) return { reply: await compute(), source: 'miss' };
    const id = createHash('sha256').update(key, 'utf8').digest('hex');
    const pending: Pending = { compute, ran: false };
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
    if (ttlMs > 0) this.#cache!.set(id, reply, { ttlMs });
  }

  /** Drops every cached answer; returns how many were held. */
  clear(): number {
    this.#generation++;
    const held = this.#cache?.size ?? 0;
    this.#cache?.clear();
    return held;
  }

  /** Waits for the computations in flight (refreshes included), then drops the cache. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#coalescer?.close();
    await this.#cache?.close();
  }
}
