import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExpertServer } from '../sim/expert-server.js';
import { appFor, SimCalls, startSims } from './sims.fixture.js';

const experts: ExpertServer[] = [];
const apps: FastifyInstance[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(experts.splice(0).map((e) => e.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('records store at start-up', () => {
  it('does not start answering when its records store cannot be opened', async () => {
    experts.push(...(await startSims([{ name: 'a' }], new SimCalls())));
    const dir = mkdtempSync(join(tmpdir(), 'experts-open-'));
    dirs.push(dir);
    const { app } = appFor(experts, { RECORDS_DB: join(dir, 'missing', 'records.duckdb') });
    apps.push(app);
    await expect(app.listen({ port: 0, host: '127.0.0.1' })).rejects.toThrow(/records\.duckdb/);
  });

  it('starts with a store that opens', async () => {
    experts.push(...(await startSims([{ name: 'a' }], new SimCalls())));
    const dir = mkdtempSync(join(tmpdir(), 'experts-open-'));
    dirs.push(dir);
    const { app } = appFor(experts, { RECORDS_DB: join(dir, 'records.duckdb') });
    apps.push(app);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});
