import { analyzeConsensus, closeConsensusWorkers } from '@breakwater/consensus';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExpertServer } from '../sim/expert-server.js';
import { ConsensusAnalyzer } from './consensus-analyzer.js';
import { consensusOf } from './consultation.js';
import type { ExpertOutcome } from './expert-client.js';
import { appFor, SimCalls, startSims } from './sims.fixture.js';

vi.mock('@breakwater/consensus', async (importOriginal) => {
  const original = await importOriginal<typeof import('@breakwater/consensus')>();
  return { ...original, closeConsensusWorkers: vi.fn(original.closeConsensusWorkers) };
});

const servers: ExpertServer[] = [];
const apps: FastifyInstance[] = [];
const analyzers: ConsensusAnalyzer[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(analyzers.splice(0).map((a) => a.close()));
});

const outcomes: ExpertOutcome[] = [
  {
    expert: 'a',
    status: 'ok',
    answer: 'Put the cache in front of the breaker.',
    confidence: 0.8,
    latencyMs: 1,
  },
  {
    expert: 'b',
    status: 'ok',
    answer: 'Put the cache in front of the breaker!',
    confidence: 0.6,
    latencyMs: 1,
  },
  {
    expert: 'c',
    status: 'ok',
    answer: 'Retry with backoff and jitter.',
    confidence: 0.9,
    latencyMs: 1,
  },
  { expert: 'd', status: 'error', error: 'HTTP 503', latencyMs: 1 },
];
const chars = outcomes.reduce((sum, o) => sum + (o.answer?.length ?? 0), 0);

function analyzer(workerChars: number): ConsensusAnalyzer {
  const a = new ConsensusAnalyzer({ workerChars, workers: 2 });
  analyzers.push(a);
  return a;
}

describe('ConsensusAnalyzer', () => {
  it('runs on worker threads from workerChars characters on, with the inline result', async () => {
    const inline = await consensusOf(outcomes);
    const big = analyzer(chars);
    expect(await consensusOf(outcomes, big)).toEqual(inline);
    expect(big.stats()).toEqual({ inline: 0, workers: 1, fallbacks: 0 });
    const small = analyzer(chars + 1);
    expect(await consensusOf(outcomes, small)).toEqual(inline);
    expect(small.stats()).toEqual({ inline: 1, workers: 0, fallbacks: 0 });
    expect(inline.consensus?.ids).toEqual(['a', 'b']);
  });

  it('analyses no answers inline', async () => {
    const a = analyzer(1);
    expect(await a.analyze([])).toEqual(analyzeConsensus([]));
    expect(a.stats().inline).toBe(1);
  });

  it('falls back to the calling thread when the worker analysis fails', async () => {
    const a = analyzer(1);
    // A confidence outside [0, 1] is refused by both paths: the fallback rethrows it.
    await expect(a.analyze([{ id: 'x', text: 'y', confidence: 2 }])).rejects.toThrow(RangeError);
    expect(a.stats().fallbacks).toBe(1);
  });

  it('runs inline once closed, and closes twice harmlessly', async () => {
    const idle = analyzer(1);
    vi.mocked(closeConsensusWorkers).mockClear();
    await idle.close();
    expect(closeConsensusWorkers).not.toHaveBeenCalled();
    const a = analyzer(1);
    await consensusOf(outcomes, a);
    await a.close();
    expect(closeConsensusWorkers).toHaveBeenCalledTimes(1);
    expect(a.closed).toBe(true);
    await consensusOf(outcomes, a);
    expect(a.stats()).toEqual({ inline: 1, workers: 1, fallbacks: 0 });
    await a.close();
  });
});

describe('the service with CONSENSUS_WORKER_CHARS', () => {
  it('analyses large answers on worker threads and counts it in /metrics', async () => {
    const calls = new SimCalls();
    const started = await startSims(
      [{ name: 'a' }, { name: 'b' }, { name: 'c', opinion: 1 }],
      calls,
    );
    servers.push(...started);
    const { app } = appFor(started, { CONSENSUS_WORKER_CHARS: '1', CONSENSUS_WORKERS: '1' });
    apps.push(app);
    const response = await app.inject({
      method: 'POST',
      url: '/v1/consult',
      payload: { question: 'Batch the writes?' },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json() as { consensus: { consensus: { ids: string[] } } };
    expect(body.consensus.consensus.ids).toEqual(['a', 'b']);
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^experts_consensus_analyses_total\{path="workers"\} 1$/m);
    expect(metrics.body).toMatch(/^experts_consensus_analyses_total\{path="inline"\} 0$/m);
  });

  it('ends the worker threads when the app closes', async () => {
    const calls = new SimCalls();
    const started = await startSims([{ name: 'a' }], calls);
    servers.push(...started);
    const { app } = appFor(started, { CONSENSUS_WORKER_CHARS: '1' });
    await app.inject({ method: 'POST', url: '/v1/consult', payload: { question: 'q' } });
    vi.mocked(closeConsensusWorkers).mockClear();
    await app.close();
    expect(closeConsensusWorkers).toHaveBeenCalledTimes(1);
  });

  it('analyses small answers inline by default', async () => {
    const calls = new SimCalls();
    const started = await startSims([{ name: 'a' }], calls);
    servers.push(...started);
    const { app } = appFor(started);
    apps.push(app);
    await app.inject({ method: 'POST', url: '/v1/consult', payload: { question: 'q' } });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^experts_consensus_analyses_total\{path="inline"\} 1$/m);
  });
});
