import { Registry } from '@breakwater/metrics';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExpertServer, startExpertServer } from '../sim/expert-server.js';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { DuckDbRecordSink } from './duckdb-records.js';
import type { ConsultationRecord, RecordSink } from './records.js';
import { parseWindow, registerStatsRoute, type StatsReply } from './stats-route.js';

const apps: FastifyInstance[] = [];
const experts: ExpertServer[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(experts.splice(0).map((e) => e.close()));
});

const NOW = Date.UTC(2026, 5, 1, 8, 30, 0);
const silent = { error: () => {}, warn: () => {} };

async function serve(records: RecordSink, now = () => NOW): Promise<string> {
  const app = Fastify();
  registerStatsRoute(app, records, now);
  app.addHook('onClose', async () => records.close());
  apps.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

function memorySink(): DuckDbRecordSink {
  return new DuckDbRecordSink(
    { recordsDb: ':memory:', recordsBatchSize: 500, recordsFlushMs: 60_000, dbConnections: 2 },
    new Registry(),
    silent,
    { now: () => NOW },
  );
}

let seq = 0;
function record(
  agoMs: number,
  outcomes: ConsultationRecord['outcomes'],
  source: ConsultationRecord['source'] = 'miss',
): ConsultationRecord {
  seq++;
  return {
    id: `r${seq}`,
    at: NOW - agoMs,
    questionHash: '0'.repeat(64),
    source,
    totalMs: 5,
    agreement: 0.5,
    outcomes,
  };
}

async function stats(url: string, query = ''): Promise<{ status: number; body: StatsReply }> {
  const response = await fetch(`${url}/v1/stats${query}`);
  return { status: response.status, body: (await response.json()) as StatsReply };
}

describe('parseWindow', () => {
  it.each([
    ['1s', 1000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['30d', 2_592_000_000],
    ['720h', 2_592_000_000],
  ])('reads %s', (text, ms) => {
    expect(parseWindow(text)).toBe(ms);
  });

  it.each([
    '0s',
    '31d',
    '721h',
    '15',
    'm',
    '1.5m',
    '-1m',
    '15M',
    ' 15m',
    '15ms',
    '9999999999s',
    '',
    undefined,
    ['1m'],
  ])('refuses %j naming `window`', (value) => {
    expect(() => parseWindow(value)).toThrow(/`window`/);
  });
});

describe('GET /v1/stats', () => {
  it('answers the figures of known records, per expert and in total', async () => {
    const sink = memorySink();
    // Expert a: 20 calls at 1..20 ms; expert b: 4 calls, 1 error, 1 fallback.
    for (let i = 1; i <= 20; i++) {
      const outcomes: ConsultationRecord['outcomes'][number][] = [
        { expert: 'a', status: 'ok', latencyMs: i },
      ];
      if (i <= 4) {
        const status = i === 1 ? 'error' : i === 2 ? 'fallback' : 'ok';
        outcomes.push({ expert: 'b', status, latencyMs: status === 'fallback' ? 0 : 100 * i });
      }
      sink.add(record(i * 1000, outcomes));
    }
    sink.add(record(100, [{ expert: 'a', status: 'ok', latencyMs: 1 }], 'hit'));
    sink.add(record(100, [{ expert: 'a', status: 'ok', latencyMs: 1 }], 'coalesced'));
    // Two hours ago: outside the default 15 minutes.
    sink.add(record(7_200_000, [{ expert: 'a', status: 'error', latencyMs: 5000 }]));
    const url = await serve(sink);

    const { status, body } = await stats(url);
    expect(status).toBe(200);
    expect(body.window).toBe('15m');
    expect(body.windowMs).toBe(900_000);
    expect(body.to).toBe(new Date(NOW).toISOString());
    expect(body.from).toBe(new Date(NOW - 900_000).toISOString());
    expect(body.totals.consultations).toBe(22);
    expect(body.totals.bySource).toEqual({ miss: 20, hit: 1, stale: 0, coalesced: 1 });
    expect(body.totals.cacheHitShare).toBeCloseTo(1 / 22, 9);
    expect(body.experts.map((e) => e.expert)).toEqual(['a', 'b']);
    const [a, b] = body.experts;
    expect(a).toMatchObject({ calls: 20, errorRate: 0, fallbackRate: 0 });
    expect(a?.p50Ms).toBeCloseTo(10.5, 9);
    // Latencies are rounded to the microsecond.
    expect(a?.p95Ms).toBe(19.05);
    expect(a?.p99Ms).toBe(19.81);
    // b's latencies without the fallback: 100, 300, 400.
    expect(b).toMatchObject({ calls: 4, errorRate: 0.25, fallbackRate: 0.25, p50Ms: 300 });
    expect(b?.p95Ms).toBe(390);

    const wide = await stats(url, '?window=3h');
    expect(wide.body.totals.consultations).toBe(23);
    expect(wide.body.experts[0]).toMatchObject({ expert: 'a', calls: 21, errorRate: 1 / 21 });
    const narrow = await stats(url, '?window=5s');
    expect(narrow.body.experts[0]).toMatchObject({ expert: 'a', calls: 5, p50Ms: 3 });
  });

  it.each(['0s', '31d', 'abc', '15', '1m&window=2m'])(
    'answers 400 naming `window` for window=%s',
    async (window) => {
      const url = await serve(memorySink());
      const { status, body } = await stats(url, `?window=${window}`);
      expect(status).toBe(400);
      expect((body as unknown as { error: string }).error).toMatch(/`window`/);
    },
  );

  it('answers 503 when the store cannot answer', async () => {
    const sink = memorySink();
    await sink.close();
    const url = await serve(sink);
    const { status, body } = await stats(url);
    expect(status).toBe(503);
    expect((body as unknown as { error: string }).error).toMatch(/unavailable/);
  });

  it('sees the consultations the service answered, flushed before the query', async () => {
    const expert = await startExpertServer({
      name: 'a',
      profile: { latencyMs: { median: 0, p99: 0 } },
    });
    experts.push(expert);
    const config = loadConfig({
      EXPERTS: `a=${expert.url}`,
      RECORDS_DB: ':memory:',
      RECORDS_BATCH_SIZE: '1000',
      RECORDS_FLUSH_MS: '60000',
    });
    const app = buildApp(config, { logger: false });
    apps.push(app);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    for (const question of ['one', 'two', 'three']) {
      const response = await fetch(`${url}/v1/consult`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question }),
      });
      expect(response.status).toBe(200);
    }
    const { status, body } = await stats(url, '?window=1h');
    expect(status).toBe(200);
    expect(body.totals.consultations).toBe(3);
    expect(body.totals.bySource.miss).toBe(3);
    expect(body.experts).toMatchObject([{ expert: 'a', calls: 3, errorRate: 0 }]);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('experts_records_total{result="written"} 3');
    expect(metrics).toContain('experts_requests_total{route="/v1/stats",status="200"} 1');
  });
});
