import { describe, expect, it, vi } from 'vitest';
import { runSuite } from '../runner/run-suite.js';
import {
  type BatchOutcome,
  caseNames,
  createCoalescerSuite,
  PromiseMap,
  suite,
} from './coalescer.js';

const quickSettings = { warmupRounds: 0, rounds: 1, roundMs: 1, memoryBuilds: 1 };

async function firstResult(impl: (typeof suite.cases)[number]['ours']): Promise<unknown> {
  return impl.fn(await impl.setup?.());
}

describe('coalescer suite', () => {
  it('measures joined calls of one key and calls of distinct keys', () => {
    expect(suite.cases.map((c) => c.name)).toEqual([
      caseNames.joined(100),
      caseNames.distinct(100),
    ]);
    for (const c of suite.cases) {
      expect(c.check).toBe(true);
      expect(c.opsPerCall).toBe(100);
      expect(c.ours.name).toBe('Coalescer');
      expect(c.peers.map((p) => p.name)).toEqual(['lru-cache fetch']);
      expect(c.floor?.name).toBe('Map of promises');
    }
  });

  it('gives every implementation the same sum and number of executions', async () => {
    const expected: BatchOutcome[] = [
      { sum: 700, executions: 1 },
      { sum: 700, executions: 100 },
    ];
    for (const [i, c] of suite.cases.entries()) {
      for (const impl of [c.ours, ...c.peers, c.floor!]) {
        expect(await firstResult(impl)).toEqual(expected[i]);
      }
    }
  });

  it('runs every case with equal results, then the floor table', async () => {
    const result = await runSuite(createCoalescerSuite({ calls: 4 }), {
      settings: quickSettings,
      mode: 'quick',
      command: 'test',
      gc: vi.fn(),
    });
    expect(result.cases.every((c) => c.checked)).toBe(true);
    expect(result.tables?.map((t) => t.title)).toEqual(['Against the floor']);
  });

  it('the floor removes a key once its promise settles', async () => {
    const map = new PromiseMap();
    const p = map.run('k', () => Promise.resolve(1));
    expect(map.run('k', () => Promise.resolve(2))).toBe(p);
    await p;
    await Promise.resolve();
    expect(map.size).toBe(0);
  });
});
