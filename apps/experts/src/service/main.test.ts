import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage } from '../sim/build.fixture.js';
import { type ExpertServer, startExpertServer } from '../sim/expert-server.js';

const entry = fileURLToPath(new URL('../../dist/service/main.js', import.meta.url));
const children: ChildProcess[] = [];
const experts: ExpertServer[] = [];
const dirs: string[] = [];

beforeAll(() => buildPackage(), 60_000);
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(experts.splice(0).map((e) => e.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function run(env: Record<string, string>): ChildProcess {
  const { PATH = '' } = process.env;
  const child = spawn(process.execPath, [entry], {
    env: { PATH, RECORDS_DB: ':memory:', ...env },
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

  it('exits 1 without answering when the records store cannot be opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'experts-main-'));
    dirs.push(dir);
    const child = run({
      EXPERTS: 'a=http://127.0.0.1:1',
      PORT: '0',
      RECORDS_DB: join(dir, 'missing', 'records.duckdb'),
    });
    let stdout = '';
    child.stdout!.on('data', (chunk) => {
      stdout += String(chunk);
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stdout).toContain('cannot start');
    expect(stdout).not.toContain('listening at');
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

  it('on SIGTERM under load, writes a record for every answered consultation', async () => {
    let holding = false;
    let held = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let allHeld: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      allHeld = resolve;
    });
    const HELD = 12;
    const expert = await startExpertServer({
      name: 'a',
      profile: { latencyMs: { median: 1, p99: 1 } },
      sleep: () => {
        if (!holding) return Promise.resolve();
        held++;
        if (held === HELD) allHeld();
        return gate;
      },
    });
    experts.push(expert);
    const dir = mkdtempSync(join(tmpdir(), 'experts-main-'));
    dirs.push(dir);
    const path = join(dir, 'records.duckdb');
    const child = run({
      EXPERTS: `a=${expert.url}`,
      PORT: '0',
      LOG_LEVEL: 'info',
      RECORDS_DB: path,
      RECORDS_BATCH_SIZE: '5',
      RECORDS_FLUSH_MS: '60000',
    });
    const url = await listeningUrl(child);
    let n = 0;
    const ask = async (): Promise<number> => {
      n++;
      try {
        const response = await fetch(`${url}/v1/consult`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ question: `question ${n}` }),
        });
        await response.arrayBuffer();
        return response.status;
      } catch {
        return 0; // refused: the server had stopped listening
      }
    };

    // Answered before the signal: one batch by size, the rest queued.
    const before = await Promise.all(Array.from({ length: 7 }, ask));
    expect(before.every((s) => s === 200)).toBe(true);
    // In flight when the signal comes, and more arriving after it.
    holding = true;
    const inFlight = Array.from({ length: HELD }, ask);
    await reached;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const late = Array.from({ length: 8 }, ask);
    holding = false;
    release();
    const statuses = [...before, ...(await Promise.all([...inFlight, ...late]))];
    const [code] = await exited;
    expect(code).toBe(0);

    const answered = statuses.filter((s) => s === 200).length;
    expect(answered).toBeGreaterThanOrEqual(7 + HELD);
    expect(statuses.every((s) => s === 200 || s === 503 || s === 0)).toBe(true);
    const instance = await DuckDBInstance.create(path);
    try {
      const connection = await instance.connect();
      const read = async (sql: string) =>
        Number((await connection.runAndReadAll(sql)).getRowObjectsJS()[0]?.['n']);
      expect(await read('SELECT count(*)::INTEGER AS n FROM consultations')).toBe(answered);
      expect(await read('SELECT count(DISTINCT id)::INTEGER AS n FROM consultations')).toBe(
        answered,
      );
      expect(await read('SELECT count(*)::INTEGER AS n FROM calls')).toBe(answered);
      connection.closeSync();
    } finally {
      instance.closeSync();
    }
  }, 30_000);
});
