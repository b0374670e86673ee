import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExpertServer, isLoopback, startExpertServer } from './expert-server.js';

interface Reply {
  expert?: unknown;
  answer?: unknown;
  confidence?: unknown;
  recommendations?: unknown;
  error?: unknown;
  polluted?: unknown;
}

const servers: ExpertServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: Parameters<typeof startExpertServer>[0]): Promise<ExpertServer> {
  const server = await startExpertServer(options);
  servers.push(server);
  return server;
}

async function ask(server: ExpertServer, body: unknown): Promise<{ status: number; json: Reply }> {
  const response = await fetch(`${server.url}/v1/answer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Reply };
}

describe('answers', () => {
  it('agree word for word within an opinion group and differ across groups', async () => {
    const a = await start({ name: 'a', profile: { opinion: 1 } });
    const b = await start({ name: 'b', profile: { opinion: 1 } });
    const c = await start({ name: 'c', profile: { opinion: 2 } });
    for (const question of ['Should we cache?', 'How to retry?', 'Pool size for 10k rps?']) {
      const [ra, rb, rc] = await Promise.all([a, b, c].map((s) => ask(s, { question })));
      expect(ra!.status).toBe(200);
      expect(ra!.json.expert).toBe('a');
      expect(rb!.json.expert).toBe('b');
      expect(ra!.json.answer).toBe(rb!.json.answer);
      expect(ra!.json.confidence).toBe(rb!.json.confidence);
      expect(ra!.json.recommendations).toEqual(rb!.json.recommendations);
      expect(rc!.json.answer).not.toBe(ra!.json.answer);
      const confidence = ra!.json.confidence as number;
      expect(confidence).toBeGreaterThanOrEqual(0);
      expect(confidence).toBeLessThanOrEqual(1);
      expect((ra!.json.recommendations as string[]).length).toBeGreaterThan(0);
    }
    const again = await ask(a, { question: 'Should we cache?' });
    const other = await ask(a, { question: 'Something else entirely' });
    expect(again.json.answer).toBe((await ask(b, { question: 'Should we cache?' })).json.answer);
    expect(other.json.answer).not.toBe(again.json.answer);
  });

  it('answers /health', async () => {
    const s = await start({ name: 'h' });
    const response = await fetch(`${s.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', expert: 'h' });
    expect((await fetch(`${s.url}/nope`)).status).toBe(404);
    expect((await fetch(`${s.url}/v1/answer`)).status).toBe(405);
    expect((await fetch(`${s.url}/admin/profile`, { method: 'DELETE' })).status).toBe(405);
  });
});

describe('profile', () => {
  it('refuses during an outage with 503 and answers again after it', async () => {
    const s = await start({ name: 'o' });
    s.setProfile({ outage: true });
    expect((await ask(s, { question: 'q' })).status).toBe(503);
    s.setProfile({ outage: false });
    expect((await ask(s, { question: 'q' })).status).toBe(200);
    expect(s.stats()).toMatchObject({ requests: 2, unavailable: 1, answered: 1 });
  });

  it('fails every request with errorRate 1 and none with errorRate 0', async () => {
    const s = await start({ name: 'e', profile: { errorRate: 1 } });
    for (let i = 0; i < 5; i++) {
      const r = await ask(s, { question: `q${i}` });
      expect(r.status).toBe(500);
      expect(typeof r.json.error).toBe('string');
    }
    s.setProfile({ errorRate: 0 });
    expect((await ask(s, { question: 'q' })).status).toBe(200);
    expect(s.stats()).toMatchObject({ failed: 5, answered: 1 });
  });

  it('draws delays from the current latency profile, the same ones for the same seed', async () => {
    const delays: number[] = [];
    const sleep = async (ms: number): Promise<void> => {
      delays.push(ms);
    };
    const s = await start({ name: 'l', sleep, profile: { latencyMs: { median: 10, p99: 20 } } });
    for (let i = 0; i < 20; i++) expect((await ask(s, { question: 'q' })).status).toBe(200);
    s.setProfile({ latencyMs: { median: 10_000, p99: 20_000 } });
    for (let i = 0; i < 20; i++) await ask(s, { question: 'q' });
    s.setProfile({ slowdown: 100 });
    for (let i = 0; i < 20; i++) await ask(s, { question: 'q' });
    expect(delays).toHaveLength(60);
    const fast = delays.slice(0, 20);
    const slow = delays.slice(20, 40);
    const slowest = delays.slice(40);
    expect(Math.max(...fast)).toBeLessThan(Math.min(...slow));
    expect(Math.max(...slow)).toBeLessThan(Math.min(...slowest));
    const sorted = [...fast].sort((x, y) => x - y);
    expect(sorted[10]).toBeGreaterThan(5);
    expect(sorted[10]).toBeLessThan(20);

    const replay: number[] = [];
    const t = await start({
      name: 'm',
      sleep: async (ms) => {
        replay.push(ms);
      },
      profile: { latencyMs: { median: 10, p99: 20 } },
    });
    for (let i = 0; i < 20; i++) await ask(t, { question: 'other' });
    expect(replay).toEqual(fast);
    t.setProfile({ seed: 7 });
    const before = replay.length;
    for (let i = 0; i < 20; i++) await ask(t, { question: 'other' });
    expect(replay.slice(before)).not.toEqual(fast);
  });

  it('validates setProfile and the options', async () => {
    const s = await start({ name: 'v' });
    expect(() => s.setProfile({ errorRate: 2 })).toThrow(/`profile.errorRate`/);
    expect(() => s.setProfile({ slowdown: 0.5 })).toThrow(RangeError);
    expect(() => s.setProfile({ latencyMs: { median: 10, p99: 5 } })).toThrow(/p99/);
    expect(() => s.setProfile({ bogus: 1 } as never)).toThrow(/Unknown option `bogus`/);
    expect(s.profile().errorRate).toBe(0);
    await expect(startExpertServer({ name: 'bad name' })).rejects.toThrow(/`name`/);
    await expect(startExpertServer({ name: '' })).rejects.toThrow(RangeError);
    await expect(startExpertServer({ name: 'x', port: 70000 })).rejects.toThrow(/`port`/);
    await expect(startExpertServer({ name: 'x', extra: 1 } as never)).rejects.toThrow(/`extra`/);
    await expect(startExpertServer({ name: 'x', sleep: 1 } as never)).rejects.toThrow(/`sleep`/);
  });
});

function raw(
  server: ExpertServer,
  path: string,
  body: string | Buffer,
): Promise<{ status: number; json: Reply }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method: 'POST' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString()) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('load', () => {
  it('answers many delayed requests at once without a listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on('warning', onWarning);
    try {
      const server = await start({
        name: 'busy',
        profile: { latencyMs: { median: 300, p99: 300 } },
      });
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => ask(server, { question: `q${i}` })),
      );
      expect(answers.map((a) => a.status)).toEqual(new Array(20).fill(200));
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('bad input', () => {
  it.each([
    ['not JSON', '{"question":', 400, /JSON/],
    ['an array', '[]', 400, /question/],
    ['no question', '{}', 400, /`question`/],
    ['a number', '{"question":42}', 400, /`question`/],
    ['an empty question', '{"question":""}', 400, /`question`/],
    ['a long question', JSON.stringify({ question: 'x'.repeat(4001) }), 400, /`question`.*4000/],
    ['a __proto__ question', '{"__proto__":{"question":"hi"}}', 400, /`question`/],
  ])('refuses %s with %i', async (_label, body, status, message) => {
    const s = await start({ name: 'b' });
    const r = await ask(s, body);
    expect(r.status).toBe(status);
    expect(r.json.error).toMatch(message);
    expect(s.stats().rejected).toBe(1);
  });

  it('answers a 4000-character question and ignores a __proto__ key', async () => {
    const s = await start({ name: 'b' });
    const r = await ask(s, `{"__proto__":{"polluted":1},"question":"${'y'.repeat(4000)}"}`);
    expect(r.status).toBe(200);
    expect(({} as Reply).polluted).toBeUndefined();
  });

  it('refuses a body over 64 KiB with 413, declared or streamed', async () => {
    const s = await start({ name: 'big' });
    const big = JSON.stringify({ question: 'z'.repeat(70_000) });
    expect((await ask(s, big)).status).toBe(413);
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(`${s.url}/v1/answer`, { method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write('x'.repeat(8 * 1024));
      req.end();
    });
    expect(streamed).toBe(413);
    expect((await raw(s, '/v1/answer', Buffer.from('{"question":"ok"}'))).status).toBe(200);
  });
});

describe('admin', () => {
  it('reads and updates the profile, refusing bad values with 400', async () => {
    const s = await start({ name: 'adm' });
    const get = await fetch(`${s.url}/admin/profile`);
    expect(get.status).toBe(200);
    expect(await get.json()).toMatchObject({ outage: false, opinion: 0 });
    const put = (body: string) => fetch(`${s.url}/admin/profile`, { method: 'PUT', body });
    const ok = await put('{"outage":true,"opinion":3}');
    expect(ok.status).toBe(200);
    expect(s.profile()).toMatchObject({ outage: true, opinion: 3 });
    for (const body of ['{"errorRate":-1}', '{"nope":1}', '[]', '{', '{"latencyMs":5}']) {
      const r = await put(body);
      expect(r.status).toBe(400);
      expect(typeof ((await r.json()) as { error: unknown }).error).toBe('string');
    }
    expect((await put(`"${'a'.repeat(70_000)}"`)).status).toBe(413);
    expect(s.profile()).toMatchObject({ outage: true, opinion: 3 });
  });

  it('requires the admin key when one is set, compared in full', async () => {
    const s = await start({ name: 'key', adminKey: 'sesame-123' });
    const get = (headers: Record<string, string>) =>
      fetch(`${s.url}/admin/profile`, { headers }).then((r) => r.status);
    expect(await get({})).toBe(403);
    expect(await get({ 'x-admin-key': 'wrong' })).toBe(403);
    expect(await get({ 'x-admin-key': 'sesame-12' })).toBe(403);
    expect(await get({ 'x-admin-key': 'sesame-1234' })).toBe(403);
    expect(await get({ 'x-admin-key': 'sesame-123' })).toBe(200);
    const put = await fetch(`${s.url}/admin/profile`, {
      method: 'PUT',
      body: '{"outage":true}',
    });
    expect(put.status).toBe(403);
    expect(s.profile().outage).toBe(false);
  });

  it('treats only loopback addresses as local', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.8.9.10')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('10.0.0.1')).toBe(false);
    expect(isLoopback('::ffff:10.0.0.1')).toBe(false);
    expect(isLoopback('fe80::1')).toBe(false);
    expect(isLoopback(undefined)).toBe(false);
  });
});

describe('close', () => {
  it('aborts pending delays and is idempotent', async () => {
    let started!: () => void;
    const waiting = new Promise<void>((r) => {
      started = r;
    });
    const s = await startExpertServer({
      name: 'c',
      profile: { latencyMs: { median: 60_000, p99: 60_000 } },
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => {
          started();
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    });
    const pending = ask(s, { question: 'q' }).then(
      () => 'answered',
      () => 'dropped',
    );
    await waiting;
    const first = s.close();
    expect(s.close()).toBe(first);
    await first;
    expect(await pending).toBe('dropped');
  });
});
