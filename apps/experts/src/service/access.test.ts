import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExpertServer, startExpertServer } from '../sim/expert-server.js';
import { clientAddress } from './access.js';
import { type BuildAppOptions, buildApp } from './app.js';
import { hashKey, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { MemoryRecordSink } from './records.js';

const KEY_A = 'alpha-key-0123456789';
const KEY_B = 'bravo-key-0123456789';
const ADMIN = 'admin-key-0123456789';

const experts: ExpertServer[] = [];
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(experts.splice(0).map((e) => e.close()));
});

async function startExpert(name = 'a'): Promise<ExpertServer> {
  const server = await startExpertServer({ name, profile: { latencyMs: { median: 0, p99: 0 } } });
  experts.push(server);
  return server;
}

async function startApp(
  expert: ExpertServer,
  env: Record<string, string> = {},
  options: BuildAppOptions = {},
): Promise<{ url: string; app: FastifyInstance; records: MemoryRecordSink }> {
  const config = loadConfig({ EXPERTS: `${expert.name}=${expert.url}`, ...env });
  const records = new MemoryRecordSink();
  const app = buildApp(config, { logger: false, records, ...options });
  apps.push(app);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, app, records };
}

async function consult(url: string, question: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/v1/consult`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ question }),
  });
  return { response, json: (await response.json()) as { error?: string } };
}

async function metrics(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

function manualClock(): { now(): number; advance(ms: number): void } {
  let now = 0;
  return { now: () => now, advance: (ms) => (now += ms) };
}

describe('API keys', () => {
  it('refuses a missing or wrong key with 401 before any quota, cache, expert or record', async () => {
    const expert = await startExpert();
    const { url, records } = await startApp(expert, {
      API_KEYS: `${KEY_A},${hashKey(KEY_B)}`,
      CLIENT_LIMIT_PER_MINUTE: '2',
    });

    const missing = await consult(url, 'q');
    expect(missing.response.status).toBe(401);
    expect(missing.response.headers.get('www-authenticate')).toBe('Bearer realm="experts"');
    expect(missing.json.error).toMatch(/x-api-key/);
    expect(missing.response.headers.get('ratelimit-remaining')).toBeNull();

    for (const headers of [
      { 'x-api-key': 'wrong-key-0123456789' },
      { authorization: 'Bearer wrong-key-0123456789' },
      { authorization: `Basic ${KEY_A}` },
      { 'x-api-key': KEY_A.toUpperCase() },
    ]) {
      const wrong = await consult(url, 'q', headers);
      expect(wrong.response.status).toBe(401);
      expect(wrong.json.error).toBeDefined();
    }
    // Refused before the body is read: not JSON, still a 401.
    const unread = await fetch(`${url}/v1/consult`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(unread.status).toBe(401);
    await unread.arrayBuffer();
    const invalid = await consult(url, 'q', { 'x-api-key': 'nope' });
    expect(invalid.response.headers.get('www-authenticate')).toBe(
      'Bearer realm="experts", error="invalid_token"',
    );

    // Counted nowhere but in the HTTP request counter.
    expect(expert.stats().requests).toBe(0);
    expect(records.records).toEqual([]);
    let text = await metrics(url);
    expect(text).toContain('experts_requests_total{route="/v1/consult",status="401"} 7');
    expect(text).toContain('experts_client_decisions_total{decision="allowed"} 0');
    expect(text).toContain('experts_client_decisions_total{decision="limited"} 0');
    expect(text).toContain('experts_cache_requests_total{result="miss"} 0');

    // Each valid key, in either header, still has its full quota of 2.
    const first = await consult(url, 'q1', { 'x-api-key': KEY_A });
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('ratelimit-limit')).toBe('2');
    expect(first.response.headers.get('ratelimit-remaining')).toBe('1');
    const second = await consult(url, 'q2', { authorization: `Bearer ${KEY_A}` });
    expect(second.response.headers.get('ratelimit-remaining')).toBe('0');
    expect((await consult(url, 'q3', { 'x-api-key': KEY_A })).response.status).toBe(429);
    const other = await consult(url, 'q4', { authorization: `bearer ${KEY_B}` });
    expect(other.response.status).toBe(200);
    expect(other.response.headers.get('ratelimit-remaining')).toBe('1');
    expect(expert.stats().requests).toBe(3);
    expect(records.records).toHaveLength(3);
    text = await metrics(url);
    expect(text).toContain('experts_client_decisions_total{decision="allowed"} 3');
    expect(text).toContain('experts_client_decisions_total{decision="limited"} 1');
  });

  it('revokes a key at run time through the admin route, from loopback only', async () => {
    const expert = await startExpert();
    const { url, app } = await startApp(expert, { API_KEYS: `${KEY_A},${KEY_B}` });
    expect((await consult(url, 'q', { 'x-api-key': KEY_A })).response.status).toBe(200);

    // Not from elsewhere without the admin key: the key keeps working.
    const refused = await app.inject({
      method: 'DELETE',
      url: `/admin/keys/${hashKey(KEY_A)}`,
      remoteAddress: '203.0.113.9',
    });
    expect(refused.statusCode).toBe(403);
    expect((await consult(url, 'q', { 'x-api-key': KEY_A })).response.status).toBe(200);

    const revoked = await fetch(`${url}/admin/keys/${hashKey(KEY_A)}`, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toEqual({ revoked: true });
    const before = expert.stats().requests;
    const after = await consult(url, 'q-new', { 'x-api-key': KEY_A });
    expect(after.response.status).toBe(401);
    expect(after.json.error).toBe('Invalid API key');
    expect(expert.stats().requests).toBe(before);
    expect((await consult(url, 'q', { 'x-api-key': KEY_B })).response.status).toBe(200);

    const again = await fetch(`${url}/admin/keys/${hashKey(KEY_A)}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    const malformed = await fetch(`${url}/admin/keys/sha256:xyz`, { method: 'DELETE' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/sha256:<64 hex/);

    // The bare hex digest works too; with no key left, keys are still required.
    const bare = hashKey(KEY_B).slice('sha256:'.length);
    expect((await fetch(`${url}/admin/keys/${bare}`, { method: 'DELETE' })).status).toBe(200);
    expect((await consult(url, 'q', { 'x-api-key': KEY_B })).response.status).toBe(401);
    expect((await consult(url, 'q')).response.status).toBe(401);
  });

  it('lets a non-loopback client use the admin routes with the admin key only', async () => {
    const expert = await startExpert();
    const { app } = await startApp(expert, { API_KEYS: KEY_A, ADMIN_KEY: ADMIN });
    const remote = { method: 'DELETE' as const, url: `/admin/keys/${hashKey(KEY_A)}` };
    const from = '198.51.100.4';
    const none = await app.inject({ ...remote, remoteAddress: from });
    expect(none.statusCode).toBe(403);
    expect(none.json()).toEqual({ error: expect.stringMatching(/x-admin-key/) });
    const wrong = await app.inject({
      ...remote,
      remoteAddress: from,
      headers: { 'x-admin-key': `${ADMIN}x` },
    });
    expect(wrong.statusCode).toBe(403);
    const right = await app.inject({
      ...remote,
      remoteAddress: from,
      headers: { 'x-admin-key': ADMIN },
    });
    expect(right.statusCode).toBe(200);
  });

  it('still requires the keys in naive mode, where the quotas are off', async () => {
    const expert = await startExpert();
    const { url } = await startApp(expert, {
      API_KEYS: KEY_A,
      MODE: 'naive',
      CLIENT_LIMIT_PER_MINUTE: '1',
    });
    expect((await consult(url, 'q')).response.status).toBe(401);
    for (let i = 0; i < 3; i++) {
      const { response } = await consult(url, 'q', { 'x-api-key': KEY_A });
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBeNull();
    }
    expect(await metrics(url)).toContain('experts_client_decisions_total{decision="allowed"} 0');
  });
});

describe('client quotas', () => {
  it('answers 429 with Retry-After and RateLimit headers once the minute quota is spent', async () => {
    const expert = await startExpert();
    const clock = manualClock();
    const { url } = await startApp(
      expert,
      { CLIENT_LIMIT_PER_MINUTE: '2', CLIENT_LIMIT_PER_DAY: '1000' },
      { accessClock: clock },
    );
    const first = await consult(url, 'q1');
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('ratelimit-limit')).toBe('2');
    expect(first.response.headers.get('ratelimit-remaining')).toBe('1');
    expect(first.response.headers.get('ratelimit-policy')).toBe('2;w=60, 1000;w=86400');
    expect(first.response.headers.get('retry-after')).toBeNull();
    expect((await consult(url, 'q2')).response.headers.get('ratelimit-remaining')).toBe('0');

    const limited = await consult(url, 'q3');
    expect(limited.response.status).toBe(429);
    // Sliding windows: the two requests of minute 0 weigh 2 × (1 − elapsed / 60 s) in
    // minute 1, so a third fits from 90 s on.
    expect(limited.response.headers.get('retry-after')).toBe('90');
    expect(limited.response.headers.get('ratelimit-limit')).toBe('2');
    expect(limited.response.headers.get('ratelimit-remaining')).toBe('0');
    expect(limited.response.headers.get('ratelimit-reset')).toBe('120');
    expect(limited.json.error).toBe('Quota of 2 requests exceeded; retry after 90 s');
    expect(expert.stats().requests).toBe(2);

    clock.advance(89_000);
    expect((await consult(url, 'q4')).response.status).toBe(429);
    clock.advance(1000);
    expect((await consult(url, 'q4')).response.status).toBe(200);
    const text = await metrics(url);
    expect(text).toContain('experts_client_decisions_total{decision="allowed"} 3');
    expect(text).toContain('experts_client_decisions_total{decision="limited"} 2');
    expect(text).toContain('experts_requests_total{route="/v1/consult",status="429"} 2');
  });

  it('limits per day too, reporting the day quota when it is the one spent', async () => {
    const expert = await startExpert();
    const clock = manualClock();
    const { url } = await startApp(
      expert,
      { CLIENT_LIMIT_PER_MINUTE: '2', CLIENT_LIMIT_PER_DAY: '3' },
      { accessClock: clock },
    );
    expect((await consult(url, 'q1')).response.status).toBe(200);
    expect((await consult(url, 'q2')).response.status).toBe(200);
    clock.advance(120_000);
    const third = await consult(url, 'q3');
    expect(third.response.status).toBe(200);
    expect(third.response.headers.get('ratelimit-limit')).toBe('3');
    expect(third.response.headers.get('ratelimit-remaining')).toBe('0');
    clock.advance(120_000);
    const limited = await consult(url, 'q4');
    expect(limited.response.status).toBe(429);
    expect(limited.response.headers.get('ratelimit-limit')).toBe('3');
    expect(Number(limited.response.headers.get('retry-after'))).toBeGreaterThan(3600);
  });

  it('keeps one quota per key, whatever address the key comes from', async () => {
    const expert = await startExpert();
    const { url, app } = await startApp(expert, {
      API_KEYS: `${KEY_A},${KEY_B}`,
      CLIENT_LIMIT_PER_MINUTE: '2',
    });
    expect((await consult(url, 'q', { 'x-api-key': KEY_A })).response.status).toBe(200);
    const elsewhere = await app.inject({
      method: 'POST',
      url: '/v1/consult',
      remoteAddress: '192.0.2.1',
      headers: { 'x-api-key': KEY_A },
      payload: { question: 'q' },
    });
    expect(elsewhere.headers['ratelimit-remaining']).toBe('0');
    expect((await consult(url, 'q', { 'x-api-key': KEY_A })).response.status).toBe(429);
    expect((await consult(url, 'q', { 'x-api-key': KEY_B })).response.status).toBe(200);
  });

  it('keeps one quota per address without keys', async () => {
    const expert = await startExpert();
    const { url, app } = await startApp(expert, { CLIENT_LIMIT_PER_MINUTE: '1' });
    expect((await consult(url, 'q')).response.status).toBe(200);
    expect((await consult(url, 'q')).response.status).toBe(429);
    const other = await app.inject({
      method: 'POST',
      url: '/v1/consult',
      remoteAddress: '2001:db8:1:2::7',
      payload: { question: 'q' },
    });
    expect(other.statusCode).toBe(200);
    const sameNetwork = await app.inject({
      method: 'POST',
      url: '/v1/consult',
      remoteAddress: '2001:db8:1:2:ffff::8',
      payload: { question: 'q' },
    });
    expect(sameNetwork.statusCode).toBe(429);
  });

  it('groups addresses: IPv4-mapped as IPv4, IPv6 by /64', () => {
    expect(clientAddress('203.0.113.5')).toBe('203.0.113.5');
    expect(clientAddress('::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(clientAddress('2001:0DB8:0001:0002:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddress('2001:db8:1:2::')).toBe('2001:db8:1:2::/64');
    expect(clientAddress('::1')).toBe('0:0:0:0::/64');
    expect(clientAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});

describe('logs', () => {
  function capture(): { sink: Writable; text(): string } {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    return { sink, text: () => lines.join('') };
  }

  async function exercise(logQuestions: boolean): Promise<string> {
    const expert = await startExpert();
    const log = capture();
    const { url, app } = await startApp(
      expert,
      { API_KEYS: `${KEY_A},${KEY_B}`, ADMIN_KEY: ADMIN, CLIENT_LIMIT_PER_MINUTE: '2' },
      { logger: createLogger('trace', log.sink, { logQuestions }) },
    );
    await consult(url, 'secret-question-missing-key');
    await consult(url, 'secret-question-wrong-key', { 'x-api-key': 'wrong-secret-0123456789' });
    await consult(url, 'secret-question-admitted', { 'x-api-key': KEY_A });
    await consult(url, 'secret-question-bearer', { authorization: `Bearer ${KEY_A}` });
    await consult(url, 'secret-question-limited', { 'x-api-key': KEY_A });
    await app.inject({
      method: 'POST',
      url: '/admin/cache/flush',
      remoteAddress: '198.51.100.4',
      headers: { 'x-admin-key': ADMIN },
    });
    await app.inject({
      method: 'POST',
      url: '/admin/cache/flush',
      remoteAddress: '198.51.100.4',
      headers: { 'x-admin-key': 'wrong-admin-0123456789' },
    });
    await fetch(`${url}/admin/keys/${hashKey(KEY_B)}`, { method: 'DELETE' });
    await consult(url, 'secret-question-revoked', { 'x-api-key': KEY_B });
    return log.text();
  }

  it('never writes a key or a question, across 401s, 429s, admitted requests and admin routes', async () => {
    const text = await exercise(false);
    expect(text).toContain('API key refused');
    expect(text).toContain('client quota exceeded');
    expect(text).toContain('admin route refused');
    expect(text).toContain('"msg":"consult"');
    for (const secret of [KEY_A, KEY_B, ADMIN, 'wrong-secret', 'wrong-admin', 'secret-question']) {
      expect(text).not.toContain(secret);
    }
  });

  it('writes the question texts of admitted requests only with LOG_QUESTIONS', async () => {
    const text = await exercise(true);
    expect(text).toContain('secret-question-admitted');
    expect(text).not.toContain('secret-question-missing-key');
    expect(text).not.toContain('secret-question-limited');
    for (const secret of [KEY_A, KEY_B, ADMIN, 'wrong-secret', 'wrong-admin']) {
      expect(text).not.toContain(secret);
    }
  });
});
