import type { FastifyInstance } from 'fastify';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExpertServer } from '../../sim/expert-server.js';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { SimCalls, startSims } from '../sims.fixture.js';
import type { DashboardOptions } from './routes.js';
import { DASHBOARD_CSP } from './routes.js';
import type { DashboardSnapshot } from './state.js';

let sims: ExpertServer[];
const apps: FastifyInstance[] = [];
// Connections of the tests' own, dropped before the apps close: an idle one the client keeps
// would hold the close for its keep-alive time.
let agent = new Agent();
const fetch = (url: string, init: Parameters<typeof undiciFetch>[1] = {}) =>
  undiciFetch(url, { ...init, dispatcher: agent });

beforeAll(async () => {
  sims = await startSims([{ name: 'a' }, { name: 'b', opinion: 1 }], new SimCalls());
});

afterEach(async () => {
  await agent.destroy();
  agent = new Agent();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

async function start(dashboard: DashboardOptions = {}): Promise<string> {
  const config = loadConfig({
    EXPERTS: sims.map((s) => `${s.name}=${s.url}`).join(','),
    RECORDS_DB: ':memory:',
    INSTANCE_ID: 'front-2',
    CLIENT_LIMIT_PER_MINUTE: '1000000',
  });
  const app = buildApp(config, { logger: false, dashboard });
  apps.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

function consult(url: string, question: string) {
  return fetch(`${url}/v1/consult`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question }),
  });
}

/** An open event stream: its text so far, read on demand. */
type Response = Awaited<ReturnType<typeof undiciFetch>>;

class EventReader {
  text = '';
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  readonly #abort: AbortController;

  readonly status: number;

  constructor(response: Response, abort: AbortController) {
    this.status = response.status;
    this.#reader = response.body!.getReader();
    this.#abort = abort;
  }

  /** Opens the event stream of `url`. */
  static async open(url: string): Promise<EventReader> {
    const abort = new AbortController();
    return new EventReader(await fetch(`${url}/v1/events`, { signal: abort.signal }), abort);
  }

  /** Reads until `test` holds for the text read so far; false if the stream ends first. */
  async until(test: (text: string) => boolean): Promise<boolean> {
    while (!test(this.text)) {
      const { done, value } = await this.#reader.read();
      if (done) return false;
      this.text += this.#decoder.decode(value, { stream: true });
    }
    return true;
  }

  /** Whether the stream ends (reads to its end). */
  async ended(): Promise<true> {
    for (;;) {
      const { done } = await this.#reader.read();
      if (done) return true;
    }
  }

  /** Drops the connection. */
  cancel(): void {
    this.#abort.abort();
  }

  /** The snapshots received so far, with their ids. */
  snapshots(): { id: number; data: DashboardSnapshot }[] {
    return [...this.text.matchAll(/event: snapshot\nid: (\d+)\ndata: (.*)\n\n/g)].map((m) => ({
      id: Number(m[1]),
      data: JSON.parse(m[2]!) as DashboardSnapshot,
    }));
  }
}

describe('the dashboard page', () => {
  it('serves the page, its script, style sheet and icon under their own policy', async () => {
    const url = await start();
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).not.toContain('unsafe');
    const html = await page.text();
    expect(html).toContain('<script src="/dashboard.js" defer></script>');
    // Nothing inline: no script body, no style element or attribute.
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]|<style|style=/);
    for (const [path, type] of [
      ['/dashboard.js', 'text/javascript; charset=utf-8'],
      ['/dashboard.css', 'text/css; charset=utf-8'],
      ['/dashboard.svg', 'image/svg+xml'],
    ]) {
      const response = await fetch(`${url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
      expect((await response.text()).length).toBeGreaterThan(50);
    }
    // Every other answer keeps the service's strict policy.
    for (const path of ['/health', '/v1/dashboard', '/nowhere']) {
      const response = await fetch(`${url}${path}`);
      expect(response.headers.get('content-security-policy')).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
    }
  });

  it('gives a snapshot of the instance, its breakers, cache, latencies and last consensus', async () => {
    const url = await start();
    const empty = (await (await fetch(`${url}/v1/dashboard`)).json()) as DashboardSnapshot;
    expect(empty.instance).toBe('front-2');
    expect(empty.mode).toBe('resilient');
    expect(empty.breakers.map((b) => [b.expert, b.state])).toEqual([
      ['a', 'closed'],
      ['b', 'closed'],
    ]);
    expect(empty.consensus).toBeNull();
    expect(empty.cache.hitRatio).toBeNull();

    expect((await consult(url, 'Is the dashboard live?')).status).toBe(200);
    expect((await consult(url, 'Is the dashboard live?')).status).toBe(200);
    const snapshot = (await (await fetch(`${url}/v1/dashboard`)).json()) as DashboardSnapshot;
    expect(snapshot.cache).toMatchObject({ miss: 1, hit: 1, hitRatio: 0.5, coalescedShare: 0 });
    expect(snapshot.limiter).toMatchObject({ allowed: 2, limited: 0, limitedShare: 0 });
    expect(snapshot.latency.series.reduce((n, p) => n + p.count, 0)).toBe(2);
    expect(snapshot.latency.p50).toBeGreaterThan(0);
    expect(snapshot.consensus).toMatchObject({ responses: 2 });
    expect(snapshot.consensus!.clusterSizes.reduce((a, b) => a + b, 0)).toBe(2);
    // A refused consultation is no answer: no latency counted.
    expect((await consult(url, '')).status).toBe(400);
    const after = (await (await fetch(`${url}/v1/dashboard`)).json()) as DashboardSnapshot;
    expect(after.latency.series.reduce((n, p) => n + p.count, 0)).toBe(2);
  });
});

describe('GET /v1/events', () => {
  it('sends a snapshot at once, then one on each change, with heartbeats in between', async () => {
    // Intervals of a minute: nothing changes until a consultation.
    const url = await start({ intervalMs: 60_000, eventIntervalMs: 10, heartbeatMs: 30 });
    const abort = new AbortController();
    const response = await fetch(`${url}/v1/events`, { signal: abort.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    const events = new EventReader(response, abort);
    expect(await events.until((t) => t.includes('\n\n: heartbeat\n\n'))).toBe(true);
    expect(events.text.startsWith('retry: 2000\n\nevent: snapshot\nid: 1\ndata: {')).toBe(true);
    // Unchanged: heartbeats only.
    expect(events.snapshots().map((s) => s.id)).toEqual([1]);
    expect(events.snapshots()[0]!.data.instance).toBe('front-2');

    expect((await consult(url, 'Does the stream follow?')).status).toBe(200);
    const answered = () => events.snapshots().some((s) => s.data.consensus !== null);
    expect(await events.until(answered)).toBe(true);
    const sent = events.snapshots();
    expect(sent.map((s) => s.id)).toEqual(sent.map((_, i) => i + 1));
    expect(sent.at(-1)!.data.cache.miss).toBe(1);
    events.cancel();
  });

  it('refuses clients beyond its limit, and takes one again when another leaves', async () => {
    const url = await start({ maxClients: 2, eventIntervalMs: 20 });
    const first = await EventReader.open(url);
    const second = await EventReader.open(url);
    await first.until((t) => t.includes('event: snapshot'));
    await second.until((t) => t.includes('event: snapshot'));
    const third = await fetch(`${url}/v1/events`);
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('5');
    expect(await third.json()).toEqual({ error: 'Too many dashboard event streams' });
    first.cancel();
    // The server sees the client go when its connection closes: retried until it has.
    let again: EventReader | undefined;
    for (let i = 0; i < 200 && again?.status !== 200; i++) {
      again = await EventReader.open(url);
      if (again.status !== 200) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(again!.status).toBe(200);
    expect(await again!.until((t) => t.includes('event: snapshot'))).toBe(true);
    again!.cancel();
    second.cancel();
  });

  it('ends every stream when the app closes, so that closing does not wait for them', async () => {
    const url = await start({ eventIntervalMs: 20 });
    const readers = await Promise.all([1, 2, 3].map(() => EventReader.open(url)));
    for (const r of readers) await r.until((t) => t.includes('event: snapshot'));
    const app = apps.pop()!;
    await app.close();
    expect(await Promise.all(readers.map((r) => r.ended()))).toEqual([true, true, true]);
  });
});
