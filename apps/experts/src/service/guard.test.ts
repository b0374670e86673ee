import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExpertServer, startExpertServer } from '../sim/expert-server.js';
import type { ExpertProfileInput } from '../sim/profile.js';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import {
  BREAKER_OPTIONS,
  deadlineSignal,
  ExpertClient,
  type ExpertOutcome,
  MAX_ANSWER_BYTES,
} from './expert-client.js';
import { ExpertCallError, NaiveExpertClient } from './naive-client.js';

const experts: ExpertServer[] = [];
const apps: FastifyInstance[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(closers.splice(0).map((c) => c()));
  await Promise.all(experts.splice(0).map((e) => e.close()));
});

/** Never answers: the delay ends only when the expert server closes. */
function hang(_ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

interface Spec {
  name: string;
  profile?: ExpertProfileInput;
  hangs?: boolean;
}

async function startExperts(specs: Spec[]): Promise<ExpertServer[]> {
  return Promise.all(
    specs.map(async (s) => {
      const server = await startExpertServer({
        name: s.name,
        profile:
          s.hangs === true ? { ...s.profile, latencyMs: { median: 10, p99: 10 } } : s.profile,
        ...(s.hangs === true ? { sleep: hang } : {}),
      });
      experts.push(server);
      return server;
    }),
  );
}

/** A manual clock for the breakers and the provider quotas. */
function manualClock(): { now(): number; advance(ms: number): void } {
  let now = 0;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

async function startApp(
  servers: ExpertServer[],
  env: Record<string, string> = {},
  clock = manualClock(),
): Promise<string> {
  const config = loadConfig({
    EXPERTS: servers.map((s) => `${s.name}=${s.url}`).join(','),
    ...env,
  });
  const app = buildApp(config, { logger: false, breakerClock: clock });
  apps.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

interface Reply {
  outcomes: (ExpertOutcome & { reason?: string })[];
  consensus: { n: number };
  error?: string;
}

async function consult(url: string, body: unknown): Promise<{ status: number; json: Reply }> {
  const response = await fetch(`${url}/v1/consult`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Reply };
}

async function metrics(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** Waits (polling) until `check` holds. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('outage, breaker and recovery', () => {
  it('retries, opens the breaker, falls back without asking, then recovers', async () => {
    const servers = await startExperts([{ name: 'up' }, { name: 'down' }]);
    const down = servers[1]!;
    const clock = manualClock();
    const url = await startApp(servers, {}, clock);

    // A good answer first: later fallbacks for the same question carry it.
    const before = await consult(url, { question: 'Known question?', experts: ['down'] });
    expect(before.json.outcomes[0]).toMatchObject({ status: 'ok', attempts: 1 });
    const known = before.json.outcomes[0]!.answer;
    down.setProfile({ outage: true });

    // 1 attempt + 2 retries, every one a 503: retries exhausted (breaker still closed).
    const first = await consult(url, { question: 'outage 1' });
    expect(first.status).toBe(200);
    expect(first.json.outcomes[0]!.status).toBe('ok');
    expect(first.json.outcomes[1]).toMatchObject({
      expert: 'down',
      status: 'fallback',
      reason: 'retries exhausted',
      error: 'HTTP 503',
      attempts: 3,
    });
    expect(first.json.outcomes[1]!.answer).toBeUndefined();
    expect(down.stats().unavailable).toBe(3);

    // One more failed attempt makes 4 failures in 5 calls: the breaker opens, refusing the retry.
    const second = await consult(url, { question: 'outage 2' });
    expect(second.json.outcomes[1]).toMatchObject({
      status: 'fallback',
      reason: 'breaker open',
      error: 'HTTP 503',
      attempts: 1,
    });
    expect(down.stats().unavailable).toBe(4);
    let text = await metrics(url);
    expect(text).toContain('experts_breaker_state{expert="down",state="open"} 1');

    // While open: no request reaches the expert; the last good answer is served stale.
    const open = await consult(url, { question: 'Known question?', experts: ['up', 'down'] });
    expect(open.status).toBe(200);
    expect(open.json.outcomes[1]).toMatchObject({
      status: 'fallback',
      reason: 'breaker open',
      answer: known,
      stale: true,
      error: 'HTTP 503',
    });
    expect(open.json.outcomes[1]!.attempts).toBeUndefined();
    expect(open.json.consensus.n).toBe(1);
    expect(down.stats().requests).toBe(5);

    text = await metrics(url);
    expect(text).toContain('experts_expert_retries_total{expert="down"} 3');
    expect(text).toContain(
      'experts_expert_fallbacks_total{expert="down",reason="retries exhausted"} 1',
    );
    expect(text).toContain('experts_expert_fallbacks_total{expert="down",reason="breaker open"} 2');
    expect(text).toContain('experts_expert_limit_total{expert="down",decision="allowed"} 5');
    expect(text).not.toContain('experts_expert_retries_total{expert="up"}');

    // After the open duration one probe goes through; the expert is back: closed again.
    down.setProfile({ outage: false });
    clock.advance(30_000); // BREAKER_OPEN_MS default
    const probe = await consult(url, { question: 'recovered?' });
    expect(probe.json.outcomes.map((o) => o.status)).toEqual(['ok', 'ok']);
    text = await metrics(url);
    expect(text).toContain('experts_breaker_state{expert="down",state="closed"} 1');
  });

  it('recovers intermittent errors by retrying', async () => {
    const servers = await startExperts([{ name: 'flaky', profile: { errorRate: 0.3, seed: 37 } }]);
    const url = await startApp(servers, { EXPERT_RETRIES: '5' });
    for (let i = 0; i < 12; i++) {
      const { json } = await consult(url, { question: `flaky ${i}` });
      expect(json.outcomes[0]!.status).toBe('ok');
    }
    const stats = servers[0]!.stats();
    expect(stats.failed).toBeGreaterThan(0);
    expect(stats.answered).toBe(12);
    const text = await metrics(url);
    expect(text).toContain(`experts_expert_retries_total{expert="flaky"} ${stats.failed}`);
    expect(text).toContain('experts_breaker_state{expert="flaky",state="closed"} 1');
  });

  it('does not retry an expert that refuses the question', async () => {
    const [server] = await startExperts([{ name: 'strict' }]);
    const config = loadConfig({ EXPERTS: `strict=${server!.url}` });
    const client = new ExpertClient(config);
    closers.push(() => client.close());
    // The simulated expert refuses questions over 4000 characters with a 400.
    const outcome = await client.ask(config.experts[0]!, 'x'.repeat(4001), deadlineSignal(1000));
    expect(outcome).toMatchObject({ status: 'error', error: 'HTTP 400', attempts: 1 });
    expect(server!.stats().rejected).toBe(1);
    expect(client.breakerStates().get('strict')).toBe('closed');
  });
});

describe('deadlines and attempt timeouts', () => {
  it('answers by the deadline with the others while one expert hangs', async () => {
    const servers = await startExperts([
      { name: 'a', profile: { opinion: 1 } },
      { name: 'b', profile: { opinion: 1 } },
      { name: 'stuck', hangs: true },
    ]);
    const url = await startApp(servers);
    const { status, json } = await consult(url, { question: 'hang?', deadlineMs: 300 });
    expect(status).toBe(200);
    expect(json.outcomes.map((o) => o.status)).toEqual(['ok', 'ok', 'timeout']);
    expect(json.outcomes[2]).toMatchObject({ error: 'deadline exceeded', attempts: 1 });
    expect(json.consensus.n).toBe(2);
  });

  it('does not count deadline aborts as breaker failures', async () => {
    const servers = await startExperts([{ name: 'stuck', hangs: true }]);
    const url = await startApp(servers);
    for (let i = 0; i < BREAKER_OPTIONS.minimumCalls + 2; i++) {
      const { json } = await consult(url, { question: `deadline ${i}`, deadlineMs: 100 });
      expect(json.outcomes[0]!.status).toBe('timeout');
    }
    expect(servers[0]!.stats().requests).toBe(BREAKER_OPTIONS.minimumCalls + 2);
    expect(await metrics(url)).toContain('experts_breaker_state{expert="stuck",state="closed"} 1');
  });

  it('counts attempt timeouts as failures, retries them within the deadline, then opens', async () => {
    const servers = await startExperts([{ name: 'stuck', hangs: true }]);
    const url = await startApp(servers, { EXPERT_TIMEOUT_MS: '50' });
    const first = await consult(url, { question: 'slow 1', deadlineMs: 5000 });
    expect(first.json.outcomes[0]).toMatchObject({
      status: 'fallback',
      reason: 'retries exhausted',
      error: 'attempt timed out after 50 ms',
      attempts: 3,
    });
    const second = await consult(url, { question: 'slow 2', deadlineMs: 5000 });
    expect(second.json.outcomes[0]).toMatchObject({ status: 'fallback', reason: 'breaker open' });
    expect(servers[0]!.stats().requests).toBe(BREAKER_OPTIONS.minimumCalls);
    expect(await metrics(url)).toContain('experts_breaker_state{expert="stuck",state="open"} 1');
  });

  it('starts no retry the deadline leaves no room for', async () => {
    const servers = await startExperts([{ name: 'stuck', hangs: true }]);
    const url = await startApp(servers, { EXPERT_TIMEOUT_MS: '50' });
    // After a 50 ms attempt, less than the longest first wait (50 ms) plus 50 ms is left.
    const { json } = await consult(url, { question: 'no room', deadlineMs: 140 });
    expect(json.outcomes[0]).toMatchObject({
      status: 'fallback',
      reason: 'retries exhausted',
      attempts: 1,
    });
    expect(servers[0]!.stats().requests).toBe(1);
  });
});

describe('bulkhead and provider quota', () => {
  it('falls back when the bulkhead is full', async () => {
    const servers = await startExperts([{ name: 'stuck', hangs: true }, { name: 'ok' }]);
    const stuck = servers[0]!;
    const url = await startApp(servers, { EXPERT_CONCURRENCY: '1' });
    const pending = consult(url, { question: 'holds the slot', deadlineMs: 1000 });
    await until(() => stuck.stats().requests === 1);
    expect(await metrics(url)).toContain('experts_expert_in_flight{expert="stuck"} 1');

    const { status, json } = await consult(url, { question: 'finds it full' });
    expect(status).toBe(200);
    expect(json.outcomes[0]).toMatchObject({
      expert: 'stuck',
      status: 'fallback',
      reason: 'bulkhead full',
      error: '1 requests in flight',
    });
    expect(json.outcomes[1]!.status).toBe('ok');
    expect(stuck.stats().requests).toBe(1);
    expect((await pending).json.outcomes[0]!.status).toBe('timeout');

    expect(await metrics(url)).toContain(
      'experts_expert_fallbacks_total{expert="stuck",reason="bulkhead full"} 1',
    );
    // The slot frees once the aborted request has really ended.
    let text = await metrics(url);
    while (!text.includes('experts_expert_in_flight{expert="stuck"} 0')) text = await metrics(url);
  });

  it('falls back when the provider quota is used up, with the last good answer', async () => {
    const servers = await startExperts([{ name: 'a' }, { name: 'b' }]);
    const clock = manualClock();
    const url = await startApp(servers, { EXPERT_LIMIT_PER_SECOND: '2' }, clock);
    const q1 = await consult(url, { question: 'quota 1', experts: ['a'] });
    await consult(url, { question: 'quota 2', experts: ['a'] });
    const limited = await consult(url, { question: 'quota 1', experts: ['a', 'b'] });
    expect(limited.status).toBe(200);
    expect(limited.json.outcomes[0]).toMatchObject({
      status: 'fallback',
      reason: 'provider quota',
      answer: q1.json.outcomes[0]!.answer,
      confidence: q1.json.outcomes[0]!.confidence,
      stale: true,
    });
    expect(limited.json.outcomes[0]!.error).toMatch(/^provider quota used up, retry in \d+ ms$/);
    expect(limited.json.outcomes[1]!.status).toBe('ok');
    const fresh = await consult(url, { question: 'quota 3', experts: ['a'] });
    expect(fresh.json.outcomes[0]).toMatchObject({ status: 'fallback', reason: 'provider quota' });
    expect(fresh.json.outcomes[0]!.answer).toBeUndefined();
    expect(servers[0]!.stats().requests).toBe(2);

    let text = await metrics(url);
    expect(text).toContain('experts_expert_limit_total{expert="a",decision="allowed"} 2');
    expect(text).toContain('experts_expert_limit_total{expert="a",decision="limited"} 2');
    expect(text).toContain('experts_breaker_state{expert="a",state="closed"} 1');

    clock.advance(1000);
    const later = await consult(url, { question: 'quota 4', experts: ['a'] });
    expect(later.json.outcomes[0]!.status).toBe('ok');
    text = await metrics(url);
    expect(text).toContain('experts_expert_limit_total{expert="a",decision="allowed"} 3');
  });
});

/** A plain HTTP server answering every request with `handler`'s status and body. */
async function startRaw(body: () => string): Promise<string> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('ExpertClient', () => {
  it('retries malformed and oversized answers, then falls back', async () => {
    const garbled = await startRaw(() => 'not json');
    const wrongShape = await startRaw(() => JSON.stringify({ answer: 'x', confidence: 2 }));
    const huge = await startRaw(() => 'x'.repeat(MAX_ANSWER_BYTES + 1));
    const config = loadConfig({
      EXPERTS: `garbled=${garbled},shape=${wrongShape},huge=${huge}`,
      EXPERT_RETRIES: '1',
    });
    const client = new ExpertClient(config);
    closers.push(() => client.close());
    const outcomes = await Promise.all(
      config.experts.map((e) => client.ask(e, 'q', deadlineSignal(5000))),
    );
    expect(outcomes.map((o) => [o.status, o.reason, o.error, o.attempts])).toEqual([
      ['fallback', 'retries exhausted', 'malformed answer', 2],
      ['fallback', 'retries exhausted', 'malformed answer', 2],
      ['fallback', 'retries exhausted', 'answer too large', 2],
    ]);
  });

  it('tells a cancelled call from a deadline, and refuses calls once closed', async () => {
    const [stuck] = await startExperts([{ name: 'stuck', hangs: true }]);
    const config = loadConfig({ EXPERTS: `stuck=${stuck!.url}` });
    const client = new ExpertClient(config);
    const controller = new AbortController();
    const asked = client.ask(config.experts[0]!, 'q', controller.signal);
    await until(() => stuck!.stats().requests === 1);
    controller.abort();
    expect(await asked).toMatchObject({ status: 'timeout', error: 'cancelled', attempts: 1 });
    expect(await client.unhealthy()).toEqual([]);

    await client.close();
    const closed = await client.ask(config.experts[0]!, 'q', deadlineSignal(1000));
    expect(closed).toMatchObject({ status: 'error', error: 'client closed' });
    await expect(
      client.ask({ name: 'nobody', url: stuck!.url }, 'q', deadlineSignal(100)),
    ).rejects.toThrow(/Unknown expert nobody/);
  });
});

describe('naive mode', () => {
  it('fails the whole request with a 502 when one expert fails', async () => {
    const servers = await startExperts([
      { name: 'a' },
      { name: 'down', profile: { outage: true } },
      { name: 'stuck', hangs: true },
    ]);
    const url = await startApp(servers, { MODE: 'naive' });
    const ok = await consult(url, { question: 'naive ok', experts: ['a'] });
    expect(ok.status).toBe(200);
    expect(ok.json.outcomes[0]!.status).toBe('ok');

    const down = await consult(url, { question: 'naive down', experts: ['a', 'down'] });
    expect(down.status).toBe(502);
    expect(down.json).toEqual({ error: 'expert down failed: HTTP 503' });
    // No retry, no breaker: every request reaches the expert in outage.
    await consult(url, { question: 'naive down 2', experts: ['down'] });
    expect(servers[1]!.stats().unavailable).toBe(2);

    const stuck = await consult(url, {
      question: 'naive stuck',
      experts: ['a', 'stuck'],
      deadlineMs: 200,
    });
    expect(stuck.status).toBe(502);
    expect(stuck.json).toEqual({ error: 'expert stuck failed: deadline exceeded' });

    await servers[0]!.close();
    const gone = await consult(url, { question: 'naive gone', experts: ['a'] });
    expect(gone.json).toEqual({ error: 'expert a failed: unreachable' });

    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', failed: ['a'] });
    expect(await metrics(url)).not.toContain('experts_breaker_state{');
  });

  it('rejects with the expert and the reason', async () => {
    const raw = await startRaw(() => '{}');
    const config = loadConfig({ EXPERTS: `raw=${raw}`, MODE: 'naive' });
    const client = new NaiveExpertClient(config);
    const error = await client
      .ask(config.experts[0]!, 'q', AbortSignal.timeout(1000))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExpertCallError);
    expect(error).toMatchObject({ expert: 'raw', why: 'malformed answer' });
    expect(client.breakerStates().size).toBe(0);
    await client.close();
  });
});
