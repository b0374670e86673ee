import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { eventually, type RedisServerHandle, startRedis } from '@breakwater/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage } from '../sim/build.fixture.js';
import type { ExpertServer } from '../sim/expert-server.js';
import { SimCalls, startSims } from './sims.fixture.js';

const entry = fileURLToPath(new URL('../../dist/service/main.js', import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(() => buildPackage(), 60_000);
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function run(env: Record<string, string>): ChildProcess {
  const { PATH = '' } = process.env;
  const child = spawn(process.execPath, [entry], {
    env: { PATH, RECORDS_DB: ':memory:', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return child;
}

async function listeningUrl(child: ChildProcess): Promise<string> {
  let text = '';
  for await (const chunk of child.stdout!) {
    text += String(chunk);
    const match = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
    if (match) {
      child.stdout!.resume();
      return match[1]!;
    }
  }
  throw new Error(`never listened (exit ${child.exitCode}): ${text}`);
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

function consult(url: string, question: string): Promise<Response> {
  return fetch(`${url}/v1/consult`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question }),
  });
}

describe('two service processes over one Redis', () => {
  it('run one fan-out for a question asked of both at once, and both records reach the stream', async () => {
    const redis: RedisServerHandle = await startRedis();
    cleanups.push(() => redis.stop());
    const calls = new SimCalls({ gated: ['a'] });
    const sims: ExpertServer[] = await startSims([{ name: 'a' }, { name: 'b' }], calls);
    cleanups.push(() => Promise.all(sims.map((s) => s.close())).then(() => {}));
    const experts = sims.map((s) => `${s.name}=${s.url}`).join(',');
    const children = ['one', 'two'].map((id) =>
      run({ EXPERTS: experts, REDIS_URL: redis.url, INSTANCE_ID: id, RECORDS_FLUSH_MS: '20' }),
    );
    const urls = await Promise.all(children.map(listeningUrl));
    for (const url of urls) {
      await eventually('the process shares through Redis', async () => {
        const ready = (await (await fetch(`${url}/ready`)).json()) as {
          shared?: { cache: string };
        };
        return ready.shared?.cache === 'redis';
      });
    }

    const both = urls.map((url) => consult(url, 'Two processes, one fan-out?'));
    await eventually('one process computes while the other waits for it', async () => {
      const inFlight = await Promise.all(
        urls.map((url) => metric(url, 'experts_coalescing_in_flight')),
      );
      return calls.at('start a') >= 0 && inFlight.every((n) => n === 1);
    });
    calls.release('a');
    const answers = await Promise.all(both);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect(answers.map((r) => r.headers.get('x-cache')).sort()).toEqual(['coalesced', 'miss']);
    expect(sims.map((s) => s.stats().requests)).toEqual([1, 1]);

    const client = redis.client();
    await eventually('a record of each process is in the stream', async () => {
      const entries = await client.xrange('experts:records', '-', '+');
      return (
        entries
          .map(([, fields]) => fields[1])
          .sort()
          .join() === 'one,two'
      );
    });

    const exits = children.map((child) => once(child, 'exit'));
    for (const child of children) child.kill('SIGTERM');
    expect((await Promise.all(exits)).map(([code]) => code)).toEqual([0, 0]);
  }, 90_000);
});
