import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage } from './build.fixture.js';

const entry = fileURLToPath(new URL('../../dist/sim/cli.js', import.meta.url));
const children: ChildProcess[] = [];

beforeAll(() => buildPackage(), 60_000);
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function run(args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(process.execPath, [entry, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

async function firstLine(child: ChildProcess): Promise<string> {
  let text = '';
  for await (const chunk of child.stdout!) {
    text += String(chunk);
    const end = text.indexOf('\n');
    if (end >= 0) return text.slice(0, end);
  }
  throw new Error(`no line on stdout (exit ${child.exitCode})`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('cli', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'prints its URL, answers, and exits 0 on %s',
    async (signal) => {
      const child = run(['--name', 'cli-1', '--opinion', '4', '--median-ms', '1', '--p99-ms', '2']);
      const line = JSON.parse(await firstLine(child)) as { name: string; url: string };
      expect(line.name).toBe('cli-1');
      expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${line.url}/v1/answer`, {
        method: 'POST',
        body: JSON.stringify({ question: 'Which timeout?' }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { expert: string; answer: string };
      expect(body.expert).toBe('cli-1');
      expect(body.answer).toMatch(/^School 4 /);
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = await exited;
      expect(code).toBe(0);
      expect(alive(child.pid!)).toBe(false);
    },
  );

  it('refuses bad flags with exit code 2 and a message naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--port', '1'], /--name/],
      [['--name', 'x', '--error-rate', 'high'], /--error-rate/],
      [['--name', 'x', '--error-rate', '2'], /errorRate/],
      [['--name', 'x', '--median-ms', '10', '--p99-ms', '5'], /p99/],
      [['--name', 'x', '--colour', 'red'], /colour/],
    ];
    for (const [args, message] of cases) {
      const child = run(args);
      let stderr = '';
      child.stderr!.on('data', (chunk) => {
        stderr += String(chunk);
      });
      const [code] = await once(child, 'exit');
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
    }
  });

  it.each([
    ['--admin-key', (key: string) => [['--admin-key', key], process.env] as const],
    ['SIM_ADMIN_KEY', (key: string) => [[], { ...process.env, SIM_ADMIN_KEY: key }] as const],
  ])('guards the admin endpoint with the key given by %s', async (_how, given) => {
    const key = 'demo-admin-key-0123456789';
    const [args, env] = given(key);
    const child = run(['--name', 'guarded', ...args], env);
    const { url } = JSON.parse(await firstLine(child)) as { url: string };
    const put = (headers: Record<string, string>) =>
      fetch(`${url}/admin/profile`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ outage: true }),
      });
    expect((await put({})).status).toBe(403);
    expect((await put({ 'x-admin-key': 'wrong-key-0123456789abc' })).status).toBe(403);
    const accepted = await put({ 'x-admin-key': key });
    expect(accepted.status).toBe(200);
    expect(((await accepted.json()) as { outage: boolean }).outage).toBe(true);
  });
});
