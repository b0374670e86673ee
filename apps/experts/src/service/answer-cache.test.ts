import { Registry } from '@breakwater/metrics';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ExpertServer, startExpertServer } from '../sim/expert-server.js';
import {
  AnswerCache,
  answerTtlMs,
  MAX_CACHED_ANSWER_CHARS,
  MIN_ANSWER_TTL_MS,
} from './answer-cache.js';
import { type BuildAppOptions, buildApp } from './app.js';
import { loadConfig } from './config.js';
import type { ConsultReply } from './consultation.js';
import type { ExpertOutcome } from './expert-client.js';
import { MemoryRecordSink } from './records.js';

const experts: ExpertServer[] = [];
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(experts.splice(0).map((e) => e.close()));
});

/** A gate the simulated experts wait at before answering, opened by the test. */
function gate(): { sleep: (ms: number, signal: AbortSignal) => Promise<void>; open(): void } {
  let open = (): void => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { sleep: () => opened, open };
}

async function startExperts(
  names: string[],
  options: { outage?: boolean; sleep?: (ms: number, signal: AbortSignal) => Promise<void> } = {},
): Promise<ExpertServer[]> {
  return Promise.all(
    names.map(async (name) => {
      const server = await startExpertServer({
        name,
        profile: {
          outage: options.outage ?? false,
          latencyMs: options.sleep === undefined ? { median: 0, p99: 0 } : { median: 5, p99: 5 },
        },
        ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
      });
      experts.push(server);
      return server;
    }),
  );
}

async function startApp(
  servers: ExpertServer[],
  env: Record<string, string> = {},
  options: BuildAppOptions = {},
): Promise<{ url: string; app: FastifyInstance; records: MemoryRecordSink }> {
  const config = loadConfig({
    EXPERTS: servers.map((s) => `${s.name}=${s.url}`).join(','),
    ...env,
  });
  const records = new MemoryRecordSink();
  const app = buildApp(config, { logger: false, records, ...options });
  apps.push(app);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, app, records };
}

async function consult(url: string, body: Record<string, unknown>) {
  const response = await fetch(`${url}/v1/consult`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { response, source: response.headers.get('x-cache'), json: await response.json() };
}

async function metrics(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

function requests(servers: ExpertServer[]): number[] {
  return servers.map((s) => s.stats().requests);
}

function manualClock(): { now(): number; advance(ms: number): void } {
  let now = 0;
  return { now: () => now, advance: (ms) => (now += ms) };
}

describe('answer cache', () => {
  it('answers an identical question from the cache, whatever its spacing', async () => {
    const servers = await startExperts(['a', 'b']);
    const { url, records } = await startApp(servers);
    const first = await consult(url, { question: 'Is the cache warm?' });
    expect(first.source).toBe('miss');
    const second = await consult(url, { question: '  Is the   cache warm? ' });
    expect(second.response.status).toBe(200);
    expect(second.source).toBe('hit');
    expect(second.json).toEqual(first.json);
    expect(requests(servers)).toEqual([1, 1]);
    expect(records.records.map((r) => r.source)).toEqual(['miss', 'hit']);

    // Another selection of experts is another question.
    expect((await consult(url, { question: 'Is the cache warm?', experts: ['a'] })).source).toBe(
      'miss',
    );
    expect(requests(servers)).toEqual([2, 1]);
    const text = await metrics(url);
    expect(text).toContain('experts_cache_requests_total{result="hit"} 1');
    expect(text).toContain('experts_cache_requests_total{result="miss"} 2');
    expect(text).toContain('experts_cache_requests_total{result="stale"} 0');
    expect(text).toContain('experts_cache_entries 2');
  });

  it('does not cache an answer where every expert failed', async () => {
    const servers = await startExperts(['a', 'b'], { outage: true });
    const { url } = await startApp(servers, { EXPERT_RETRIES: '0' });
    expect((await consult(url, { question: 'q' })).source).toBe('miss');
    expect((await consult(url, { question: 'q' })).source).toBe('miss');
    expect(requests(servers)).toEqual([2, 2]);
    expect(await metrics(url)).toContain('experts_cache_entries 0');
  });

  it('serves a stale answer while one refresh runs, then the refreshed one', async () => {
    const servers = await startExperts(['a', 'b']);
    const clock = manualClock();
    const { url } = await startApp(servers, { CACHE_TTL_MS: '60000' }, { cacheClock: clock });
    const first = await consult(url, { question: 'q' });
    expect(first.source).toBe('miss');
    for (const s of servers) s.setProfile({ opinion: 3 });

    clock.advance(60_000);
    const stale = await consult(url, { question: 'q' });
    expect(stale.source).toBe('stale');
    expect(stale.json).toEqual(first.json);
    // The refresh runs in the background: each expert is asked once more.
    await vi.waitFor(async () => {
      const text = await metrics(url);
      expect(text).toContain('experts_expert_calls_total{expert="a",outcome="ok"} 2');
      expect(text).toContain('experts_expert_calls_total{expert="b",outcome="ok"} 2');
    });
    const refreshed = await consult(url, { question: 'q' });
    expect(refreshed.source).toBe('hit');
    expect(refreshed.json).not.toEqual(first.json);
    expect(requests(servers)).toEqual([2, 2]);
    expect(await metrics(url)).toContain('experts_cache_requests_total{result="stale"} 1');

    // Past the stale window as well, the answer is computed again before answering.
    clock.advance(120_000);
    expect((await consult(url, { question: 'q' })).source).toBe('miss');
    expect(requests(servers)).toEqual([3, 3]);
  });

  it('shares one fan-out among concurrent identical questions', async () => {
    const wait = gate();
    const servers = await startExperts(['a', 'b'], { sleep: wait.sleep });
    const { url, records } = await startApp(servers);
    const pending = Array.from({ length: 5 }, () => consult(url, { question: 'same' }));
    await vi.waitFor(async () => {
      expect(await metrics(url)).toContain('experts_coalesced_total 4');
    });
    expect(requests(servers)).toEqual([1, 1]);
    wait.open();
    const answers = await Promise.all(pending);
    expect(answers.map((a) => a.response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.map((a) => a.source).sort()).toEqual([
      'coalesced',
      'coalesced',
      'coalesced',
      'coalesced',
      'miss',
    ]);
    for (const a of answers) expect(a.json).toEqual(answers[0]!.json);
    expect(requests(servers)).toEqual([1, 1]);
    expect(records.records.filter((r) => r.source === 'coalesced')).toHaveLength(4);
    const text = await metrics(url);
    expect(text).toContain('experts_cache_requests_total{result="miss"} 5');
    expect(text).toContain('experts_expert_calls_total{expert="a",outcome="ok"} 1');
    expect((await consult(url, { question: 'same' })).source).toBe('hit');
  });

  it('does not make a question share the fan-out or answer of one with another deadline', async () => {
    const wait = gate();
    const servers = await startExperts(['a'], { sleep: wait.sleep });
    const { url } = await startApp(servers);
    const patient = consult(url, { question: 'same', deadlineMs: 60_000 });
    await vi.waitFor(() => expect(requests(servers)).toEqual([1]));
    // Its own deadline ends it while the patient one still waits: not coalesced into that.
    const hasty = await consult(url, { question: 'same', deadlineMs: 100 });
    expect(hasty.source).toBe('miss');
    expect((hasty.json as ConsultReply).outcomes[0]!.status).toBe('timeout');
    expect(requests(servers)).toEqual([2]);
    wait.open();
    const first = await patient;
    expect(first.source).toBe('miss');
    expect((first.json as ConsultReply).outcomes[0]!.status).toBe('ok');
    // The hasty answer (a timeout) is not what a patient client gets next.
    const again = await consult(url, { question: 'same', deadlineMs: 60_000 });
    expect(again.source).toBe('hit');
    expect((again.json as ConsultReply).outcomes[0]!.status).toBe('ok');
  });

  it('does not store an answer computed across a flush', async () => {
    const wait = gate();
    const servers = await startExperts(['a'], { sleep: wait.sleep });
    const { url } = await startApp(servers);
    const pending = consult(url, { question: 'q' });
    await vi.waitFor(() => expect(requests(servers)).toEqual([1]));
    const flush = await fetch(`${url}/admin/cache/flush`, { method: 'POST' });
    expect(await flush.json()).toEqual({ flushed: 0 });
    wait.open();
    expect((await pending).source).toBe('miss');
    expect(await metrics(url)).toContain('experts_cache_entries 0');
    expect((await consult(url, { question: 'q' })).source).toBe('miss');
  });

  it('flushes on POST /admin/cache/flush from loopback or with the admin key only', async () => {
    const servers = await startExperts(['a']);
    const admin = 'admin-key-0123456789';
    const { url, app } = await startApp(servers, { ADMIN_KEY: admin });
    await consult(url, { question: 'q' });
    expect((await consult(url, { question: 'q' })).source).toBe('hit');

    const from = '198.51.100.4';
    const refused = await app.inject({
      method: 'POST',
      url: '/admin/cache/flush',
      remoteAddress: from,
    });
    expect(refused.statusCode).toBe(403);
    const wrong = await app.inject({
      method: 'POST',
      url: '/admin/cache/flush',
      remoteAddress: from,
      headers: { 'x-admin-key': 'not-the-admin-key-0000' },
    });
    expect(wrong.statusCode).toBe(403);
    expect(await metrics(url)).toContain('experts_cache_entries 1');
    expect((await consult(url, { question: 'q' })).source).toBe('hit');

    const keyed = await app.inject({
      method: 'POST',
      url: '/admin/cache/flush',
      remoteAddress: from,
      headers: { 'x-admin-key': admin },
    });
    expect(keyed.statusCode).toBe(200);
    expect(keyed.json()).toEqual({ flushed: 1 });
    expect((await consult(url, { question: 'q' })).source).toBe('miss');

    const local = await fetch(`${url}/admin/cache/flush`, { method: 'POST' });
    expect(local.status).toBe(200);
    expect(await local.json()).toEqual({ flushed: 1 });
    expect((await consult(url, { question: 'q' })).source).toBe('miss');
    expect(requests(servers)).toEqual([3]);
  });

  it('is a pass-through in naive mode: no cache, no coalescing', async () => {
    const wait = gate();
    const servers = await startExperts(['a'], { sleep: wait.sleep });
    const { url } = await startApp(servers, { MODE: 'naive' });
    const pending = Array.from({ length: 3 }, () => consult(url, { question: 'same' }));
    await vi.waitFor(() => expect(requests(servers)).toEqual([3]));
    wait.open();
    const answers = await Promise.all(pending);
    expect(answers.map((a) => a.source)).toEqual(['miss', 'miss', 'miss']);
    expect((await consult(url, { question: 'same' })).source).toBe('miss');
    expect(requests(servers)).toEqual([4]);
    const text = await metrics(url);
    expect(text).toContain('experts_cache_entries 0');
    expect(text).toContain('experts_coalesced_total 0');
    expect(text).toContain('experts_cache_requests_total{result="miss"} 0');
    expect(await (await fetch(`${url}/admin/cache/flush`, { method: 'POST' })).json()).toEqual({
      flushed: 0,
    });
  });
});

describe('AnswerCache', () => {
  function reply(
    statuses: ExpertOutcome['status'][],
    consensus: { reached: boolean; share: number },
    answerChars = 10,
  ): ConsultReply {
    const outcomes = statuses.map((status, i): ExpertOutcome & { wave: number } => ({
      expert: `e${i}`,
      status,
      wave: 0,
      latencyMs: 1,
      ...(status === 'ok' ? { answer: 'x'.repeat(answerChars), confidence: 0.9 } : {}),
    }));
    return { outcomes, waves: [], consensus: consensus as ConsultReply['consensus'] };
  }

  it('chooses the TTL by agreement, completeness and size', () => {
    const ttl = 60_000;
    const agreed = { reached: true, share: 0.8 };
    expect(answerTtlMs(reply(['ok', 'ok'], agreed), ttl)).toBe(60_000);
    expect(answerTtlMs(reply(['ok', 'ok'], { reached: true, share: 0.6 }), ttl)).toBe(30_000);
    expect(answerTtlMs(reply(['ok', 'ok'], { reached: false, share: 0.4 }), ttl)).toBe(15_000);
    expect(answerTtlMs(reply(['ok', 'error'], agreed), ttl)).toBe(15_000);
    expect(answerTtlMs(reply(['ok', 'fallback'], { reached: false, share: 0.4 }), ttl)).toBe(3750);
    expect(answerTtlMs(reply(['ok', 'ok'], agreed, 10_000), ttl)).toBe(30_000);
    expect(answerTtlMs(reply(['ok', 'ok'], agreed, 40_000), ttl)).toBe(15_000);
    expect(answerTtlMs(reply(['ok', 'timeout'], { reached: false, share: 0 }), 2000)).toBe(
      MIN_ANSWER_TTL_MS,
    );
    expect(answerTtlMs(reply(['error', 'timeout', 'fallback'], agreed), ttl)).toBe(0);
    expect(answerTtlMs(reply(['ok'], agreed, MAX_CACHED_ANSWER_CHARS + 1), ttl)).toBe(0);
  });

  it('computes afresh when the stale window ends between the lookup and the fetch', async () => {
    let now = 0;
    let jump = 0;
    // The first reading after `jump` is set returns `now`; the next ones are `jump` ms later.
    const clock = {
      now: () => {
        const reading = now;
        if (jump > 0) {
          now += jump;
          jump = 0;
        }
        return reading;
      },
    };
    const config = loadConfig({ EXPERTS: 'a=http://127.0.0.1:9', CACHE_TTL_MS: '1000' });
    const cache = new AnswerCache(config, new Registry(), { clock });
    let computed = 0;
    const compute = async (): Promise<ConsultReply> => {
      computed++;
      return reply(['ok'], { reached: true, share: 1 });
    };
    expect((await cache.get('k', compute)).source).toBe('miss');
    now += 1500;
    jump = 10_000;
    const late = await cache.get('k', compute);
    expect(late.source).toBe('miss');
    expect(computed).toBe(2);
    expect((await cache.get('k', compute)).source).toBe('hit');
    await cache.close();
    expect(await cache.clear()).toBe(1);
  });
});
