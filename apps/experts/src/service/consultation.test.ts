import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExpertServer } from '../sim/expert-server.js';
import { appFor, SimCalls, type SimSpec, startSims } from './sims.fixture.js';

const servers: ExpertServer[] = [];
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Outcome {
  expert: string;
  status: string;
  answer?: string;
  wave: number;
}
interface Reply {
  outcomes: Outcome[];
  waves: string[][];
  consensus: { n: number };
  error?: string;
}

async function setup(
  specs: SimSpec[],
  calls: SimCalls,
  env: Record<string, string> = {},
): Promise<string> {
  const started = await startSims(specs, calls);
  servers.push(...started);
  const { app } = appFor(started, env);
  apps.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

async function consult(url: string, body: unknown): Promise<{ status: number; json: Reply }> {
  const response = await fetch(`${url}/v1/consult`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Reply };
}

describe('a consultation with a plan', () => {
  it('runs waves in dependency order and gives each dependent the answers it waits for', async () => {
    const calls = new SimCalls();
    const url = await setup(
      [{ name: 'a' }, { name: 'b', opinion: 1 }, { name: 'c' }, { name: 'rev' }],
      calls,
    );
    const { status, json } = await consult(url, {
      question: 'Cache before or after the breaker?',
      plan: {
        steps: [
          { expert: 'rev', after: ['b', 'c'] },
          { expert: 'a' },
          { expert: 'b' },
          { expert: 'c', after: ['a'] },
        ],
      },
    });
    expect(status).toBe(200);
    expect(json.waves).toEqual([['a', 'b'], ['c'], ['rev']]);
    expect(json.outcomes.map((o) => [o.expert, o.status, o.wave])).toEqual([
      ['rev', 'ok', 2],
      ['a', 'ok', 0],
      ['b', 'ok', 0],
      ['c', 'ok', 1],
    ]);
    // Each dependent started only after every expert it waits for had answered.
    expect(calls.at('start c')).toBeGreaterThan(calls.at('end a'));
    expect(calls.at('start rev')).toBeGreaterThan(calls.at('end b'));
    expect(calls.at('start rev')).toBeGreaterThan(calls.at('end c'));
    expect(json.outcomes[0]!.answer).toMatch(/ Reviewed 2 answers \(b, c\)\.$/);
    expect(json.outcomes[3]!.answer).toMatch(/ Reviewed 1 answer \(a\)\.$/);
    expect(json.outcomes[1]!.answer).not.toMatch(/Reviewed/);
    expect(json.consensus.n).toBe(4);
  });

  it('lets a dependent run when a dependency failed, with only the answers that came', async () => {
    const calls = new SimCalls();
    const url = await setup(
      [{ name: 'down', outage: true }, { name: 'b' }, { name: 'rev' }, { name: 'late' }],
      calls,
    );
    const { json } = await consult(url, {
      question: 'q',
      plan: {
        steps: [
          { expert: 'down' },
          { expert: 'b' },
          { expert: 'rev', after: ['down', 'b'] },
          { expert: 'late', after: ['down'] },
        ],
      },
    });
    expect(json.outcomes.map((o) => [o.expert, o.status])).toEqual([
      ['down', 'fallback'],
      ['b', 'ok'],
      ['rev', 'ok'],
      ['late', 'ok'],
    ]);
    expect(json.outcomes[2]!.answer).toMatch(/ Reviewed 1 answer \(b\)\.$/);
    expect(json.outcomes[3]!.answer).toMatch(/ Reviewed 0 answers\.$/);
  });

  it('never asks more than the plan maxParallel experts at once', async () => {
    const specs = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name }));
    const calls = new SimCalls({ barrier: { limit: 2, total: 5 }, holdMs: 20 });
    const url = await setup(specs, calls);
    const { json } = await consult(url, {
      question: 'q',
      plan: { steps: specs.map((s) => ({ expert: s.name })), maxParallel: 2 },
    });
    expect(json.outcomes.every((o) => o.status === 'ok')).toBe(true);
    expect(calls.finished).toBe(5);
    expect(calls.maxInFlight).toBe(2);
  });

  it('asks one expert at a time with maxParallel 1, earlier waves first', async () => {
    const calls = new SimCalls({ holdMs: 5 });
    const url = await setup([{ name: 'a' }, { name: 'b' }, { name: 'rev' }, { name: 'c' }], calls);
    await consult(url, {
      question: 'q',
      plan: {
        steps: [{ expert: 'a' }, { expert: 'rev', after: ['a'] }, { expert: 'b' }, { expert: 'c' }],
        maxParallel: 1,
      },
    });
    expect(calls.log).toEqual([
      'start a',
      'end a',
      'start b',
      'end b',
      'start c',
      'end c',
      'start rev',
      'end rev',
    ]);
  });

  it('answers a plan with a cycle or an unknown dependency with 400 naming the field', async () => {
    const calls = new SimCalls();
    const url = await setup([{ name: 'a' }, { name: 'b' }, { name: 'rev' }], calls);
    const cycle = await consult(url, {
      question: 'q',
      plan: {
        steps: [
          { expert: 'a', after: ['rev'] },
          { expert: 'rev', after: ['a'] },
        ],
      },
    });
    expect(cycle.status).toBe(400);
    expect(cycle.json.error).toMatch(/`plan.steps` to have no dependency cycle, got a -> rev -> a/);
    const unknown = await consult(url, {
      question: 'q',
      plan: { steps: [{ expert: 'a' }, { expert: 'rev', after: ['a', 'zed'] }] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatch(/`plan.steps\[1\].after\[1\]`/);
    const both = await consult(url, {
      question: 'q',
      experts: ['a'],
      plan: { steps: [{ expert: 'a' }] },
    });
    expect(both.status).toBe(400);
    expect(both.json.error).toMatch(/either `experts` or `plan`/);
    expect(calls.log).toEqual([]);
  });
});

describe('a consultation without a plan', () => {
  it('asks every expert in one wave, at most MAX_PARALLEL at once', async () => {
    const specs = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => ({ name }));
    const calls = new SimCalls({ barrier: { limit: 3, total: 6 }, holdMs: 20 });
    const url = await setup(specs, calls, { MAX_PARALLEL: '3' });
    const { json } = await consult(url, { question: 'q' });
    expect(json.waves).toEqual([['a', 'b', 'c', 'd', 'e', 'f']]);
    expect(json.outcomes.map((o) => o.wave)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(calls.finished).toBe(6);
    expect(calls.maxInFlight).toBe(3);
  });

  it('gives a timeout outcome without calling an expert once the deadline has passed', async () => {
    const calls = new SimCalls({ gated: ['slow'] });
    const url = await setup([{ name: 'slow' }, { name: 'next' }], calls);
    const { json } = await consult(url, {
      question: 'q',
      deadlineMs: 100,
      plan: { steps: [{ expert: 'slow' }, { expert: 'next', after: ['slow'] }] },
    });
    expect(json.outcomes.map((o) => o.status)).toEqual(['timeout', 'timeout']);
    expect(calls.at('start next')).toBe(-1);
  });
});
