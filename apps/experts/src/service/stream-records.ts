import { WriteBehindBatcher } from '@breakwater/batcher';
import type { RetryOptions } from '@breakwater/breaker';
import { settleWithin } from '@breakwater/core';
import type { Registry } from '@breakwater/metrics';
import type { ServiceConfig } from './config.js';
import type { ConsultationRecord, ExpertStatsRow, RecordSink, StatsTotals } from './records.js';
import type { RedisLink, RedisLinkLogger } from './redis-link.js';

/** Approximate bound of the records stream (`XADD … MAXLEN ~`): older entries are trimmed. */
export const RECORDS_STREAM_MAXLEN = 100_000;
/** Records waiting to be appended, at most; beyond that a record is dropped from the stream. */
export const RECORDS_STREAM_MAX_PENDING = 10_000;
/** Longest wait for one pipelined batch of XADDs. */
const APPEND_TIMEOUT_MS = 5000;

const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 6,
  backoff: { type: 'exponential', initialDelayMs: 250, maxDelayMs: 4000, jitter: 0.5 },
};

/** Options of {@link RecordStream} beyond the configuration. */
export interface RecordStreamOptions {
  /** How a failed batch is retried before its records are dropped. @default 6 attempts, 250 ms to 4 s */
  retry?: RetryOptions | undefined;
  /** Records queued at most. @default {@link RECORDS_STREAM_MAX_PENDING} */
  maxPending?: number | undefined;
}

/** The configuration fields the stream reads. */
export type RecordStreamConfig = Pick<
  ServiceConfig,
  'redisPrefix' | 'instanceId' | 'recordsBatchSize' | 'recordsFlushMs'
>;

/** A record on its way to the stream. */
interface Entry {
  readonly record: ConsultationRecord;
  /** Set once Redis took it, so that a retried batch does not append it twice. */
  appended: boolean;
}

/**
 * Appends consultation records to the Redis stream `<prefix>records`, so that one reader
 * sees the whole fleet's. Each entry has two fields: `instance` (the instance id) and
 * `record` (the record as JSON). Records are batched (`config.recordsBatchSize`, or
 * `config.recordsFlushMs` after a batch's first record, and on close) and each batch is one
 * pipeline of `XADD <prefix>records MAXLEN ~ 100000 * instance <id> record <json>`.
 *
 * While Redis is unreachable, batches are retried (6 attempts, backoff 250 ms to 4 s) and
 * up to {@link RECORDS_STREAM_MAX_PENDING} records wait; a batch whose attempts all
 * failed, a record that finds the queue full and what is left at close when Redis is down
 * are dropped from the stream (never from the local store), counted and logged. Every
 * record handed to {@link append} ends in exactly one of {@link appended} and
 * {@link dropped}, once nothing is pending.
 */
export class RecordStream {
  readonly key: string;
  readonly #link: RedisLink;
  readonly #instanceId: string;
  readonly #log: RedisLinkLogger;
  readonly #batcher: WriteBehindBatcher<Entry>;
  #appended = 0;
  #dropped = 0;
  /** Whether a failure was logged and the recovery not yet. */
  #failing = false;
  #closing = false;

  constructor(
    link: RedisLink,
    config: RecordStreamConfig,
    registry: Registry,
    log: RedisLinkLogger,
    options: RecordStreamOptions = {},
  ) {
    this.#link = link;
    this.key = `${config.redisPrefix}records`;
    this.#instanceId = config.instanceId;
    this.#log = log;
    const retry = options.retry ?? DEFAULT_RETRY;
    this.#batcher = new WriteBehindBatcher<Entry>({
      write: (entries) => this.#write(entries),
      deadLetter: (entries, error) => {
        const lost = entries.filter((e) => !e.appended);
        this.#drop(lost.length, error, 'retries exhausted');
      },
      maxBatchSize: config.recordsBatchSize,
      maxDelayMs: config.recordsFlushMs,
      maxPending: options.maxPending ?? RECORDS_STREAM_MAX_PENDING,
      onFull: 'reject',
      // Closing: one last attempt per batch, no waiting on a Redis that is away.
      retry: { ...retry, shouldRetry: () => !this.#closing },
    });
    this.#batcher.onRetry((event) => this.#failure(event.error));
    registry.counter({
      name: 'experts_records_stream_total',
      help: 'Consultation records appended to the Redis stream, or dropped from it (they stay in the local store).',
      labelNames: ['result'],
      maxLabelValues: { result: 2 },
      collect: (counter) => {
        counter.inc({ result: 'appended' }, this.#appended - counter.get({ result: 'appended' }));
        counter.inc({ result: 'dropped' }, this.#dropped - counter.get({ result: 'dropped' }));
      },
    });
    registry.gauge({
      name: 'experts_records_stream_pending',
      help: 'Consultation records waiting to be appended to the Redis stream.',
      collect: (gauge) => gauge.set(this.pending),
    });
  }

  /** Records appended to the stream so far. */
  get appended(): number {
    return this.#appended;
  }
  /** Records that could not be appended (they are in the local store). */
  get dropped(): number {
    return this.#dropped;
  }
  /** Records queued or being appended. */
  get pending(): number {
    const s = this.#batcher.stats();
    return s.pending + s.processing;
  }

  /** `appending` while Redis takes the records, `buffering` while they wait for it. */
  state(redisUp: boolean): 'appending' | 'buffering' {
    return redisUp && !this.#failing ? 'appending' : 'buffering';
  }

  /** Queues a record; never throws (a refused record is counted as dropped). */
  append(record: ConsultationRecord): void {
    this.#batcher.add({ record, appended: false }).catch((error: unknown) => {
      this.#drop(1, error, 'queue full or closed');
    });
  }

  /** Appends what is queued now. */
  flush(): Promise<void> {
    return this.#batcher.flush();
  }

  async #write(entries: readonly Entry[]): Promise<void> {
    const todo = entries.filter((e) => !e.appended);
    if (todo.length === 0) return;
    if (!this.#link.ready) throw new Error('Redis is not connected');
    const pipeline = this.#link.client.pipeline();
    for (const { record } of todo) {
      pipeline.xadd(
        this.key,
        'MAXLEN',
        '~',
        RECORDS_STREAM_MAXLEN,
        '*',
        'instance',
        this.#instanceId,
        'record',
        JSON.stringify(record),
      );
    }
    const settled = await settleWithin(pipeline.exec(), APPEND_TIMEOUT_MS);
    if (!settled.ok) throw settled.timedOut ? new Error('XADD timed out') : settled.error;
    const results = settled.value;
    let failure: Error | undefined;
    todo.forEach((entry, i) => {
      const error =
        results?.[i]?.[0] ?? (results === null ? new Error('pipeline discarded') : null);
      if (error) {
        failure ??= error;
        return;
      }
      entry.appended = true;
      this.#appended++;
    });
    if (failure !== undefined) throw failure;
    if (this.#failing) {
      this.#failing = false;
      this.#log.info({ stream: this.key }, 'Records stream: appending again');
    }
  }

  #failure(error: unknown): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#log.warn(
      { stream: this.key, err: error instanceof Error ? error.message : String(error) },
      'Records stream: Redis unavailable; records are kept locally and buffered for the stream',
    );
  }

  #drop(count: number, error: unknown, reason: string): void {
    if (count === 0) return;
    this.#dropped += count;
    this.#failing = true;
    this.#log.warn(
      {
        stream: this.key,
        dropped: count,
        reason,
        err: error instanceof Error ? error.message : String(error),
      },
      'Records stream: records not appended (they stay in the local store)',
    );
  }

  /** Appends what is queued (one attempt per batch once closing), then stops. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#batcher.close();
  }
}

/**
 * A sink that keeps every record in `local` (the instance's own store, which answers the
 * stats) and also appends it to the fleet's {@link RecordStream}.
 */
export class StreamingRecordSink implements RecordSink {
  readonly #local: RecordSink;
  readonly stream: RecordStream;

  constructor(local: RecordSink, stream: RecordStream) {
    this.#local = local;
    this.stream = stream;
  }
  get accepted(): number {
    return this.#local.accepted;
  }
  async open(): Promise<void> {
    await this.#local.open?.();
  }
  add(record: ConsultationRecord): void {
    this.#local.add(record);
    this.stream.append(record);
  }
  stats(windowMs: number): Promise<ExpertStatsRow[]> {
    return this.#local.stats(windowMs);
  }
  totals(windowMs: number): Promise<StatsTotals> {
    return this.#local.totals(windowMs);
  }
  async close(): Promise<void> {
    try {
      await this.stream.close();
    } finally {
      await this.#local.close();
    }
  }
}
