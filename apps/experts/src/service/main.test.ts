import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage } from '../sim/build.fixture.js';
import { type ExpertServer, startExpertServer } from '../sim/expert-server.js';

const entry = fileURLToPath(new URL('../../dist/service/main.js', import.meta.url));
const children: ChildProcess[] = [];
const experts: ExpertServer[] = [];

beforeAll(() => buildPackage(), 60_000);
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(experts.splice(0).map((e) => e.close()));
});

function run(env: Record<string, string>): ChildProcess {
  const { PATH = '' } = process.env;
  const child = spawn(process.execPath, [entry], {
    env: { PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
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

describe('main', () => {
  it('exits 2 naming the variable when the configuration is bad', async () => {
    const child = run({ EXPERTS: 'a=http://127.0.0.1:1', PORT: 'x' });
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('`PORT`');
  });

  it('finishes the request in flight on SIGTERM, then exits 0', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let asked: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      asked = resolve;
    });
    const expert = await startExpertServer({
      name: 'a',
      profile: { latencyMs: { median: 10, p99: 10 } },
      sleep: () => {
        asked();
        return gate;
      },
    });
    experts.push(expert);
    const child = run({ EXPERTS: `a=${expert.url}`, PORT: '0', LOG_LEVEL: 'info' });
    const url = await listeningUrl(child);
    const pending = fetch(`${url}/v1/consult`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'q' }),
    });
    await reached;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    release();
    const response = await pending;
    expect(response.status).toBe(200);
    const body = (await response.json()) as { outcomes: { status: string }[] };
    expect(body.outcomes[0]!.status).toBe('ok');
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
