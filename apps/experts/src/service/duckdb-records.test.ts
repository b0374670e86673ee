import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from '@breakwater/metrics';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DuckDbRecordSink,
  type DuckDbRecordSinkOptions,
  type RecordsConfig,
  type RecordWriter,
} from './duckdb-records.js';
import { type ConsultationRecord, MemoryRecordSink } from './records.js';

const sinks: DuckDbRecordSink[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Logged {
  level: 'error' | 'warn';
  object: object;
  message: string;
}

function makeSink(
  config: Partial<RecordsConfig> = {},
  options: DuckDbRecordSinkOptions = {},
): { sink: DuckDbRecordSink; registry: Registry; logs: Logged[] } {
  const registry = new Registry();
  const logs: Logged[] = [];
  const logger = {
    error: (object: object, message: string) => logs.push({ level: 'error', object, message }),
    warn: (object: object, message: string) => logs.push({ level: 'warn', object, message }),
  };
  const sink = new DuckDbRecordSink(
    {
      recordsDb: ':memory:',
      recordsBatchSize: 100,
      recordsFlushMs: 60_000,
      dbConnections: 2,
      ...config,
    },
    registry,
    logger,
    options,
  );
  sinks.push(sink);
  return { sink, registry, logs };
}

let seq = 0;
function record(
  outcomes: ConsultationRecord['outcomes'] = [{ expert: 'a', status: 'ok', latencyMs: 10 }],
  extra: Partial<ConsultationRecord> = {},
): ConsultationRecord {
  seq++;
  return {
    id: `c${seq}`,
    at: Date.now(),
    questionHash: 'f'.repeat(64),
    source: 'miss',
    totalMs: 12,
    agreement: 1,
    outcomes,
    ...extra,
  };
}

/** A writer that records each batch it is given and delegates nowhere. */
function collectingWriter(): { write: RecordWriter; batches: ConsultationRecord[][] } {
  const batches: ConsultationRecord[][] = [];
  return {
    batches,
    write: async (records) => {
      batches.push([...records]);
    },
  };
}

async function count(path: string, table: string): Promise<number> {
  const instance = await DuckDBInstance.create(path);
  try {
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${table}`);
      return Number(reader.getRowObjectsJS()[0]?.['n']);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'experts-records-'));
  dirs.push(dir);
  return join(dir, 'records.duckdb');
}

describe('DuckDbRecordSink', () => {
  it('writes a batch as soon as it holds recordsBatchSize records', async () => {
    const { write, batches } = collectingWriter();
    const { sink } = makeSink({ recordsBatchSize: 3 }, { write });
    for (let i = 0; i < 7; i++) sink.add(record());
    await expect.poll(() => sink.written, { timeout: 10_000 }).toBe(6);
    expect(batches.map((b) => b.length)).toEqual([3, 3]);
    expect(sink.batcherStats().batches.size).toBe(2);
    expect(sink.accepted).toBe(7);
    expect(sink.pending).toBe(1);
    await sink.close();
    expect(batches.map((b) => b.length)).toEqual([3, 3, 1]);
    expect(sink.batcherStats().batches.close).toBe(1);
    expect(sink.written).toBe(7);
    expect(sink.pending).toBe(0);
  });

  it('writes a partial batch once recordsFlushMs has passed', async () => {
    const { write, batches } = collectingWriter();
    const { sink } = makeSink({ recordsBatchSize: 100, recordsFlushMs: 10 }, { write });
    sink.add(record());
    sink.add(record());
    await expect.poll(() => sink.written, { timeout: 10_000 }).toBe(2);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(2);
    expect(sink.batcherStats().batches.delay).toBe(1);
  });

  it('appends records to both tables and closes the file so that it opens again', async () => {
    const path = tempDb();
    const { sink, registry } = makeSink({ recordsDb: path, recordsBatchSize: 2 });
    const outcomes = [
      { expert: 'a', status: 'ok', latencyMs: 10 },
      { expert: 'b', status: 'fallback', latencyMs: 0 },
    ] as const;
    for (let i = 0; i < 5; i++) sink.add(record(outcomes));
    await sink.close();
    expect(sink.written).toBe(5);
    expect(await count(path, 'consultations')).toBe(5);
    expect(await count(path, 'calls')).toBe(10);
    const text = registry.expose().body;
    expect(text).toContain('experts_records_total{result="written"} 5');
    expect(text).toContain('experts_records_pending 0');
    expect(text).toMatch(/experts_records_flush_duration_seconds_count\{reason="size"\} 2/);
    expect(text).toMatch(/experts_records_flush_duration_seconds_count\{reason="close"\} 1/);

    // The same file, reopened by a new store, keeps the old rows and takes new ones.
    const again = makeSink({ recordsDb: path }).sink;
    again.add(record());
    await again.close();
    expect(await count(path, 'consultations')).toBe(6);
  });

  it('retries a failed write, then counts its records as failed and logs them', async () => {
    let attempts = 0;
    const write: RecordWriter = async () => {
      attempts++;
      throw new Error('disk full');
    };
    const { sink, registry, logs } = makeSink(
      { recordsBatchSize: 2 },
      { write, retry: { maxAttempts: 3, backoff: { type: 'constant', delayMs: 1 } } },
    );
    sink.add(record());
    sink.add(record());
    sink.add(record());
    await sink.close();
    expect(attempts).toBe(6);
    expect(sink.accepted).toBe(3);
    expect(sink.written).toBe(0);
    expect(sink.failed).toBe(3);
    expect(sink.pending).toBe(0);
    const text = registry.expose().body;
    expect(text).toContain('experts_records_total{result="failed"} 3');
    expect(text).toContain('experts_records_retries_total 4');
    const errors = logs.filter((l) => l.message === 'consultation records could not be written');
    expect(errors.map((l) => (l.object as { records: number }).records)).toEqual([2, 1]);
    expect(logs.filter((l) => l.level === 'warn')).toHaveLength(4);
  });

  it('writes a batch whose first attempt failed on the retry, once', async () => {
    const path = tempDb();
    let fail = true;
    const { sink } = makeSink(
      { recordsDb: path, recordsBatchSize: 3 },
      {
        retry: { maxAttempts: 2, backoff: { type: 'constant', delayMs: 1 } },
        write: async (records, _context, append) => {
          if (fail) {
            fail = false;
            throw new Error('transient');
          }
          await append(records);
        },
      },
    );
    for (let i = 0; i < 3; i++) sink.add(record());
    await sink.close();
    expect(sink.written).toBe(3);
    expect(sink.failed).toBe(0);
    expect(await count(path, 'consultations')).toBe(3);
  });

  it('rolls a failing batch back: no half-written batch survives', async () => {
    const path = tempDb();
    const { sink } = makeSink(
      { recordsDb: path, recordsBatchSize: 10 },
      { retry: { maxAttempts: 1, backoff: { type: 'constant', delayMs: 1 } } },
    );
    sink.add(record());
    // A record whose outcomes are not iterable makes the append throw midway.
    sink.add({ ...record(), outcomes: null as unknown as ConsultationRecord['outcomes'] });
    await sink.close();
    expect(sink.failed).toBe(2);
    expect(await count(path, 'consultations')).toBe(0);
    expect(await count(path, 'calls')).toBe(0);
  });

  it('counts records added after close as failed, not accepted', async () => {
    const { sink, registry, logs } = makeSink();
    await sink.close();
    sink.add(record());
    expect(sink.accepted).toBe(0);
    expect(sink.failed).toBe(1);
    expect(registry.expose().body).toContain('experts_records_total{result="failed"} 1');
    expect(logs.some((l) => l.level === 'error')).toBe(true);
    await expect(sink.close()).resolves.toBeUndefined();
  });

  it('reports a store that cannot be opened, and fails its records after the retries', async () => {
    const path = join(tempDb(), 'missing-dir', 'records.duckdb');
    const { sink, logs } = makeSink(
      { recordsDb: path },
      { retry: { maxAttempts: 2, backoff: { type: 'constant', delayMs: 1 } } },
    );
    sink.add(record());
    await sink.close();
    expect(sink.failed).toBe(1);
    expect(logs.some((l) => l.message === 'cannot open the records store')).toBe(true);
  });

  it('exposes the pool gauges with bounded states', async () => {
    const { sink, registry } = makeSink();
    sink.add(record());
    await sink.stats(60_000);
    const text = registry.expose().body;
    expect(text).toContain('experts_db_pool_connections{state="idle"} 1');
    expect(text).toContain('experts_db_pool_connections{state="borrowed"} 0');
    expect(text).toContain('experts_db_pool_waiting 0');
  });
});

/** Figures against known records, for the DuckDB store and the in-memory one alike. */
describe.each([
  ['DuckDbRecordSink', (now: () => number) => makeSink({}, { now }).sink],
  ['MemoryRecordSink', (now: () => number) => new MemoryRecordSink({ now })],
] as const)('%s figures', (_name, create) => {
  const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

  it('computes quantiles, error and fallback rates over the window, from fan-outs only', async () => {
    const sink = create(() => NOW);
    // Expert a: latencies 10, 20, ..., 100 ms, one of them an error.
    for (let i = 1; i <= 10; i++) {
      sink.add(
        record(
          [
            { expert: 'a', status: i === 10 ? 'error' : 'ok', latencyMs: i * 10 },
            { expert: 'b', status: i <= 4 ? 'fallback' : 'timeout', latencyMs: i <= 4 ? 0 : 500 },
          ],
          { at: NOW - 1000 * i, totalMs: i },
        ),
      );
    }
    // Outside the window, and a cache hit inside it: neither counts for the experts.
    sink.add(record([{ expert: 'a', status: 'ok', latencyMs: 9999 }], { at: NOW - 3_600_000 }));
    sink.add(
      record([{ expert: 'a', status: 'ok', latencyMs: 9999 }], { at: NOW - 500, source: 'hit' }),
    );
    sink.add(
      record([{ expert: 'a', status: 'ok', latencyMs: 9999 }], { at: NOW - 500, source: 'stale' }),
    );
    sink.add(
      record([{ expert: 'c', status: 'ok', latencyMs: 1 }], { at: NOW - 500, source: 'coalesced' }),
    );

    const rows = await sink.stats(60_000);
    expect(rows).toHaveLength(2);
    const [a, b] = rows;
    expect(a?.expert).toBe('a');
    expect(a?.calls).toBe(10);
    expect(a?.p50Ms).toBeCloseTo(55, 9);
    expect(a?.p95Ms).toBeCloseTo(95.5, 9);
    expect(a?.p99Ms).toBeCloseTo(99.1, 9);
    expect(a?.errorRate).toBeCloseTo(0.1, 9);
    expect(a?.fallbackRate).toBe(0);
    expect(b?.expert).toBe('b');
    expect(b?.calls).toBe(10);
    // Fallbacks are left out of the latencies: the six timeouts all took 500 ms.
    expect(b?.p50Ms).toBe(500);
    expect(b?.p99Ms).toBe(500);
    expect(b?.errorRate).toBeCloseTo(0.6, 9);
    expect(b?.fallbackRate).toBeCloseTo(0.4, 9);

    const totals = await sink.totals(60_000);
    expect(totals.consultations).toBe(13);
    expect(totals.bySource).toEqual({ miss: 10, hit: 1, stale: 1, coalesced: 1 });
    expect(totals.cacheHitShare).toBeCloseTo(2 / 13, 9);

    // A window of 5 s holds the misses 1..5 s old and the three others.
    const recent = await sink.totals(5000);
    expect(recent.consultations).toBe(8);
    const [recentA] = await sink.stats(5000);
    expect(recentA?.calls).toBe(5);
    expect(recentA?.p50Ms).toBeCloseTo(30, 9);
  });

  it('answers empty figures for an empty window', async () => {
    const sink = create(() => NOW);
    expect(await sink.stats(60_000)).toEqual([]);
    expect(await sink.totals(60_000)).toEqual({
      consultations: 0,
      bySource: { miss: 0, hit: 0, stale: 0, coalesced: 0 },
      cacheHitShare: 0,
      p50Ms: null,
      p95Ms: null,
    });
  });

  it('gives null latency quantiles to an expert that only fell back', async () => {
    const sink = create(() => NOW);
    sink.add(record([{ expert: 'z', status: 'fallback', latencyMs: 0 }], { at: NOW - 10 }));
    const [z] = await sink.stats(60_000);
    expect(z).toEqual({
      expert: 'z',
      calls: 1,
      p50Ms: null,
      p95Ms: null,
      p99Ms: null,
      errorRate: 0,
      fallbackRate: 1,
    });
  });
});
