import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { eventually, startRedis } from '@breakwater/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage } from '../sim/build.fixture.js';
import { type ExpertServer, startExpertServer } from '../sim/expert-server.js';

const entry = fileURLToPath(new URL('../../dist/service/main.js', import.meta.url));
const cleanups: (() => Promise<void>)[] = [];

beforeAll(() => buildPackage(), 60_000);
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function run(env: Record<string, string>): ChildProcess {
  const { PATH = '' } = process.env;
  const child = spawn(process.execPath, [entry], {
    env: { PATH, RECORDS_DB: ':memory:', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(async () => {
    if (child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  });
  return child;
}

async function listeningUrl(child: ChildProcess): Promise<string> {
  let text = '';
  for await (const chunk of child.stdout!) {
    text += String(chunk);
    const match = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
    if (match) return match[1]!;
  }
  throw new Error(`never listened (exit ${child.exitCode}): ${text}`);
}

async function expert(name: string, outage: boolean): Promise<ExpertServer> {
  const server = await startExpertServer({ name, profile: { outage }, sleep: async () => {} });
  cleanups.push(() => server.close());
  return server;
}

interface ReadyBody {
  redis?: string;
  shared?: { quota?: string; breakers?: string };
}
interface ConsultBody {
  outcomes: { expert: string; reason?: string }[];
}

let questions = 0;

const TRIPPER = 'tripper-key-0000000001';
const BURST = 'burst-key-00000000001';

async function consult(url: string, key: string, experts: string[]): Promise<Response> {
  return fetch(`${url}/v1/consult`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ question: `question ${++questions}`, experts }),
  });
}

describe('two service processes over one Redis', () => {
  it('share a client quota and the breaker of an expert', async () => {
    const limit = 12;
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const up = await expert('up', false);
    const down = await expert('down', true);
    const env = {
      EXPERTS: `up=${up.url},down=${down.url}`,
      REDIS_URL: redis.url,
      EXPERT_RETRIES: '0',
      CLIENT_LIMIT_PER_MINUTE: String(limit),
      API_KEYS: `${TRIPPER},${BURST}`,
    };
    const children = [run({ ...env, INSTANCE_ID: 'one' }), run({ ...env, INSTANCE_ID: 'two' })];
    const urls = await Promise.all(children.map(listeningUrl));
    for (const url of urls) {
      await eventually('the process shares its state through Redis', async () => {
        const ready = (await (await fetch(`${url}/ready`)).json()) as ReadyBody;
        return ready.redis === 'connected' && ready.shared?.quota === 'redis';
      });
    }
    const first = urls[0]!;

    // The first process fails at `down` enough for the fleet's breaker to open.
    for (let i = 0; i < 6; i++) {
      const reply = await consult(first, TRIPPER, ['down']);
      expect(reply.status).toBe(200);
    }
    // The fleet's breaker may open at a sync after the 5th failure (minimumCalls) or the 6th.
    const asked = down.stats().requests;
    expect(asked).toBeGreaterThanOrEqual(5);
    expect(asked).toBeLessThanOrEqual(6);
    for (const url of urls) {
      await eventually('each process sees the breaker of `down` open', async () => {
        const metrics = await (await fetch(`${url}/metrics`)).text();
        return metrics.includes('experts_breaker_state{expert="down",state="open"} 1');
      });
    }

    // Another client's burst split across both processes: together within its quota.
    const replies = await Promise.all(
      Array.from({ length: 2 * limit }, (_, i) => consult(urls[i % 2]!, BURST, ['up', 'down'])),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    const admitted = statuses.filter((s) => s === 200).length;
    expect(admitted).toBeGreaterThan(0);
    expect(admitted).toBeLessThanOrEqual(limit);
    for (const i of [0, 1]) expect(statuses.filter((_s, j) => j % 2 === i)).toContain(429);
    const bodies = await Promise.all(
      replies.filter((r) => r.status === 200).map((r) => r.json() as Promise<ConsultBody>),
    );
    for (const body of bodies) {
      expect(body.outcomes[1]).toMatchObject({ expert: 'down', reason: 'breaker open' });
    }
    // Neither process asked `down` again once its breaker was open fleet-wide.
    expect(down.stats().requests).toBe(asked);
    expect(up.stats().requests).toBe(admitted);
  }, 60_000);
});
