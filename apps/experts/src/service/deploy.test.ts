import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage } from '../sim/build.fixture.js';
import { type ExpertServer, startExpertServer } from '../sim/expert-server.js';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
// The pnpm the workspace pins (a root devDependency), run with this Node.
const pnpm = join(root, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
const dir = mkdtempSync(join(tmpdir(), 'experts-deploy-'));
const target = join(dir, 'app');
let expert: ExpertServer;
let service: ChildProcess | undefined;

beforeAll(async () => {
  buildPackage();
  expert = await startExpertServer({ name: 'solo', profile: { opinion: 0 } });
}, 60_000);

afterAll(async () => {
  if (service !== undefined && service.exitCode === null) service.kill('SIGKILL');
  await expert?.close();
  rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        resolve(typeof address === 'object' && address !== null ? address.port : 0),
      );
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break;
    try {
      const response = await fetch(`${url}/health`);
      if (response.status === 200) return response;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the deployed service never answered /health:\n${output()}`);
}

describe('pnpm --filter @breakwater/experts deploy --prod <dir>', () => {
  it('gives a folder that runs with node alone', async () => {
    await promisify(execFile)(
      process.execPath,
      [pnpm, '--filter', '@breakwater/experts', 'deploy', '--prod', target],
      { cwd: root, env: { ...process.env, CI: 'true' } },
    );
    const main = join(target, 'dist', 'service', 'main.js');
    expect(existsSync(main)).toBe(true);
    // Workspace packages are copied in, not linked back to the workspace.
    const core = realpathSync(join(target, 'node_modules', '@breakwater', 'core'));
    expect(core.startsWith(realpathSync(dir))).toBe(true);
    // Production only: no dev dependency.
    expect(existsSync(join(target, 'node_modules', 'autocannon'))).toBe(false);

    // Started from outside the workspace: nothing can resolve through it.
    const port = await freePort();
    let output = '';
    service = spawn(process.execPath, [main], {
      cwd: dir,
      env: {
        PATH: process.env['PATH'] ?? '',
        PORT: String(port),
        EXPERTS: `solo=${expert.url}`,
        RECORDS_DB: ':memory:',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    service.stdout!.on('data', (chunk) => {
      output += String(chunk);
    });
    service.stderr!.on('data', (chunk) => {
      output += String(chunk);
    });
    const url = `http://127.0.0.1:${port}`;
    const health = await waitForHealth(url, service, () => output);
    expect(await health.json()).toEqual({ status: 'ok' });
    const consult = await fetch(`${url}/v1/consult`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'Does the deployed service answer?' }),
    });
    expect(consult.status).toBe(200);
    const exited = once(service, 'exit');
    service.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  }, 120_000);
});
