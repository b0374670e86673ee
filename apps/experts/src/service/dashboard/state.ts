import type { BreakerState } from '@breakwater/breaker';
import type { Registry } from '@breakwater/metrics';
import type { ConsultReply } from '../consultation.js';
import type { AnswerSource } from '../records.js';
import { LatencySketch } from './sketch.js';

/** Where the dashboard's figures come from. */
export interface DashboardSources {
  /** This instance's name (`INSTANCE_ID`). */
  readonly instanceId: string;
  /** `resilient` or `naive`. */
  readonly mode: string;
  /** The current state of each expert's circuit breaker. */
  readonly breakerStates: () => ReadonlyMap<string, BreakerState>;
  /** The app's metrics, for the client quota decisions. */
  readonly registry: Registry;
}

/** Options of {@link DashboardState}. */
export interface DashboardStateOptions {
  /** Wall clock, in epoch milliseconds. @default Date.now */
  readonly now?: (() => number) | undefined;
  /** Length of one latency interval, in milliseconds. @default 1000 */
  readonly intervalMs?: number | undefined;
  /** Intervals kept for the charts. @default 60 */
  readonly intervals?: number | undefined;
  /** Recommendations shown of the last consensus. @default 5 */
  readonly topRecommendations?: number | undefined;
}

/** Latency percentiles, in milliseconds (`null` without answers). */
export interface Percentiles {
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
}

/** One interval of the latency chart. */
export interface LatencyPoint extends Percentiles {
  /** Start of the interval, epoch milliseconds. */
  readonly at: number;
  /** Consultations answered in it. */
  readonly count: number;
}

/** What `GET /v1/dashboard` returns and `GET /v1/events` sends. */
export interface DashboardSnapshot {
  readonly instance: string;
  readonly mode: string;
  /** When it was taken, epoch milliseconds. */
  readonly at: number;
  readonly startedAt: number;
  readonly breakers: readonly {
    readonly expert: string;
    readonly state: BreakerState;
    /** Since when the breaker has been in that state as seen here, epoch milliseconds. */
    readonly since: number;
    /** Changes of state seen since the start. */
    readonly changes: number;
  }[];
  readonly limiter: {
    readonly allowed: number;
    readonly limited: number;
    /** `limited / (allowed + limited)`, `null` before any decision. */
    readonly limitedShare: number | null;
    /** Decisions per second over the chart's window. */
    readonly perSecond: number;
  };
  readonly cache: {
    readonly hit: number;
    readonly stale: number;
    readonly miss: number;
    readonly coalesced: number;
    /** `(hit + stale) / all`, `null` before any consultation. */
    readonly hitRatio: number | null;
    /** `coalesced / all`, `null` before any consultation. */
    readonly coalescedShare: number | null;
  };
  readonly latency: Percentiles & {
    readonly intervalMs: number;
    /** Intervals the series holds once the window is full. */
    readonly intervals: number;
    /** Answers per second over the window. */
    readonly perSecond: number;
    /** Oldest first; the last one is the running interval. */
    readonly series: readonly LatencyPoint[];
  };
  readonly consensus: {
    readonly at: number;
    readonly share: number;
    readonly reached: boolean;
    readonly responses: number;
    readonly clusterSizes: readonly number[];
    readonly recommendations: readonly {
      readonly text: string;
      readonly support: number;
      readonly share: number;
    }[];
  } | null;
}

interface Interval {
  readonly start: number;
  readonly sketch: LatencySketch;
  /** Client quota decisions counted when the interval began. */
  readonly decisions: number;
}

const DECISIONS_METRIC = 'experts_client_decisions_total';

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}

function percentiles(sketch: LatencySketch): Percentiles {
  return {
    p50: round(sketch.quantile(0.5)),
    p90: round(sketch.quantile(0.9)),
    p99: round(sketch.quantile(0.99)),
  };
}

/**
 * The live figures of the dashboard: breaker states with the time each entered its state,
 * client quota decisions, cache sources, latencies over a ring of short intervals, and the
 * last consensus.
 */
export class DashboardState {
  readonly #sources: DashboardSources;
  readonly #now: () => number;
  readonly #intervalMs: number;
  readonly #size: number;
  readonly #top: number;
  readonly #startedAt: number;
  readonly #ring: Interval[] = [];
  readonly #breakers = new Map<string, { state: BreakerState; since: number; changes: number }>();
  readonly #sourcesSeen: Record<AnswerSource, number> = { hit: 0, stale: 0, miss: 0, coalesced: 0 };
  #consensus: DashboardSnapshot['consensus'] = null;

  constructor(sources: DashboardSources, options: DashboardStateOptions = {}) {
    this.#sources = sources;
    this.#now = options.now ?? Date.now;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#size = options.intervals ?? 60;
    this.#top = options.topRecommendations ?? 5;
    this.#startedAt = this.#now();
    this.#watchBreakers(this.#startedAt);
    this.#current(this.#startedAt);
  }

  /** Counts the latency of one answered consultation. */
  observeLatency(ms: number): void {
    this.#current(this.#now()).sketch.add(ms);
  }

  /** Notes a consultation's reply: where it came from and its consensus. */
  consulted(reply: ConsultReply, source: AnswerSource): void {
    this.#sourcesSeen[source]++;
    const c = reply.consensus;
    this.#consensus = {
      at: this.#now(),
      share: c.share,
      reached: c.reached,
      responses: c.n,
      clusterSizes: c.clusters.map((cluster) => cluster.size),
      recommendations: c.recommendations.slice(0, this.#top).map((r) => ({
        text: r.text,
        support: r.support,
        share: r.share,
      })),
    };
  }

  /** The figures now. */
  snapshot(): DashboardSnapshot {
    const now = this.#now();
    this.#watchBreakers(now);
    this.#current(now);
    const decisions = this.#decisions();
    const total = this.#ring.reduce((sum, i) => sum + i.sketch.count, 0);
    const whole = new LatencySketch();
    for (const interval of this.#ring) whole.merge(interval.sketch);
    const oldest = this.#ring[0]!;
    const seconds = Math.max(now - oldest.start, this.#intervalMs) / 1000;
    const s = this.#sourcesSeen;
    const consultations = s.hit + s.stale + s.miss + s.coalesced;
    return {
      instance: this.#sources.instanceId,
      mode: this.#sources.mode,
      at: now,
      startedAt: this.#startedAt,
      breakers: [...this.#breakers].map(([expert, b]) => ({ expert, ...b })),
      limiter: {
        allowed: decisions.allowed,
        limited: decisions.limited,
        limitedShare: ratio(decisions.limited, decisions.allowed + decisions.limited),
        perSecond: round((decisions.allowed + decisions.limited - oldest.decisions) / seconds)!,
      },
      cache: {
        ...s,
        hitRatio: ratio(s.hit + s.stale, consultations),
        coalescedShare: ratio(s.coalesced, consultations),
      },
      latency: {
        intervalMs: this.#intervalMs,
        intervals: this.#size,
        perSecond: round(total / seconds)!,
        ...percentiles(whole),
        series: this.#ring.map((i) => ({
          at: i.start,
          count: i.sketch.count,
          ...percentiles(i.sketch),
        })),
      },
      consensus: this.#consensus,
    };
  }

  #watchBreakers(now: number): void {
    for (const [expert, state] of this.#sources.breakerStates()) {
      const known = this.#breakers.get(expert);
      if (known === undefined) this.#breakers.set(expert, { state, since: now, changes: 0 });
      else if (known.state !== state) {
        known.state = state;
        known.since = now;
        known.changes++;
      }
    }
  }

  #decisions(): { allowed: number; limited: number } {
    const counter = this.#sources.registry.get(DECISIONS_METRIC);
    if (counter?.type !== 'counter') return { allowed: 0, limited: 0 };
    return {
      allowed: counter.get({ decision: 'allowed' }),
      limited: counter.get({ decision: 'limited' }),
    };
  }

  /** The running interval, after starting the ones elapsed since the last (empty). */
  #current(now: number): Interval {
    const start = now - (now % this.#intervalMs);
    let last = this.#ring[this.#ring.length - 1];
    if (last !== undefined && last.start >= start) return last;
    const decisions = this.#decisions();
    const count = decisions.allowed + decisions.limited;
    let next =
      last === undefined
        ? start
        : Math.max(last.start + this.#intervalMs, start - this.#size * this.#intervalMs);
    for (; next <= start; next += this.#intervalMs) {
      last = { start: next, sketch: new LatencySketch(), decisions: count };
      this.#ring.push(last);
    }
    if (this.#ring.length > this.#size) this.#ring.splice(0, this.#ring.length - this.#size);
    return last!;
  }
}
