import { WriteBehindBatcher, type WriteContext } from '@breakwater/batcher';
import type { RetryOptions } from '@breakwater/breaker';
import type { Registry } from '@breakwater/metrics';
import { Pool } from '@breakwater/pool';
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBValue,
  timestampValue,
} from '@duckdb/node-api';
import type { ServiceConfig } from './config.js';
import {
  ANSWER_SOURCES,
  type AnswerSource,
  type ConsultationRecord,
  type ExpertStatsRow,
  type RecordSink,
  type StatsTotals,
} from './records.js';

/** The tables of the records store, created when missing. */
export const RECORDS_SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS consultations (
    id VARCHAR NOT NULL,
    answered_at TIMESTAMP NOT NULL,
    question_hash VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    total_ms DOUBLE NOT NULL,
    agreement DOUBLE NOT NULL,
    experts INTEGER NOT NULL,
    written_at TIMESTAMP NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS calls (
    consultation_id VARCHAR NOT NULL,
    answered_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,
    expert VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    latency_ms DOUBLE NOT NULL
  )`,
];

const EXPERT_STATS_SQL = `
  SELECT
    expert,
    count(*)::BIGINT AS calls,
    quantile_cont(latency_ms, [0.5, 0.95, 0.99]) FILTER (WHERE status <> 'fallback') AS q,
    avg(CASE WHEN status IN ('error', 'timeout') THEN 1.0 ELSE 0.0 END) AS error_rate,
    avg(CASE WHEN status = 'fallback' THEN 1.0 ELSE 0.0 END) AS fallback_rate
  FROM calls
  WHERE answered_at >= epoch_ms($1::BIGINT) AND source = 'miss'
  GROUP BY expert
  ORDER BY expert`;

const TOTALS_SQL = `
  SELECT
    source,
    count(*)::BIGINT AS n,
    list(total_ms) AS times
  FROM consultations
  WHERE answered_at >= epoch_ms($1::BIGINT)
  GROUP BY source`;

const TOTAL_QUANTILES_SQL = `
  SELECT quantile_cont(total_ms, [0.5, 0.95]) AS q
  FROM consultations
  WHERE answered_at >= epoch_ms($1::BIGINT)`;

/** The logger calls the store makes (a pino or Fastify logger fits). */
export interface RecordsLogger {
  error(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/**
 * Writes one batch of records; a throw or a rejection fails the attempt. `append` is the
 * store's own write (the DuckDB appender), for a writer that wraps it.
 */
export type RecordWriter = (
  records: readonly ConsultationRecord[],
  context: WriteContext,
  append: (records: readonly ConsultationRecord[]) => Promise<void>,
) => Promise<void>;

/** Options of {@link DuckDbRecordSink} beyond the configuration. */
export interface DuckDbRecordSinkOptions {
  /** Replaces (or wraps) the appender write; tests inject a failing one. @default the DuckDB appender */
  write?: RecordWriter | undefined;
  /**
   * How a failed batch write is retried before its records are counted as failed.
   * @default 4 attempts, exponential backoff from 100 ms to 2 s
   */
  retry?: RetryOptions | undefined;
  /** Wall clock of the stats windows, epoch milliseconds. @default Date.now */
  now?: (() => number) | undefined;
}

/** The configuration fields the store reads. */
export type RecordsConfig = Pick<
  ServiceConfig,
  'recordsDb' | 'recordsBatchSize' | 'recordsFlushMs' | 'dbConnections'
>;

const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 4,
  backoff: { type: 'exponential', initialDelayMs: 100, maxDelayMs: 2000, jitter: 0.5 },
};

const FLUSH_REASONS = ['size', 'weight', 'delay', 'flush', 'close'] as const;
const POOL_STATES = ['idle', 'borrowed', 'creating'] as const;

function micros(epochMs: number): bigint {
  return BigInt(Math.round(epochMs)) * 1000n;
}

function toNumber(value: DuckDBValue | undefined): number {
  return typeof value === 'bigint' ? Number(value) : Number(value ?? 0);
}

function quantiles(value: unknown, count: number): (number | null)[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [];
  return Array.from({ length: count }, (_, i) => {
    const v = list[i];
    return typeof v === 'number' ? v : null;
  });
}

/**
 * Consultation records in an embedded DuckDB database (`config.recordsDb`, a file or
 * `:memory:`). `add` queues a record in a write-behind batcher; batches are appended to
 * the `consultations` and `calls` tables in one transaction each, when
 * `config.recordsBatchSize` records are queued, `config.recordsFlushMs` after a batch's
 * first record, before each stats query and on {@link close}. A failed batch is retried,
 * then counted as failed and logged (with the consultation ids), never dropped unseen.
 * Stats queries use connections from a pool of at most `config.dbConnections`.
 */
export class DuckDbRecordSink implements RecordSink {
  readonly #path: string;
  readonly #logger: RecordsLogger;
  readonly #now: () => number;
  readonly #batcher: WriteBehindBatcher<ConsultationRecord>;
  readonly #pool: Pool<DuckDBConnection>;
  #db: Promise<DuckDBInstance> | undefined;
  #writer: DuckDBConnection | undefined;
  #accepted = 0;
  #written = 0;
  #failed = 0;
  #deadLettered = 0;
  #closing: Promise<void> | undefined;
  readonly #recordsTotal;

  constructor(
    config: RecordsConfig,
    registry: Registry,
    logger: RecordsLogger,
    options: DuckDbRecordSinkOptions = {},
  ) {
    this.#path = config.recordsDb;
    this.#logger = logger;
    this.#now = options.now ?? Date.now;
    const append = (records: readonly ConsultationRecord[]) => this.#append(records);
    const write: RecordWriter = options.write ?? ((records) => append(records));

    this.#recordsTotal = registry.counter({
      name: 'experts_records_total',
      help: 'Consultation records written to the records store, or failed after their retries.',
      labelNames: ['result'],
      maxLabelValues: { result: 2 },
    });
    registry.gauge({
      name: 'experts_records_pending',
      help: 'Consultation records accepted and not yet written (or failed).',
      collect: (gauge) => gauge.set(this.pending),
    });
    const retries = registry.counter({
      name: 'experts_records_retries_total',
      help: 'Failed batch writes of consultation records that were tried again.',
    });
    const flushDuration = registry.histogram({
      name: 'experts_records_flush_duration_seconds',
      help: 'Time to append one batch of consultation records, by what flushed it.',
      labelNames: ['reason'],
      unit: 'seconds',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      maxLabelValues: { reason: FLUSH_REASONS.length },
    });
    const batchSize = registry.histogram({
      name: 'experts_records_batch_size',
      help: 'Consultation records per batch handed to the store.',
      buckets: [1, 5, 10, 50, 100, 500, 1000, 5000, 10_000, 50_000],
    });

    this.#batcher = new WriteBehindBatcher<ConsultationRecord>({
      write: async (records, context) => {
        const started = performance.now();
        try {
          await write(records, context, append);
        } finally {
          flushDuration.observe({ reason: context.reason }, (performance.now() - started) / 1000);
        }
        this.#written += records.length;
        this.#recordsTotal.inc({ result: 'written' }, records.length);
      },
      deadLetter: (records, error) => {
        this.#deadLettered += records.length;
        this.#fail(records, error);
      },
      maxBatchSize: config.recordsBatchSize,
      maxDelayMs: config.recordsFlushMs,
      retry: options.retry ?? DEFAULT_RETRY,
    });
    this.#batcher.onFlush((event) => batchSize.observe(event.size));
    this.#batcher.onRetry((event) => {
      retries.inc();
      this.#logger.warn(
        { err: event.error, attempt: event.attempt, delayMs: event.delayMs },
        'writing consultation records failed; retrying',
      );
    });

    this.#pool = new Pool<DuckDBConnection>({
      create: async () => (await this.#open()).connect(),
      destroy: (connection) => connection.closeSync(),
      max: config.dbConnections,
      acquireTimeoutMs: 10_000,
    });
    registry.gauge({
      name: 'experts_db_pool_connections',
      help: 'DuckDB connections of the stats pool, by state (idle, borrowed, creating).',
      labelNames: ['state'],
      maxLabelValues: { state: POOL_STATES.length },
      collect: (gauge) => {
        const stats = this.#pool.stats();
        for (const state of POOL_STATES) gauge.set({ state }, stats[state]);
      },
    });
    registry.gauge({
      name: 'experts_db_pool_waiting',
      help: 'Stats queries waiting for a DuckDB connection.',
      collect: (gauge) => gauge.set(this.#pool.stats().waiting),
    });

    // Opened at once so that a bad path is reported at start-up; writes retry the open.
    this.#open().catch((error: unknown) => {
      this.#logger.error({ err: error, path: this.#path }, 'cannot open the records store');
    });
  }

  /** Opens the database now (once); rejects with the reason when it cannot be opened. */
  async open(): Promise<void> {
    await this.#open();
  }

  /** Records accepted by {@link add}. */
  get accepted(): number {
    return this.#accepted;
  }

  /** Records written to the store. */
  get written(): number {
    return this.#written;
  }

  /** Records whose batch failed every attempt (or that came after {@link close}). */
  get failed(): number {
    return this.#failed;
  }

  /** Records accepted and not yet written or failed. */
  get pending(): number {
    return this.#accepted - this.#written - this.#deadLettered;
  }

  /** The write-behind batcher's counters (batches by flush reason, retries, …). */
  batcherStats(): ReturnType<WriteBehindBatcher<ConsultationRecord>['stats']> {
    return this.#batcher.stats();
  }

  add(record: ConsultationRecord): void {
    if (this.#batcher.closed) {
      this.#fail([record], new Error('the records store is closed'));
      return;
    }
    this.#accepted++;
    this.#batcher.add(record).catch((error: unknown) => {
      // The queue is unbounded and closing was checked above: not expected, but counted.
      this.#deadLettered++;
      this.#fail([record], error);
    });
  }

  /** Writes every queued record now; resolves once they are written or failed. */
  flush(): Promise<void> {
    return this.#batcher.flush();
  }

  async stats(windowMs: number): Promise<ExpertStatsRow[]> {
    await this.#batcher.flush();
    const reader = await this.#pool.use((c) =>
      c.runAndReadAll(EXPERT_STATS_SQL, [BigInt(Math.floor(this.#now() - windowMs))]),
    );
    return reader.getRowObjectsJS().map((row) => {
      const [p50Ms, p95Ms, p99Ms] = quantiles(row['q'], 3);
      return {
        expert: String(row['expert']),
        calls: toNumber(row['calls'] as DuckDBValue),
        p50Ms: p50Ms ?? null,
        p95Ms: p95Ms ?? null,
        p99Ms: p99Ms ?? null,
        errorRate: toNumber(row['error_rate'] as DuckDBValue),
        fallbackRate: toNumber(row['fallback_rate'] as DuckDBValue),
      };
    });
  }

  async totals(windowMs: number): Promise<StatsTotals> {
    await this.#batcher.flush();
    const from = BigInt(Math.floor(this.#now() - windowMs));
    const [bySourceRows, quantileRows] = await this.#pool.use(async (c) => [
      (await c.runAndReadAll(TOTALS_SQL, [from])).getRowObjectsJS(),
      (await c.runAndReadAll(TOTAL_QUANTILES_SQL, [from])).getRowObjectsJS(),
    ]);
    const bySource = Object.fromEntries(ANSWER_SOURCES.map((s) => [s, 0])) as Record<
      AnswerSource,
      number
    >;
    let consultations = 0;
    for (const row of bySourceRows) {
      const n = toNumber(row['n'] as DuckDBValue);
      const source = String(row['source']) as AnswerSource;
      if (source in bySource) bySource[source] = n;
      consultations += n;
    }
    const [p50Ms, p95Ms] = quantiles(quantileRows[0]?.['q'], 2);
    return {
      consultations,
      bySource,
      cacheHitShare: consultations === 0 ? 0 : (bySource.hit + bySource.stale) / consultations,
      p50Ms: p50Ms ?? null,
      p95Ms: p95Ms ?? null,
    };
  }

  /**
   * Writes everything queued (retries included), closes the stats pool, checkpoints the
   * database and releases its file, so that another process can open it. Records added
   * afterwards are counted as failed. A second call returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await this.#batcher.close();
    await this.#pool.close({ timeoutMs: 5000 }).catch((error: unknown) => {
      this.#logger.warn({ err: error }, 'stats queries still running at close');
    });
    const db = await this.#db?.catch(() => undefined);
    if (db === undefined) return;
    const writer = this.#writer;
    this.#writer = undefined;
    try {
      if (writer !== undefined && this.#path !== ':memory:') await writer.run('CHECKPOINT');
    } catch (error) {
      this.#logger.warn({ err: error }, 'checkpoint of the records store failed');
    } finally {
      writer?.closeSync();
      db.closeSync();
    }
  }

  #fail(records: readonly ConsultationRecord[], error: unknown): void {
    this.#failed += records.length;
    this.#recordsTotal.inc({ result: 'failed' }, records.length);
    this.#logger.error(
      { err: error, records: records.length, ids: records.slice(0, 20).map((r) => r.id) },
      'consultation records could not be written',
    );
  }

  /** Opens the database and creates the tables; a failed open is tried again next time. */
  #open(): Promise<DuckDBInstance> {
    if (this.#db !== undefined) return this.#db;
    const opening = (async () => {
      const instance = await DuckDBInstance.create(this.#path);
      let writer: DuckDBConnection | undefined;
      try {
        writer = await instance.connect();
        for (const sql of RECORDS_SCHEMA) await writer.run(sql);
      } catch (error) {
        writer?.closeSync();
        instance.closeSync();
        throw error;
      }
      this.#writer = writer;
      return instance;
    })();
    this.#db = opening;
    opening.catch(() => {
      if (this.#db === opening) this.#db = undefined;
    });
    return opening;
  }

  /** Appends one batch to both tables in one transaction: all of it or nothing. */
  async #append(records: readonly ConsultationRecord[]): Promise<void> {
    await this.#open();
    const writer = this.#writer;
    if (writer === undefined) throw new Error('the records store is closed');
    const writtenAt = timestampValue(micros(this.#now()));
    await writer.run('BEGIN TRANSACTION');
    const appenders: DuckDBAppender[] = [];
    try {
      const consultations = await writer.createAppender('consultations');
      appenders.push(consultations);
      const calls = await writer.createAppender('calls');
      appenders.push(calls);
      for (const r of records) {
        const answeredAt = timestampValue(micros(r.at));
        consultations.appendVarchar(r.id);
        consultations.appendTimestamp(answeredAt);
        consultations.appendVarchar(r.questionHash);
        consultations.appendVarchar(r.source);
        consultations.appendDouble(r.totalMs);
        consultations.appendDouble(r.agreement);
        consultations.appendInteger(r.outcomes.length);
        consultations.appendTimestamp(writtenAt);
        consultations.endRow();
        for (const o of r.outcomes) {
          calls.appendVarchar(r.id);
          calls.appendTimestamp(answeredAt);
          calls.appendVarchar(r.source);
          calls.appendVarchar(o.expert);
          calls.appendVarchar(o.status);
          calls.appendDouble(o.latencyMs);
          calls.endRow();
        }
      }
      for (const appender of appenders.splice(0)) appender.closeSync();
      await writer.run('COMMIT');
    } catch (error) {
      for (const appender of appenders) {
        try {
          appender.clear();
          appender.closeSync();
        } catch {
          // The transaction is rolled back below.
        }
      }
      await writer.run('ROLLBACK').catch(() => {});
      throw error;
    }
  }
}
