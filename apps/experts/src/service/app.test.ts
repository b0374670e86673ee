import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExpertServer, startExpertServer } from '../sim/expert-server.js';
import { buildApp } from './app.js';
import { loadConfig, type ServiceConfig } from './config.js';
import { BREAKER_OPTIONS } from './expert-client.js';
import { createLogger } from './logger.js';

const experts: ExpertServer[] = [];
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(experts.splice(0).map((e) => e.close()));
});

/** Waits until the expert server closes: the answer never comes before the deadline. */
function hang(_ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

async function startExperts(
  specs: { name: string; opinion?: number; outage?: boolean; slow?: boolean }[],
): Promise<ExpertServer[]> {
  return Promise.all(
    specs.map(async (s) => {
      const server = await startExpertServer({
        name: s.name,
        profile: {
          opinion: s.opinion ?? 0,
          outage: s.outage ?? false,
          latencyMs: s.slow === true ? { median: 10, p99: 10 } : { median: 0, p99: 0 },
        },
        ...(s.slow === true ? { sleep: hang } : {}),
      });
      experts.push(server);
      return server;
    }),
  );
}

async function startApp(
  servers: ExpertServer[],
  env: Record<string, string> = {},
  options: Parameters<typeof buildApp>[1] = { logger: false },
): Promise<{ url: string; config: ServiceConfig }> {
  const config = loadConfig({
    EXPERTS: servers.map((s) => `${s.name}=${s.url}`).join(','),
    PORT: '0',
    RECORDS_DB: ':memory:',
    ...env,
  });
  const app = buildApp(config, options);
  apps.push(app);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: address, config };
}

interface Outcome {
  expert: string;
  status: string;
  answer?: string;
  confidence?: number;
  latencyMs: number;
  error?: string;
}
interface Reply {
  outcomes: Outcome[];
  consensus: { n: number; consensus: { ids: string[] } | null; clusters: { ids: string[] }[] };
  error?: string;
}

async function consult(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/v1/consult`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { response, json: (await response.json()) as Reply };
}

describe('POST /v1/consult', () => {
  it('puts the two experts who agree in the consensus cluster', async () => {
    const servers = await startExperts([
      { name: 'alice', opinion: 1 },
      { name: 'bob', opinion: 1 },
      { name: 'carol', opinion: 2 },
    ]);
    const { url } = await startApp(servers);
    const { response, json } = await consult(url, {
      question: 'Should the cache sit before the breaker?',
    });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('x-exec-time'))).toBeGreaterThanOrEqual(0);
    expect(json.outcomes.map((o) => [o.expert, o.status])).toEqual([
      ['alice', 'ok'],
      ['bob', 'ok'],
      ['carol', 'ok'],
    ]);
    expect(json.outcomes[0]!.answer).toBe(json.outcomes[1]!.answer);
    expect(json.outcomes[0]!.answer).not.toBe(json.outcomes[2]!.answer);
    expect(json.consensus.n).toBe(3);
    expect(json.consensus.consensus?.ids).toEqual(['alice', 'bob']);
  });

  it('asks only the selected experts', async () => {
    const servers = await startExperts([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    const { url } = await startApp(servers);
    const { json } = await consult(url, { question: 'q', experts: ['c', 'a'] });
    expect(json.outcomes.map((o) => o.expert)).toEqual(['c', 'a']);
    expect(servers[1]!.stats().requests).toBe(0);
  });

  it('answers 200 with a fallback outcome for an expert in outage', async () => {
    const servers = await startExperts([
      { name: 'a', opinion: 1 },
      { name: 'b', opinion: 1 },
      { name: 'down', outage: true },
    ]);
    const { url } = await startApp(servers);
    const { response, json } = await consult(url, { question: 'Retry or not?' });
    expect(response.status).toBe(200);
    expect(json.outcomes[2]).toMatchObject({
      expert: 'down',
      status: 'fallback',
      reason: 'retries exhausted',
      error: 'HTTP 503',
    });
    expect(json.outcomes[2]!.answer).toBeUndefined();
    expect(json.consensus.n).toBe(2);
    expect(json.consensus.consensus?.ids).toEqual(['a', 'b']);
  });

  it('reports an unreachable expert as a fallback', async () => {
    const [gone] = await startExperts([{ name: 'gone' }]);
    const { url } = await startApp([gone!]);
    await gone!.close();
    const { response, json } = await consult(url, { question: 'q' });
    expect(response.status).toBe(200);
    expect(json.outcomes[0]).toMatchObject({
      status: 'fallback',
      reason: 'retries exhausted',
      error: 'unreachable',
    });
    expect(json.consensus.consensus).toBeNull();
  });

  it('marks an expert that misses the deadline as a timeout', async () => {
    const servers = await startExperts([{ name: 'fast' }, { name: 'slow', slow: true }]);
    const { url } = await startApp(servers);
    const { response, json } = await consult(url, { question: 'q', deadlineMs: 100 });
    expect(response.status).toBe(200);
    expect(json.outcomes.map((o) => o.status)).toEqual(['ok', 'timeout']);
    expect(json.consensus.n).toBe(1);
  });

  it('uses DEFAULT_DEADLINE_MS without deadlineMs', async () => {
    const servers = await startExperts([{ name: 'slow', slow: true }]);
    const { url } = await startApp(servers, { DEFAULT_DEADLINE_MS: '100' });
    const { json } = await consult(url, { question: 'q' });
    expect(json.outcomes[0]!.status).toBe('timeout');
  });

  describe('refuses bad input with a 4xx naming the field', () => {
    const long = 'x'.repeat(4001);
    it.each([
      [{}, 400, /`question`/],
      [{ question: '' }, 400, /`question`/],
      [{ question: '   ' }, 400, /`question`/],
      [{ question: 42 }, 400, /`question`/],
      [{ question: long }, 400, /`question`/],
      [{ question: 'q', experts: [] }, 400, /`experts`/],
      [{ question: 'q', experts: 'a' }, 400, /`experts`/],
      [{ question: 'q', experts: ['nobody'] }, 400, /`experts\[0\]`/],
      [{ question: 'q', experts: ['a', 7] }, 400, /`experts\[1\]`/],
      [{ question: 'q', experts: ['a', 'a'] }, 400, /`experts`.*twice/],
      [{ question: 'q', deadlineMs: 99 }, 400, /`deadlineMs`/],
      [{ question: 'q', deadlineMs: 60_001 }, 400, /`deadlineMs`/],
      [{ question: 'q', deadlineMs: 150.5 }, 400, /`deadlineMs`/],
      [{ question: 'q', deadlineMs: '200' }, 400, /`deadlineMs`/],
      [{ question: 'q', extra: 1 }, 400, /`extra`/],
      [[1, 2], 400, /JSON object/],
      ['null', 400, /JSON object/],
      ['{"question":', 400, /valid JSON/],
      ['{"question":"q","__proto__":{"polluted":true}}', 400, /./],
      ['{"question":"q","constructor":{"prototype":{"polluted":true}}}', 400, /./],
    ])('%j → %i', async (body, status, message) => {
      const servers = await startExperts([{ name: 'a' }]);
      const { url } = await startApp(servers);
      const { response, json } = await consult(url, body);
      expect(response.status).toBe(status);
      expect(json.error).toMatch(message);
      expect(servers[0]!.stats().requests).toBe(0);
      expect(Object.prototype).not.toHaveProperty('polluted');
    });

    it('answers 413 to a body over BODY_LIMIT_BYTES', async () => {
      const servers = await startExperts([{ name: 'a' }]);
      const { url } = await startApp(servers, { BODY_LIMIT_BYTES: '1024' });
      const { response, json } = await consult(url, { question: 'x'.repeat(2000) });
      expect(response.status).toBe(413);
      expect(typeof json.error).toBe('string');
    });

    it('answers 415 to a body that is not JSON', async () => {
      const servers = await startExperts([{ name: 'a' }]);
      const { url } = await startApp(servers);
      const { response } = await consult(url, 'question=q', { 'content-type': 'text/plain' });
      expect(response.status).toBe(415);
    });
  });
});

describe('health and readiness', () => {
  it('answers /health', async () => {
    const servers = await startExperts([{ name: 'a' }]);
    const { url } = await startApp(servers);
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
  });

  it('is ready when every expert answers /health and 503 naming the ones that do not', async () => {
    const servers = await startExperts([{ name: 'a' }, { name: 'b' }]);
    const { url } = await startApp(servers);
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    await servers[1]!.close();
    const down = await fetch(`${url}/ready`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'unavailable', failed: ['b'] });
  });
});

describe('security', () => {
  it('sets the security headers on every response, errors included', async () => {
    const servers = await startExperts([{ name: 'a' }]);
    const { url } = await startApp(servers);
    const responses = [
      await fetch(`${url}/health`),
      await fetch(`${url}/missing`),
      (await consult(url, { question: 'q' })).response,
      (await consult(url, '{bad')).response,
    ];
    for (const response of responses) {
      expect(response.headers.get('content-security-policy')).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('never writes credentials or questions to the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const servers = await startExperts([{ name: 'a' }]);
    const { url } = await startApp(servers, {}, { logger: createLogger('trace', sink) });
    await consult(
      url,
      { question: 'top-secret-question' },
      { authorization: 'Bearer s3cr3t', 'x-api-key': 'k3y' },
    );
    await consult(url, '{"question":"top-secret-question"');
    const log = lines.join('');
    expect(log).toContain('request completed');
    expect(log).not.toContain('s3cr3t');
    expect(log).not.toContain('k3y');
    expect(log).not.toContain('top-secret-question');
  });

  it('redacts the listed paths when they are logged', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger('info', sink);
    logger.info({
      req: {
        headers: { authorization: 'Bearer s3cr3t', 'x-api-key': 'k3y' },
        body: { question: 'q?' },
      },
    });
    logger.info({ question: 'q?' });
    const log = lines.join('');
    expect(log).not.toContain('s3cr3t');
    expect(log).not.toContain('k3y');
    expect(log).not.toContain('q?');
    expect(log).toContain('[redacted]');
  });
});

describe('circuit breakers and metrics', () => {
  async function scrape(url: string, accept?: string) {
    const response = await fetch(
      `${url}/metrics`,
      accept === undefined ? {} : { headers: { accept } },
    );
    return { response, text: await response.text() };
  }

  it('opens the breaker of an expert in outage, then falls back without asking it', async () => {
    const servers = await startExperts([{ name: 'up' }, { name: 'down', outage: true }]);
    let now = 0;
    // Without retries, each consultation is one attempt at `down`.
    const { url } = await startApp(
      servers,
      { EXPERT_RETRIES: '0' },
      { logger: false, breakerClock: { now: () => now } },
    );
    const down = servers[1]!;
    for (let i = 0; i < BREAKER_OPTIONS.minimumCalls; i += 1) {
      // Distinct questions: each one asks the experts (an identical one would be cached).
      const { json } = await consult(url, { question: `q${i}` });
      expect(json.outcomes.map((o) => o.status)).toEqual(['ok', 'fallback']);
      expect(json.outcomes[1]).toMatchObject({ reason: 'retries exhausted', error: 'HTTP 503' });
    }
    expect(down.stats().requests).toBe(BREAKER_OPTIONS.minimumCalls);
    let metrics = (await scrape(url)).text;
    expect(metrics).toContain('experts_breaker_state{expert="down",state="open"} 1');
    expect(metrics).toContain('experts_breaker_state{expert="up",state="closed"} 1');

    const { response, json } = await consult(url, { question: 'q-open' });
    expect(response.status).toBe(200);
    expect(json.outcomes[1]).toMatchObject({
      expert: 'down',
      status: 'fallback',
      reason: 'breaker open',
    });
    expect(json.outcomes[0]!.status).toBe('ok');
    expect(down.stats().requests).toBe(BREAKER_OPTIONS.minimumCalls);

    metrics = (await scrape(url)).text;
    expect(metrics).toContain('experts_expert_calls_total{expert="down",outcome="fallback"} 6');
    expect(metrics).toContain('experts_expert_calls_total{expert="up",outcome="ok"} 6');
    expect(metrics).toContain('experts_requests_total{route="/v1/consult",status="200"} 6');
    expect(metrics).toContain('experts_expert_call_duration_seconds_count{expert="up"} 6');

    // After the open duration one probe goes through; the expert is back, so the breaker closes.
    down.setProfile({ outage: false });
    now += 30_000; // BREAKER_OPEN_MS default
    const probe = await consult(url, { question: 'q-probe' });
    expect(probe.json.outcomes[1]!.status).toBe('ok');
    expect(down.stats().requests).toBe(BREAKER_OPTIONS.minimumCalls + 1);
    metrics = (await scrape(url)).text;
    expect(metrics).toContain('experts_breaker_state{expert="down",state="closed"} 1');
    expect(metrics).toContain('experts_breaker_state{expert="down",state="open"} 0');
  });

  it('serves /metrics as Prometheus text or OpenMetrics, with bounded routes', async () => {
    const servers = await startExperts([{ name: 'a' }]);
    const { url } = await startApp(servers);
    await consult(url, { question: 'q' });
    await fetch(`${url}/no/such/route/123`);
    await fetch(`${url}/health`);

    const plain = await scrape(url);
    expect(plain.response.status).toBe(200);
    expect(plain.response.headers.get('content-type')).toMatch(/^text\/plain/);
    for (const family of [
      '# TYPE experts_requests_total counter',
      '# TYPE experts_request_duration_seconds histogram',
      '# TYPE experts_expert_calls_total counter',
      '# TYPE experts_expert_call_duration_seconds histogram',
      '# TYPE experts_breaker_state gauge',
    ]) {
      expect(plain.text).toContain(family);
    }
    expect(plain.text).toContain('experts_requests_total{route="other",status="404"} 1');
    expect(plain.text).toContain('experts_requests_total{route="/health",status="200"} 1');
    expect(plain.text).not.toContain('/no/such');

    const open = await scrape(url, 'application/openmetrics-text; version=1.0.0');
    expect(open.response.headers.get('content-type')).toMatch(/^application\/openmetrics-text/);
    expect(open.text).toContain('# TYPE experts_expert_calls counter');
    expect(open.text).toContain('experts_expert_calls_total{expert="a",outcome="ok"} 1');
    expect(open.text.trimEnd().endsWith('# EOF')).toBe(true);
  });
});
