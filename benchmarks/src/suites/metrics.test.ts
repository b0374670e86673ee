import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { runSuite } from '../runner/run-suite.js';
import {
  caseNames,
  createMetricsSuite,
  type MetricsSuiteConfig,
  sampleLines,
  suite,
} from './metrics.js';

const quickSettings = { warmupRounds: 0, rounds: 1, roundMs: 1, memoryBuilds: 1, figureSamples: 1 };

const small: MetricsSuiteConfig = {
  ops: 24,
  series: 300,
  largeSeries: 400,
  yieldEveryMs: 0,
  newSeries: 250,
};

async function firstResult(impl: (typeof suite.cases)[number]['ours']): Promise<unknown> {
  return impl.fn(await impl.setup?.());
}

describe('metrics suite', () => {
  it('measures increments, observations, expositions and new series against prom-client', () => {
    expect(suite.cases.map((c) => c.name)).toEqual([
      'inc · no labels',
      'inc · 2 labels (object)',
      'inc · bound child',
      'observe · histogram, 2 labels',
      'observe · summary, 2 labels',
      caseNames.exposition(10_000),
      caseNames.largeExposition(200_000),
      caseNames.largeExposition(200_000, 10),
      caseNames.seriesCounter(50_000),
      caseNames.seriesHistogram(50_000),
    ]);
    expect(caseNames.largeExposition(200_000, 10)).toBe('exposition · 200000 series · textAsync()');
    for (const c of suite.cases) {
      expect(c.check).toBe(true);
      expect(c.ours.name).toBe('Registry');
      expect(c.peers.map((p) => p.name)).toEqual(['prom-client']);
    }
    expect(suite.cases.filter((c) => c.floor !== undefined)).toHaveLength(4);
    const large = suite.cases.filter((c) => c.name.includes('200000'));
    expect(large.map((c) => c.figures?.map((f) => f.name))).toEqual([
      ['longest block'],
      ['longest block'],
    ]);
    const weighed = suite.cases.filter((c) => c.name.startsWith('new series'));
    for (const c of weighed) {
      expect(c.opsPerCall).toBe(50_000);
      expect([c.ours, ...c.peers].map((impl) => impl.memory?.items)).toEqual([50_000, 50_000]);
    }
  });

  it('gives every implementation the same exposed samples', async () => {
    const cases = createMetricsSuite(small).cases;
    for (const c of cases) {
      const [ours, ...others] = await Promise.all(
        [c.ours, ...c.peers, ...(c.floor ? [c.floor] : [])].map(firstResult),
      );
      expect(Array.isArray(ours)).toBe(true);
      for (const other of others) expect(other).toEqual(ours);
    }
    const [counter] = cases;
    expect(await firstResult(counter!.ours)).toEqual(['jobs_total 24']);
    const byName = new Map(cases.map((c) => [c.name, c]));
    const textAsync = byName.get(caseNames.largeExposition(400, 0))!;
    const lines = (await firstResult(textAsync.ours)) as string[];
    expect(lines).toHaveLength(400);
    expect(lines).toContain('hits_total{code="0",route="/r0"} 1');
    const histogram = (await firstResult(
      byName.get(caseNames.seriesHistogram(250))!.peers[0]!,
    )) as string[];
    // 11 buckets, +Inf, sum and count per series.
    expect(histogram).toHaveLength(250 * 14);
    // A summary's counts and sums are compared, its quantile estimates are not.
    const summary = (await firstResult(
      byName.get('observe · summary, 2 labels')!.ours,
    )) as string[];
    expect(summary).toHaveLength(24);
    expect(summary.every((line) => /^latency_seconds_(count|sum)\{/.test(line))).toBe(true);
  });

  it('returns the filled registry, or the exposition size, after the first call', async () => {
    const cases = new Map(createMetricsSuite(small).cases.map((c) => [c.name, c]));
    for (const name of [caseNames.largeExposition(400), caseNames.largeExposition(400, 0)]) {
      for (const impl of [cases.get(name)!.ours, cases.get(name)!.peers[0]!]) {
        const state = await impl.setup?.();
        await impl.fn(state);
        const bytes = await impl.fn(state);
        expect(bytes).toBeGreaterThan(400 * 30);
      }
    }
    const counter = cases.get(caseNames.seriesCounter(250))!;
    const state = await counter.ours.setup?.();
    await counter.ours.fn(state);
    const registry = (await counter.ours.fn(state)) as { text(): string };
    expect(sampleLines(registry.text())).toHaveLength(250);
  });

  it('sorts sample lines and their labels, and leaves out comments', () => {
    expect(sampleLines('# HELP x\nb 2\na{z="1",le="2"} 1\n')).toEqual(['a{le="2",z="1"} 1', 'b 2']);
  });

  it('runs every case with equal results, figures and bytes per series, then the floor table', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const result = await runSuite(createMetricsSuite({ ...small, ops: 12, series: 50 }), {
      settings: quickSettings,
      mode: 'quick',
      command: 'test',
      gc,
    });
    expect(result.cases.every((c) => c.checked)).toBe(true);
    expect(result.tables?.map((t) => t.title)).toEqual(['Against the floor']);
    const large = result.cases.filter((c) => c.name.includes('400 series'));
    for (const c of large) {
      for (const impl of [c.ours, ...c.peers]) {
        expect(impl.figures).toEqual([
          expect.objectContaining({
            name: 'longest block',
            unit: 'ms',
            samples: [expect.any(Number)],
          }),
        ]);
        expect(impl.figures![0]!.value).toBeGreaterThan(0);
      }
    }
    const weighed = result.cases.filter((c) => c.name.startsWith('new series'));
    expect(weighed).toHaveLength(2);
    for (const c of weighed) {
      for (const impl of [c.ours, ...c.peers]) {
        expect(impl.memory?.items).toBe(250);
        // A number, not a size: 250 series are too few to weigh reliably on a busy machine
        // (garbage from earlier cases can make the difference negative).
        expect(Number.isFinite(impl.memory?.bytesPerItem)).toBe(true);
      }
    }
  });
});
