import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExpertServer } from '../sim/expert-server.js';
import { NDJSON } from './ndjson.js';
import { MemoryRecordSink } from './records.js';
import { appFor, SimCalls, startSims } from './sims.fixture.js';

// The analysis fails for answers that reviewed nothing: a way to make a consultation fail.
vi.mock('@breakwater/consensus', async (importOriginal) => {
  const original = await importOriginal<typeof import('@breakwater/consensus')>();
  return {
    ...original,
    analyzeConsensus: (...args: Parameters<typeof original.analyzeConsensus>) => {
      if (args[0].some((r) => r.text.includes('Reviewed 0 answers'))) throw new Error('boom');
      return original.analyzeConsensus(...args);
    },
  };
});

const servers: ExpertServer[] = [];
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('a consultation that fails', () => {
  it('ends its stream with an error line, and answers 500 without streaming', async () => {
    const started = await startSims(
      [{ name: 'down', outage: true }, { name: 'rev' }],
      new SimCalls(),
    );
    servers.push(...started);
    const records = new MemoryRecordSink();
    const { app } = appFor(started, {}, records);
    apps.push(app);
    const payload = {
      question: 'q',
      plan: { steps: [{ expert: 'down' }, { expert: 'rev', after: ['down'] }] },
    };
    const streamed = await app.inject({
      method: 'POST',
      url: '/v1/consult',
      headers: { accept: NDJSON },
      payload,
    });
    expect(streamed.statusCode).toBe(200);
    const lines = streamed.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(lines.map((l) => l.type)).toEqual(['outcome', 'outcome', 'error']);
    expect(lines[2]).toEqual({ type: 'error', error: 'Internal server error' });
    const plain = await app.inject({ method: 'POST', url: '/v1/consult', payload });
    expect(plain.statusCode).toBe(500);
    expect(plain.json()).toEqual({ error: 'Internal server error' });
    expect(records.records).toEqual([]);
  });
});
