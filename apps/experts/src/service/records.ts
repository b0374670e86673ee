import type { ExpertOutcome } from './expert-client.js';

/** One accepted consultation, as written to the records store. */
export interface ConsultationRecord {
  /** Random id of the consultation. */
  readonly id: string;
  /** When the answer was sent, epoch milliseconds. */
  readonly at: number;
  /** SHA-256 (hex) of the normalised question: the text itself is never stored. */
  readonly questionHash: string;
  /** Where the answer came from. */
  readonly source: AnswerSource;
  /** Time from request to answer, in milliseconds. */
  readonly totalMs: number;
  /** Consensus share of the confidence in [0, 1] (`consensus.share`). */
  readonly agreement: number;
  /** Each expert's outcome (without the answer text). */
  readonly outcomes: readonly Pick<ExpertOutcome, 'expert' | 'status' | 'latencyMs'>[];
}

/** `miss`: a fan-out ran for this request; `coalesced`: it shared another's; `hit`/`stale`: from the cache. */
export type AnswerSource = 'miss' | 'hit' | 'stale' | 'coalesced';

/** Latency and failure figures of one expert over a window, from the records. */
export interface ExpertStatsRow {
  readonly expert: string;
  readonly calls: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly errorRate: number;
  readonly fallbackRate: number;
}

/** Every {@link AnswerSource}, in a fixed order. */
export const ANSWER_SOURCES: readonly AnswerSource[] = ['miss', 'hit', 'stale', 'coalesced'];

/** Consultation totals over a window, from the records. */
export interface StatsTotals {
  /** Consultations answered in the window. */
  readonly consultations: number;
  /** Consultations by where their answer came from. */
  readonly bySource: Readonly<Record<AnswerSource, number>>;
  /** Share of the consultations answered from the cache (`hit` and `stale`), 0 when none. */
  readonly cacheHitShare: number;
  /** Median and 95th percentile of the time to answer, `null` when there is none. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

/** Where consultation records go. */
export interface RecordSink {
  /** Queues a record; never throws. */
  add(record: ConsultationRecord): void;
  /**
   * Per-expert figures over the last `windowMs` milliseconds, from the consultations that
   * ran a fan-out (`source: 'miss'`): cached and coalesced answers asked no expert.
   */
  stats(windowMs: number): Promise<ExpertStatsRow[]>;
  /** Totals over the last `windowMs` milliseconds, every source included. */
  totals(windowMs: number): Promise<StatsTotals>;
  /** Records accepted by {@link add} so far. */
  readonly accepted: number;
  /** Opens the store; rejects when it cannot be opened (the service then does not start). */
  open?(): Promise<void>;
  /** Writes what is queued and releases the store. */
  close(): Promise<void>;
}

/**
 * The `q` quantile of sorted values, interpolated linearly between the two nearest ranks
 * (as SQL's `quantile_cont`); `null` for no values.
 */
export function quantileCont(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = (sorted.length - 1) * q;
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const a = sorted[low] as number;
  const b = sorted[high] as number;
  return a + (b - a) * (rank - low);
}

/** A sink that keeps records in an array, with the same figures as the DuckDB store. */
export class MemoryRecordSink implements RecordSink {
  readonly records: ConsultationRecord[] = [];
  readonly #now: () => number;
  constructor(options: { now?: (() => number) | undefined } = {}) {
    this.#now = options.now ?? Date.now;
  }
  get accepted(): number {
    return this.records.length;
  }
  add(record: ConsultationRecord): void {
    this.records.push(record);
  }
  #since(windowMs: number): ConsultationRecord[] {
    const from = this.#now() - windowMs;
    return this.records.filter((r) => r.at >= from);
  }
  async stats(windowMs: number): Promise<ExpertStatsRow[]> {
    const calls = new Map<string, Pick<ExpertOutcome, 'status' | 'latencyMs'>[]>();
    for (const record of this.#since(windowMs)) {
      if (record.source !== 'miss') continue;
      for (const o of record.outcomes) {
        const list = calls.get(o.expert) ?? [];
        list.push(o);
        calls.set(o.expert, list);
      }
    }
    return [...calls.keys()].sort().map((expert) => {
      const list = calls.get(expert) ?? [];
      const latencies = list
        .filter((o) => o.status !== 'fallback')
        .map((o) => o.latencyMs)
        .sort((a, b) => a - b);
      const errors = list.filter((o) => o.status === 'error' || o.status === 'timeout').length;
      const fallbacks = list.filter((o) => o.status === 'fallback').length;
      return {
        expert,
        calls: list.length,
        p50Ms: quantileCont(latencies, 0.5),
        p95Ms: quantileCont(latencies, 0.95),
        p99Ms: quantileCont(latencies, 0.99),
        errorRate: errors / list.length,
        fallbackRate: fallbacks / list.length,
      };
    });
  }
  async totals(windowMs: number): Promise<StatsTotals> {
    const records = this.#since(windowMs);
    const bySource = { miss: 0, hit: 0, stale: 0, coalesced: 0 };
    for (const r of records) bySource[r.source]++;
    const times = records.map((r) => r.totalMs).sort((a, b) => a - b);
    return {
      consultations: records.length,
      bySource,
      cacheHitShare: records.length === 0 ? 0 : (bySource.hit + bySource.stale) / records.length,
      p50Ms: quantileCont(times, 0.5),
      p95Ms: quantileCont(times, 0.95),
    };
  }
  async close(): Promise<void> {}
}
