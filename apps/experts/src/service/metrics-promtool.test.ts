import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExpertServer, startExpertServer } from '../sim/expert-server.js';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

interface PromtoolRun {
  status: number | null;
  output: string;
}
interface PromtoolFixture {
  /** `promtool check metrics` on a Prometheus text. */
  promtoolCheck(text: string): PromtoolRun;
  /** promtool's OpenMetrics parser on an OpenMetrics text. */
  promtoolCheckOpenMetrics(text: string): PromtoolRun;
}

// The metrics package's helper finds promtool (PATH, its cache, or Debian's prometheus
// package). It lives outside this package's rootDir, hence the computed specifier.
const FIXTURE = new URL('../../../../packages/metrics/src/promtool.fixture.ts', import.meta.url)
  .href;

const experts: ExpertServer[] = [];
let app: FastifyInstance;
let url: string;
let promtool: PromtoolFixture;

beforeAll(async () => {
  promtool = (await import(FIXTURE)) as PromtoolFixture;
  for (const [name, profile] of [
    ['alpha', { opinion: 0 }],
    ['bravo', { opinion: 1 }],
    ['charlie', { outage: true }],
  ] as const) {
    experts.push(await startExpertServer({ name, profile }));
  }
  const config = loadConfig({
    EXPERTS: experts.map((e) => `${e.name}=${e.url}`).join(','),
    RECORDS_DB: ':memory:',
  });
  app = buildApp(config, { logger: false });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  // Traffic that fills every family: answers, an expert in outage, a client error, a 404.
  for (const question of ['Which timeout?', 'Which timeout?', 'How many retries?']) {
    const response = await fetch(`${url}/v1/consult`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question }),
    });
    expect(response.status).toBe(200);
  }
  const bad = await fetch(`${url}/v1/consult`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"question": ""}',
  });
  expect(bad.status).toBe(400);
  expect((await fetch(`${url}/nowhere`)).status).toBe(404);
  expect((await fetch(`${url}/health`)).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await Promise.all(experts.map((e) => e.close()));
});

async function scrape(accept: string): Promise<{ type: string; body: string }> {
  const response = await fetch(`${url}/metrics`, { headers: { accept } });
  expect(response.status).toBe(200);
  return { type: response.headers.get('content-type') ?? '', body: await response.text() };
}

describe('GET /metrics after traffic', () => {
  it('passes promtool check metrics in the Prometheus text format', async () => {
    const { type, body } = await scrape('text/plain');
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toMatch(/^experts_requests_total\{route="\/v1\/consult",status="200"\} 3$/m);
    // The expert in outage is counted, whatever outcome the service gives it.
    expect(body).toMatch(
      /^experts_expert_calls_total\{expert="charlie",outcome="[a-z]+"\} [1-9]\d*$/m,
    );
    const result = promtool.promtoolCheck(body);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('parses with promtool in the OpenMetrics format', async () => {
    const { type, body } = await scrape('application/openmetrics-text; version=1.0.0');
    expect(type).toMatch(/^application\/openmetrics-text/);
    expect(body.endsWith('# EOF\n')).toBe(true);
    expect(body).toMatch(/^experts_breaker_state\{expert="alpha",state="closed"\} 1$/m);
    const result = promtool.promtoolCheckOpenMetrics(body);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('gives promtool a text it rejects when the exposition is broken', () => {
    // Guards the check itself: a duplicated family must not pass.
    const broken = '# TYPE x counter\nx_total 1\n# TYPE x counter\nx_total 2\n';
    expect(promtool.promtoolCheck(broken).status).not.toBe(0);
  });
});
