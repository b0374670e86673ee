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

/** Where consultation records go. */
export interface RecordSink {
  /** Queues a record; never throws. */
  add(record: ConsultationRecord): void;
  /** Per-expert figures over the last `windowMs` milliseconds. */
  stats(windowMs: number): Promise<ExpertStatsRow[]>;
  /** Records accepted by {@link add} so far. */
  readonly accepted: number;
  /** Writes what is queued and releases the store. */
  close(): Promise<void>;
}

/** A sink that keeps records in an array (a stand-in until the DuckDB store lands). */
export class MemoryRecordSink implements RecordSink {
  readonly records: ConsultationRecord[] = [];
  get accepted(): number {
    return this.records.length;
  }
  add(record: ConsultationRecord): void {
    this.records.push(record);
  }
  async stats(_windowMs: number): Promise<ExpertStatsRow[]> {
    return [];
  }
  async close(): Promise<void> {}
}
