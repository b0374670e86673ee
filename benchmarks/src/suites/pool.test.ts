import { describe, expect, it, vi } from 'vitest';
import { runSuite } from '../runner/run-suite.js';
import {
  caseNames,
  createPoolSuite,
  defaultPoolSuiteConfig,
  type PoolSuiteConfig,
  suite,
} from './pool.js';

const tiny: PoolSuiteConfig = { size: 3, batch: 10, contendedBatch: 30, workers: 8 };

const quickSettings = { warmupRounds: 0, rounds: 1, roundMs: 1, memoryBuilds: 1 };

describe('pool suite', () => {
  it('measures uncontended acquire + release, a contended pool and use()', () => {
    const { cases } = createPoolSuite(tiny);
    expect(cases.map((c) => c.name)).toEqual([
      'acquire + release · uncontended',
      '8 workers · 3 resources',
      'use() · uncontended',
    ]);
    expect(cases.map((c) => c.opsPerCall)).toEqual([10, 30, 10]);
    for (const c of cases) {
      expect(c.check).toBe(true);
      expect(c.ours.name).toBe('Pool');
      expect(c.peers.map((p) => p.name)).toEqual(['generic-pool', 'tarn']);
    }
  });

  it('runs every case with equal results across implementations, then the targets table', async () => {
    const result = await runSuite(createPoolSuite(tiny), {
      settings: quickSettings,
      mode: 'quick',
      command: 'test',
      gc: vi.fn(),
    });
    expect(result.cases).toHaveLength(3);
    for (const c of result.cases) {
      expect(c.checked).toBe(true);
      for (const impl of [c.ours, ...c.peers]) {
        expect(impl.medianOpsPerSec).toBeGreaterThan(0);
      }
    }
    expect(result.cases.map((c) => c.floor?.name)).toEqual([
      'array + FIFO queue (floor)',
      'array + FIFO queue (floor)',
      undefined,
    ]);
    expect(result.tables!.map((t) => t.title)).toEqual(['Targets', 'Against the floor']);
    expect(result.tables![1]!.rows.map((row) => row[0])).toEqual([
      caseNames.uncontended,
      '8 workers · 3 resources',
    ]);
    const [targets] = result.tables!;
    expect(targets!.title).toBe('Targets');
    expect(targets!.rows.map((row) => row.slice(0, 2))).toEqual([
      [caseNames.uncontended, 'generic-pool'],
      ['8 workers · 3 resources', 'generic-pool'],
    ]);
    for (const row of targets!.rows) {
      expect(row[5]).toBe('≥ 4×');
      expect(['met', 'missed']).toContain(row[6]);
      expect(row[7]).toBeGreaterThan(0);
    }
  });

  it('is registered as `pool` with the sizes of the brief', () => {
    expect(suite.name).toBe('pool');
    expect(defaultPoolSuiteConfig).toEqual({
      size: 10,
      batch: 100,
      contendedBatch: 1_000,
      workers: 100,
    });
    expect(suite.cases[1]!.name).toBe('100 workers · 10 resources');
  });
});
