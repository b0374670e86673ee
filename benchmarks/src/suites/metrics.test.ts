import { describe, expect, it, vi } from 'vitest';
import { runSuite } from '../runner/run-suite.js';
import { caseNames, createMetricsSuite, sampleLines, suite } from './metrics.js';

const quickSettings = { warmupRounds: 0, rounds: 1, roundMs: 1, memoryBuilds: 1 };

async function firstResult(impl: (typeof suite.cases)[number]['ours']): Promise<unknown> {
  return impl.fn(await impl.setup?.());
}

describe('metrics suite', () => {
  it('measures increments, observations and the exposition against prom-client', () => {
    expect(suite.cases.map((c) => c.name)).toEqual([
      'inc · no labels',
      'inc · 2 labels (object)',
      'inc · bound child',
      'observe · histogram, 2 labels',
      caseNames.exposition(10_000),
    ]);
    for (const c of suite.cases) {
      expect(c.check).toBe(true);
      expect(c.ours.name).toBe('Registry');
      expect(c.peers.map((p) => p.name)).toEqual(['prom-client']);
    }
    expect(suite.cases.filter((c) => c.floor !== undefined)).toHaveLength(4);
  });

  it('gives every implementation the same exposed samples', async () => {
    const small = createMetricsSuite({ ops: 24, series: 300 });
    for (const c of small.cases) {
      const [ours, ...others] = await Promise.all(
        [c.ours, ...c.peers, ...(c.floor ? [c.floor] : [])].map(firstResult),
      );
      for (const other of others) expect(other).toEqual(ours);
    }
    const [counter] = small.cases;
    expect(await firstResult(counter!.ours)).toEqual(['jobs_total 24']);
  });

  it('sorts sample lines and their labels, and leaves out comments', () => {
    expect(sampleLines('# HELP x\nb 2\na{z="1",le="2"} 1\n')).toEqual(['a{le="2",z="1"} 1', 'b 2']);
  });

  it('runs every case with equal results, then the floor table', async () => {
    const result = await runSuite(createMetricsSuite({ ops: 12, series: 50 }), {
      settings: quickSettings,
      mode: 'quick',
      command: 'test',
      gc: vi.fn(),
    });
    expect(result.cases.every((c) => c.checked)).toBe(true);
    expect(result.tables?.map((t) => t.title)).toEqual(['Against the floor']);
  });
});
