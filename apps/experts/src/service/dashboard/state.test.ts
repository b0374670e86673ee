import type { BreakerState } from '@breakwater/breaker';
import { Registry } from '@breakwater/metrics';
import { describe, expect, it } from 'vitest';
import type { ConsultReply } from '../consultation.js';
import { LatencySketch } from './sketch.js';
import { DashboardState } from './state.js';

describe('LatencySketch', () => {
  it('reads quantiles within 2 % of the true values', () => {
    const sketch = new LatencySketch();
    for (let i = 1; i <= 1000; i++) sketch.add(i);
    expect(sketch.count).toBe(1000);
    for (const [q, exact] of [
      [0.5, 500],
      [0.9, 900],
      [0.99, 990],
      [1, 1000],
    ] as const) {
      const value = sketch.quantile(q)!;
      expect(Math.abs(value - exact) / exact).toBeLessThanOrEqual(0.02 + 1e-9);
    }
    expect(Math.abs(sketch.quantile(0)! - 1)).toBeLessThanOrEqual(0.02 + 1e-9);
  });

  it('has no quantile when empty, counts zeros exactly and ignores what is not a latency', () => {
    const sketch = new LatencySketch();
    expect(sketch.quantile(0.5)).toBeNull();
    sketch.add(-1);
    sketch.add(Number.NaN);
    sketch.add(Number.POSITIVE_INFINITY);
    expect(sketch.count).toBe(0);
    sketch.add(0);
    sketch.add(0);
    sketch.add(100);
    expect(sketch.quantile(0.5)).toBe(0);
    expect(sketch.quantile(0.99)).toBeCloseTo(100, -1);
  });

  it('merges the observations of another sketch', () => {
    const a = new LatencySketch();
    const b = new LatencySketch();
    for (let i = 0; i < 10; i++) a.add(10);
    for (let i = 0; i < 10; i++) b.add(1000);
    b.add(0);
    a.merge(b);
    expect(a.count).toBe(21);
    expect(a.quantile(0.25)!).toBeCloseTo(10, 0);
    expect(a.quantile(0.9)! / 1000).toBeCloseTo(1, 1);
  });
});

function reply(share: number, sizes: number[], recommendations: number): ConsultReply {
  return {
    outcomes: [],
    waves: [],
    consensus: {
      n: sizes.reduce((a, b) => a + b, 0),
      reached: share >= 0.5,
      share,
      clusters: sizes.map((size) => ({ size, ids: [], indices: [], confidence: size })),
      recommendations: Array.from({ length: recommendations }, (_, i) => ({
        text: `do ${i}`,
        support: recommendations - i,
        share: 0.5,
      })),
    } as unknown as ConsultReply['consensus'],
  };
}

function setup(options: { intervals?: number } = {}) {
  let now = 10_000;
  const breakers = new Map<string, BreakerState>([
    ['a', 'closed'],
    ['b', 'closed'],
  ]);
  const registry = new Registry();
  const decisions = registry.counter({
    name: 'experts_client_decisions_total',
    help: 'Decisions.',
    labelNames: ['decision'],
  });
  const state = new DashboardState(
    { instanceId: 'one', mode: 'resilient', breakerStates: () => breakers, registry },
    { now: () => now, intervalMs: 1000, intervals: options.intervals ?? 5, topRecommendations: 2 },
  );
  return {
    state,
    breakers,
    decisions,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('DashboardState', () => {
  it('tracks each breaker with the time it entered its state', () => {
    const { state, breakers, advance } = setup();
    expect(state.snapshot().breakers).toEqual([
      { expert: 'a', state: 'closed', since: 10_000, changes: 0 },
      { expert: 'b', state: 'closed', since: 10_000, changes: 0 },
    ]);
    advance(1500);
    breakers.set('b', 'open');
    expect(state.snapshot().breakers[1]).toEqual({
      expert: 'b',
      state: 'open',
      since: 11_500,
      changes: 1,
    });
    advance(700);
    // Unchanged: the time it entered the state stays.
    expect(state.snapshot().breakers[1]!.since).toBe(11_500);
    breakers.set('b', 'half-open');
    advance(100);
    breakers.set('b', 'closed');
    expect(state.snapshot().breakers[1]).toMatchObject({
      state: 'closed',
      since: 12_300,
      changes: 2,
    });
  });

  it('reports client quota decisions, their share and their rate over the window', () => {
    const { state, decisions, advance } = setup();
    expect(state.snapshot().limiter).toEqual({
      allowed: 0,
      limited: 0,
      limitedShare: null,
      perSecond: 0,
    });
    decisions.inc({ decision: 'allowed' }, 6);
    decisions.inc({ decision: 'limited' }, 2);
    advance(2000);
    expect(state.snapshot().limiter).toEqual({
      allowed: 6,
      limited: 2,
      limitedShare: 0.25,
      perSecond: 4,
    });
  });

  it('reads no decisions without the quota metric', () => {
    const state = new DashboardState({
      instanceId: 'x',
      mode: 'naive',
      breakerStates: () => new Map(),
      registry: new Registry(),
    });
    const snapshot = state.snapshot();
    expect(snapshot.limiter.allowed).toBe(0);
    expect(snapshot.breakers).toEqual([]);
    expect(snapshot.mode).toBe('naive');
    expect(snapshot.latency.intervals).toBe(60);
  });

  it('counts answer sources and keeps the last consensus with its top recommendations', () => {
    const { state, advance } = setup();
    expect(state.snapshot().cache).toEqual({
      hit: 0,
      stale: 0,
      miss: 0,
      coalesced: 0,
      hitRatio: null,
      coalescedShare: null,
    });
    expect(state.snapshot().consensus).toBeNull();
    state.consulted(reply(0.2, [1, 1, 1], 0), 'miss');
    state.consulted(reply(0.9, [3, 1], 0), 'hit');
    state.consulted(reply(0.9, [3, 1], 0), 'stale');
    advance(250);
    state.consulted(reply(0.75, [3, 1], 3), 'coalesced');
    const snapshot = state.snapshot();
    expect(snapshot.cache).toEqual({
      hit: 1,
      stale: 1,
      miss: 1,
      coalesced: 1,
      hitRatio: 0.5,
      coalescedShare: 0.25,
    });
    expect(snapshot.consensus).toEqual({
      at: 10_250,
      share: 0.75,
      reached: true,
      responses: 4,
      clusterSizes: [3, 1],
      recommendations: [
        { text: 'do 0', support: 3, share: 0.5 },
        { text: 'do 1', support: 2, share: 0.5 },
      ],
    });
  });

  it('keeps latency percentiles per interval in a bounded ring', () => {
    const { state, advance } = setup({ intervals: 3 });
    for (let i = 1; i <= 100; i++) state.observeLatency(i);
    advance(1000);
    state.observeLatency(500);
    let latency = state.snapshot().latency;
    expect(latency.series.map((p) => [p.at, p.count])).toEqual([
      [10_000, 100],
      [11_000, 1],
    ]);
    expect(latency.series[0]!.p50! / 50).toBeCloseTo(1, 1);
    expect(latency.series[1]!.p99! / 500).toBeCloseTo(1, 1);
    expect(latency.p99! / 100).toBeCloseTo(1, 1);
    expect(latency.perSecond).toBe(101);
    // Two idle intervals, then one more: the oldest leave the ring.
    advance(2500);
    latency = state.snapshot().latency;
    expect(latency.series.map((p) => [p.at, p.count, p.p50])).toEqual([
      [11_000, 1, latency.series[0]!.p50],
      [12_000, 0, null],
      [13_000, 0, null],
    ]);
    // After a long silence the ring holds only empty intervals.
    advance(60_000);
    latency = state.snapshot().latency;
    expect(latency.series).toHaveLength(3);
    expect(latency.series.every((p) => p.count === 0)).toBe(true);
    expect(latency.p50).toBeNull();
    expect(latency.series.at(-1)!.at).toBe(73_000);
  });
});
