import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage } from '../sim/build.fixture.js';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const script = fileURLToPath(new URL('../../../../scripts/demo.mjs', import.meta.url));
const started: ChildProcess[] = [];

beforeAll(() => buildPackage(), 60_000);
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `node scripts/demo.mjs --quick --no-build` (the packages are built by the test run). */
function runDemo(...extra: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [script, '--quick', '--no-build', ...extra], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let text = '';
  child.stdout!.on('data', (chunk) => {
    text += String(chunk);
  });
  child.stderr!.on('data', (chunk) => {
    text += String(chunk);
  });
  return { child, output: () => text };
}

function childPids(output: string): number[] {
  const match = /Stopped (\d+) child processes \(pids ([\d ]*)\)/.exec(output);
  expect(match, output).not.toBeNull();
  const pids = match![2]!.trim().split(' ').filter(Boolean).map(Number);
  expect(pids.length).toBe(Number(match![1]));
  return pids;
}

describe('pnpm demo --quick', () => {
  it('prints a table per phase, resilient beside naive, exits 0 and leaves no process behind', async () => {
    const { child, output } = runDemo();
    const [code] = await once(child, 'exit');
    const text = output();
    expect(code, text).toBe(0);
    for (const phase of ['Phase 1/3 - normal', 'Phase 2/3 - outage', 'Phase 3/3 - recovery']) {
      expect(text).toContain(phase);
    }
    const header =
      /^mode\s+ok req\/s\s+p50 ms\s+p95 ms\s+p99 ms\s+errors\s+rate-limited\s+cache hits\s+coalesced\s+breakers$/gm;
    expect(text.match(header)?.length).toBe(3);
    // Resilient rows show zero client errors; every row has its ten columns.
    const resilient = text.match(
      /^resilient\s+\S+\s+\S+\s+\S+\s+\S+\s+0\s+\d+\s+\S+\s+\S+\s+.+$/gm,
    );
    expect(resilient?.length, text).toBe(3);
    expect(
      text.match(/^naive\s+\S+\s+\S+\s+\S+\s+\S+\s+\d+\s+\d+\s+\S+\s+\S+\s+.+$/gm)?.length,
    ).toBe(3);
    expect(text).toContain('Plan: atlas, boreal, cirrus, delta, then ember');
    expect(text).toContain('All checks passed.');
    // Five experts and two services, all gone.
    const pids = childPids(text);
    expect(pids.length).toBe(7);
    expect(pids.filter(alive)).toEqual([]);
  }, 90_000);

  it('stops every child and exits 130 on SIGINT', async () => {
    const { child, output } = runDemo();
    while (!output().includes('Services:')) {
      if (child.exitCode !== null) throw new Error(output());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code] = await exited;
    const text = output();
    expect(code, text).toBe(130);
    expect(text).toContain('Interrupted.');
    expect(text).not.toContain('All checks passed.');
    const pids = childPids(text);
    expect(pids.length).toBe(7);
    expect(pids.filter(alive)).toEqual([]);
  }, 60_000);

  it('runs --instances 2 over one Redis it starts: per-instance rows and a total, nothing left behind', async () => {
    const { child, output } = runDemo('--instances', '2');
    const [code] = await once(child, 'exit');
    const text = output();
    expect(code, text).toBe(0);
    const header =
      /^mode\s+instance\s+ok req\/s\s+p50 ms\s+p95 ms\s+p99 ms\s+errors\s+rate-limited\s+cache hits\s+coalesced\s+breakers$/gm;
    expect(text.match(header)?.length, text).toBe(3);
    for (const mode of ['resilient', 'naive']) {
      for (const instance of ['i1', 'i2', 'total']) {
        const row = new RegExp(
          `^${mode}\\s+${instance}\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\d+\\s+\\d+\\s+\\S+\\s+\\S+\\s+.+$`,
          'gm',
        );
        expect(text.match(row)?.length, `${mode} ${instance}\n${text}`).toBe(3);
      }
    }
    // The resilient total shows no client error in any phase.
    expect(text.match(/^resilient\s+total\s+\S+\s+\S+\s+\S+\s+\S+\s+0\s+/gm)?.length, text).toBe(3);
    const redis = /^Redis: redis:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)\)/m.exec(text);
    expect(redis, text).not.toBeNull();
    expect(Number(redis![1])).not.toBe(6379);
    expect(text.match(/^Redis: \d+ commands for \d+ resilient responses/gm)?.length).toBe(3);
    expect(text).toContain('All checks passed.');
    // Five experts, two instances per mode and Redis, all gone.
    const pids = childPids(text);
    expect(pids.length).toBe(10);
    expect(pids).toContain(Number(redis![2]));
    expect(pids.filter(alive)).toEqual([]);
  }, 90_000);

  it('exits 2 with a clear message when --instances needs redis-server and it is not on PATH', async () => {
    const main = fileURLToPath(new URL('../../dist/demo/main.js', import.meta.url));
    const child = spawn(process.execPath, [main, '--quick', '--instances', '3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH: '', BREAKWATER_REDIS_SERVER: '' },
    });
    started.push(child);
    let text = '';
    child.stdout!.on('data', (chunk) => {
      text += String(chunk);
    });
    child.stderr!.on('data', (chunk) => {
      text += String(chunk);
    });
    const [code] = await once(child, 'exit');
    expect(code, text).toBe(2);
    expect(text).toContain('redis-server is not on PATH');
    expect(text).not.toContain('Experts:');
  });

  it.each([
    [['--fast'], 'Unknown argument `--fast`'],
    [['--instances', '0'], 'Expected `--instances` to be an integer from 1 to 16, got "0"'],
    [['--instances', 'two'], 'Expected `--instances` to be an integer from 1 to 16, got "two"'],
  ])('refuses %j with exit code 2', async (args, message) => {
    const main = fileURLToPath(new URL('../../dist/demo/main.js', import.meta.url));
    const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});
