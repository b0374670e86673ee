import { describe, expect, it } from 'vitest';
import { syntheticLength, syntheticWorkloads } from './synthetic-traces.js';

function byName(name: string) {
  const workload = syntheticWorkloads.find((w) => w.name === name);
  if (workload === undefined) throw new Error(`no workload ${name}`);
  return workload;
}

/** Hits of a plain LRU of `max` entries over `trace`. */
function lruHits(trace: readonly number[], max: number): number {
  const cache = new Map<number, true>();
  let hits = 0;
  for (const key of trace) {
    if (cache.delete(key)) hits++;
    cache.set(key, true);
    if (cache.size > max) cache.delete(cache.keys().next().value!);
  }
  return hits;
}

describe('syntheticWorkloads', () => {
  it('gives the same trace for the same seed and another for another seed', () => {
    for (const workload of syntheticWorkloads) {
      const trace = workload.generate(1);
      expect(trace, workload.name).toHaveLength(syntheticLength);
      expect(workload.generate(1), workload.name).toEqual(trace);
      expect(workload.generate(2), workload.name).not.toEqual(trace);
      expect(trace.every((key) => Number.isSafeInteger(key) && key >= 0)).toBe(true);
      expect(workload.sizes[1]).toBeGreaterThan(workload.sizes[0]);
    }
  });

  it('has unique names', () => {
    const names = syntheticWorkloads.map((w) => w.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('shifts the hot set of phases for good', () => {
    const trace = byName('phases').generate(3);
    const first = new Set(trace.slice(0, 25_000));
    const second = new Set(trace.slice(25_000, 50_000));
    expect(first.size).toBeLessThanOrEqual(800);
    expect([...second].some((key) => first.has(key))).toBe(false);
  });

  it('alternates two loops, each a little larger than one cache size', () => {
    const trace = byName('alternating loops').generate(3);
    expect(new Set(trace.slice(0, 5_500)).size).toBe(550);
    expect(new Set(trace.slice(5_500, 16_500)).size).toBe(1_100);
    // A loop longer than the cache: LRU never hits it after the first pass.
    expect(lruHits(trace.slice(0, 5_500), 500)).toBe(0);
  });

  it('sweeps forward then backward on zigzag', () => {
    const trace = byName('zigzag').generate(3);
    expect(trace.slice(0, 3)).toEqual([0, 1, 2]);
    const turn = trace.findIndex((key, i) => i > 0 && key < trace[i - 1]!);
    expect(turn).toBeGreaterThan(1_000);
    expect(trace[turn + 1]).toBe(trace[turn]! - 1);
  });

  it('puts scans of keys used once into a zipf base', () => {
    const trace = byName('scans over zipf').generate(3);
    const scan = trace.slice(10_000, 12_000);
    expect(new Set(scan).size).toBe(2_000);
    expect(scan.every((key) => key >= 1_000_000)).toBe(true);
    expect(trace.slice(0, 10_000).every((key) => key < 20_000)).toBe(true);
  });

  it('moves the working set of drifting and sliding forward', () => {
    for (const name of ['drifting', 'sliding', 'sliding wide']) {
      const trace = byName(name).generate(3);
      const early = Math.max(...trace.slice(0, 1_000));
      const late = Math.min(...trace.slice(-1_000));
      expect(late, name).toBeGreaterThan(early);
    }
  });
});
