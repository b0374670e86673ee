import { describe, expect, it, vi } from 'vitest';
import { runSuite } from '../runner/run-suite.js';
import { type BatcherSuiteConfig, createBatcherSuite, suite } from './batcher.js';

const tiny: BatcherSuiteConfig = { loads: 12, distinctKeys: 5, writeItems: 25, writeBatchSize: 10 };

const quickSettings = { warmupRounds: 0, rounds: 1, roundMs: 1, memoryBuilds: 1 };

describe('batcher suite', () => {
  it('runs every case with equal results across implementations', async () => {
    const result = await runSuite(createBatcherSuite(tiny), {
      settings: quickSettings,
      mode: 'quick',
      command: 'test',
      gc: vi.fn(),
    });
    for (const c of result.cases) {
      expect(c.checked).toBe(true);
      for (const impl of [c.ours, ...c.peers]) {
        expect(impl.medianOpsPerSec).toBeGreaterThan(0);
      }
    }
    expect(result.cases.map((c) => c.name)).toEqual([
      'load · 12 loads over 5 keys per tick',
      'write-behind · 25 items in batches of 10',
    ]);
    expect(result.tables!.map((t) => t.title)).toEqual(['Targets', 'Against the floor']);
    expect(result.tables![0]!.rows.map((row) => row.slice(0, 2))).toEqual([
      ['load · 12 loads over 5 keys per tick', 'DataLoader'],
    ]);
  });

  it('is named batcher and measures ours against a peer in every case', () => {
    expect(suite.name).toBe('batcher');
    for (const c of suite.cases) expect(c.peers.length).toBeGreaterThan(0);
  });
});
