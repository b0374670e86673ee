import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { killTrackedSync, trackedProcessCount } from './cleanup.js';
import { findProcesses, isAlive, waitFor } from './fixtures/process-state.js';
import { WATCHDOG_NAME } from './redis-process.js';
import { startRedis } from './redis-server.js';

const register = pathToFileURL(new URL('./fixtures/register-ts.mjs', import.meta.url).pathname);
const childScript = new URL('./fixtures/start-redis-child.mjs', import.meta.url).pathname;

interface StartedChild {
  readonly child: ChildProcess;
  /** The redis-server pid and port the child reported. */
  readonly pid: number;
  readonly port: number;
  readonly dir: string;
}

/** Spawns a Node process that starts a redis-server, and reads which one. */
async function spawnParent(mode: 'hang' | 'exit'): Promise<StartedChild> {
  const child = spawn(process.execPath, ['--import', register.href, childScript, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`The child exited (${code}) before reporting its server:\n${stderr}`);
  });
  const [line] = (await Promise.race([once(lines, 'line'), exited])) as [string];
  exited.catch(() => {});
  return { child, ...(JSON.parse(line) as { pid: number; port: number; dir: string }) };
}

/** Watchdogs are shell processes whose command line names the server's port. */
function watchdogsOf(port: number): number[] {
  return findProcesses(WATCHDOG_NAME, `--port ${port} `);
}

const hasProc = existsSync('/proc/self/cmdline');

// Child Node processes load the TypeScript sources first: allow for a slow, busy machine.
describe('cleanup of spawned servers', { timeout: 30_000 }, () => {
  it('kills the redis-server when the Node process that started it is SIGKILLed', async () => {
    const { child, pid, port, dir } = await spawnParent('hang');
    expect(isAlive(pid)).toBe(true);
    expect(existsSync(dir)).toBe(true);

    child.kill('SIGKILL');
    await once(child, 'exit');

    await waitFor(() => !isAlive(pid), `redis-server ${pid} to die with its parent`);
    await waitFor(() => !existsSync(dir), `its directory ${dir} to be removed`);
    if (hasProc) await waitFor(() => watchdogsOf(port).length === 0, 'its watchdog to end');
  });

  it('kills the redis-server when the Node process exits without stopping it', async () => {
    const { child, pid, dir } = await spawnParent('exit');

    const [code] = await once(child, 'exit');

    expect(code).toBe(0);
    await waitFor(() => !isAlive(pid), `redis-server ${pid} to be killed on exit`);
    expect(existsSync(dir)).toBe(false);
  });

  it('kills the redis-server on SIGTERM, and the process still dies of the signal', async () => {
    const { child, pid } = await spawnParent('hang');

    child.kill('SIGTERM');
    const [code, signal] = await once(child, 'exit');

    expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
    await waitFor(() => !isAlive(pid), `redis-server ${pid} to be killed on SIGTERM`);
  });

  it('kills every tracked server and removes its directory on demand, synchronously', async () => {
    const redis = await startRedis();
    const pid = redis.pid!;
    expect(trackedProcessCount()).toBe(1);

    killTrackedSync();

    expect(trackedProcessCount()).toBe(0);
    await waitFor(() => !redis.running, 'the handle to see its server gone');
    expect(isAlive(pid)).toBe(false);
    await expect(redis.stop()).resolves.toBeUndefined();
  });

  it.skipIf(!hasProc)('leaves no watchdog behind once a server is stopped', async () => {
    const redis = await startRedis();
    expect(watchdogsOf(redis.port)).toHaveLength(1);

    await redis.stop();

    await waitFor(() => watchdogsOf(redis.port).length === 0, 'the watchdog to end');
  });
});
