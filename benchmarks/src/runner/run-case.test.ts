import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { CheckFailedError } from './check-results.js';
import { MissingGcError } from './measure-memory.js';
import { floorTimeRatio } from './results.js';
import { assembleCaseResult, measureCase, type RunCaseOptions, runCase } from './run-case.js';
import type { RunSettings } from './run-settings.js';
import { type BenchCase, type Implementation, implementation } from './suite-definition.js';

/**
 * A clock that only moves when an implementation "works": each call advances it by that
 * implementation's cost, so every figure is exact and no test depends on real time.
 */
function fakeTime() {
  let now = 0n;
  return {
    clock: () => now,
    spend: (ns: number) => {
      now += BigInt(ns);
    },
  };
}

const settings: RunSettings = { warmupRounds: 1, rounds: 3, roundMs: 0.01 };

function costly(
  name: string,
  costNs: number,
  time: ReturnType<typeof fakeTime>,
  result: unknown = 'same',
): Implementation {
  return {
    name,
    fn: () => {
      time.spend(costNs);
      return result;
    },
  };
}

function options(time: ReturnType<typeof fakeTime>, extra: Partial<RunCaseOptions> = {}) {
  return { settings, clock: time.clock, gc: undefined, ...extra };
}

describe('runCase', () => {
  it('reports median ops/s per implementation and ratios ours over each peer', async () => {
    const time = fakeTime();
    const result = await runCase(
      {
        name: 'synthetic',
        ours: costly('ours', 100, time),
        peers: [costly('half as fast', 200, time), costly('four times faster', 25, time)],
        check: true,
      },
      options(time),
    );
    expect(result.ours.medianOpsPerSec).toBe(1e7);
    expect(result.peers.map((peer) => peer.medianOpsPerSec)).toEqual([5e6, 4e7]);
    expect(result.comparisons).toEqual([
      { peer: 'half as fast', ratio: 2, roundRatios: [2, 2, 2] },
      { peer: 'four times faster', ratio: 0.25, roundRatios: [0.25, 0.25, 0.25] },
    ]);
    expect(result.ours.roundOpsPerSec).toHaveLength(3);
    expect(result.ours.spread).toEqual({ min: 1e7, q1: 1e7, median: 1e7, q3: 1e7, max: 1e7 });
    expect(result.checked).toBe(true);
    expect(result.ours.role).toBe('ours');
    expect(result.peers[0]?.role).toBe('peer');
  });

  it('counts opsPerCall operations for every call', async () => {
    const time = fakeTime();
    const result = await runCase(
      {
        name: 'batched',
        opsPerCall: 10,
        ours: costly('ours', 100, time),
        peers: [costly('peer', 100, time)],
      },
      options(time),
    );
    expect(result.ours.medianOpsPerSec).toBe(1e8);
    expect(result.opsPerCall).toBe(10);
    expect(result.checked).toBe(false);
  });

  it('interleaves ours and the peers in every round, rotating who goes first', async () => {
    const time = fakeTime();
    const calls: string[] = [];
    const tracked = (name: string): Implementation => ({
      name,
      fn: () => {
        time.spend(100);
        if (calls.at(-1) !== name) {
          calls.push(name);
        }
      },
    });
    const result = await runCase(
      { name: 'order', ours: tracked('ours'), peers: [tracked('a'), tracked('b')] },
      options(time, { settings: { warmupRounds: 0, rounds: 3, roundMs: 0.01 } }),
    );
    expect(result.roundOrders).toEqual([
      ['ours', 'a', 'b'],
      ['a', 'b', 'ours'],
      ['b', 'ours', 'a'],
    ]);
    expect(calls.slice(-9)).toEqual(result.roundOrders.flat());
  });

  it('collects garbage before every turn when gc is available', async () => {
    const time = fakeTime();
    const gc = vi.fn();
    await runCase(
      { name: 'gc', ours: costly('ours', 100, time), peers: [costly('peer', 100, time)] },
      options(time, { gc }),
    );
    expect(gc).toHaveBeenCalledTimes((settings.warmupRounds + settings.rounds) * 2);
  });

  it('awaits implementations that return promises', async () => {
    const time = fakeTime();
    const result = await runCase(
      {
        name: 'async',
        ours: {
          name: 'ours',
          fn: async () => {
            time.spend(100);
            return 'same';
          },
        },
        peers: [costly('sync peer', 100, time)],
        check: true,
      },
      options(time),
    );
    expect(result.ours.medianOpsPerSec).toBe(1e7);
    expect(result.comparisons[0]?.ratio).toBe(1);
  });

  it('reports p50 and p99 latency per operation when the case asks for it', async () => {
    const time = fakeTime();
    const result = await runCase(
      {
        name: 'latency',
        latency: true,
        opsPerCall: 2,
        ours: costly('ours', 100, time),
        peers: [{ name: 'async peer', fn: async () => time.spend(300) }],
      },
      options(time),
    );
    expect(result.ours.latency).toEqual({ p50Ns: 50, p99Ns: 50, samples: 300 });
    expect(result.peers[0]?.latency).toMatchObject({ p50Ns: 150, p99Ns: 150 });
    expect(result.ours.medianOpsPerSec).toBe(2e7);
  });

  it('passes each implementation its own setup state and tears every one down', async () => {
    const time = fakeTime();
    const torn: string[] = [];
    const result = await runCase(
      {
        name: 'state',
        check: true,
        ours: implementation({
          name: 'ours',
          note: 'tuned',
          setup: async () => ({ answer: 42 }),
          fn: (state) => {
            time.spend(100);
            return state.answer;
          },
          teardown: () => torn.push('ours'),
        }),
        peers: [
          implementation({
            name: 'peer',
            setup: () => [42],
            fn: (state) => {
              time.spend(100);
              return state[0];
            },
            teardown: () => torn.push('peer'),
          }),
        ],
      },
      options(time),
    );
    expect(torn).toEqual(['ours', 'peer']);
    expect(result.ours.note).toBe('tuned');
  });

  it('fails the case loudly when a peer returns a different result, and still tears down', async () => {
    const time = fakeTime();
    const teardown = vi.fn();
    const run = runCase(
      {
        name: 'mismatch',
        check: true,
        ours: { ...costly('ours', 100, time, '{"a":1,"b":2}'), teardown },
        peers: [costly('lazy peer', 1, time, '{"b":2,"a":1}')],
      },
      options(time),
    );
    await expect(run).rejects.toThrow(CheckFailedError);
    await expect(run).rejects.toThrow(/Case "mismatch": "lazy peer" returned a different result/);
    expect(teardown).toHaveBeenCalledOnce();
  });

  it('fails the case when a custom check throws, keeping the reason', async () => {
    const time = fakeTime();
    const benchCase: BenchCase = {
      name: 'custom',
      check: (ours, peer) => {
        if (typeof ours !== typeof peer) {
          throw new Error(`expected ${typeof ours}, got ${typeof peer}`);
        }
      },
      ours: costly('ours', 100, time, 'text'),
      peers: [costly('peer', 100, time, 7)],
    };
    await expect(runCase(benchCase, options(time))).rejects.toThrow(
      /check of "peer" against "ours" failed: expected string, got number/,
    );
  });

  it('refuses cases it cannot measure fairly', async () => {
    const time = fakeTime();
    const ours = costly('ours', 100, time);
    await expect(
      runCase({ name: 'ops', opsPerCall: 0, ours, peers: [ours] }, options(time)),
    ).rejects.toThrow(/`opsPerCall` to be an integer > 0, got `0`/);
    await expect(runCase({ name: 'alone', ours, peers: [] }, options(time))).rejects.toThrow(
      /at least one peer/,
    );
    await expect(runCase({ name: 'twins', ours, peers: [ours] }, options(time))).rejects.toThrow(
      /unique, got "ours" twice/,
    );
    await expect(
      runCase(
        { name: 'rounds', ours, peers: [costly('peer', 100, time)] },
        options(time, { settings: { ...settings, rounds: 0 } }),
      ),
    ).rejects.toThrow(/`rounds` to be an integer > 0/);
  });

  it('weighs memory per item when an implementation asks for it and gc is exposed', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const time = fakeTime();
    const items = 20_000;
    const result = await runCase(
      {
        name: 'memory',
        ours: {
          ...costly('ours', 100, time),
          memory: { items, build: () => Array.from({ length: items }, (_, i) => ({ i })) },
        },
        peers: [costly('peer', 100, time)],
      },
      options(time, { gc }),
    );
    expect(result.ours.memory?.items).toBe(items);
    expect(result.ours.memory?.bytesPerItem).toBeGreaterThan(0);
    expect(result.peers[0]?.memory).toBeUndefined();
  });

  it('fails clearly when memory is asked for without gc', async () => {
    const time = fakeTime();
    const run = runCase(
      {
        name: 'memory',
        ours: { ...costly('ours', 100, time), memory: { items: 1, build: () => [] } },
        peers: [costly('peer', 100, time)],
      },
      options(time, { gc: undefined }),
    );
    await expect(run).rejects.toThrow(MissingGcError);
    await expect(run).rejects.toThrow(/"ours" in case "memory" needs global.gc\(\).*--expose-gc/);
  });

  it("measures a case's figures for every implementation, around calls of its fn", async () => {
    const time = fakeTime();
    const calls: string[] = [];
    const gc = vi.fn();
    const counting = (name: string, cost: number): Implementation => ({
      name,
      setup: () => ({ cost, seen: 0 }),
      fn: (state) => {
        const s = state as { cost: number; seen: number };
        calls.push(name);
        s.seen++;
        time.spend(s.cost);
        return s.cost;
      },
    });
    const result = await runCase(
      {
        name: 'figures',
        ours: counting('ours', 10),
        peers: [counting('peer', 30)],
        floor: counting('floor', 1),
        figures: [
          {
            name: 'cost',
            unit: 'ns',
            measure: async (call) => {
              const before = time.clock();
              const value = await call();
              return Number(time.clock() - before) + (value === undefined ? 1000 : 0);
            },
          },
          { name: 'constant', unit: 'x', measure: () => 2 },
        ],
      },
      options(time, { gc, settings: { ...settings, figureSamples: 3 } }),
    );
    expect(result.ours.figures).toEqual([
      { name: 'cost', unit: 'ns', value: 10, samples: [10, 10, 10] },
      { name: 'constant', unit: 'x', value: 2, samples: [2, 2, 2] },
    ]);
    expect(result.peers[0]?.figures?.[0]).toMatchObject({ value: 30 });
    expect(result.floor?.figures?.[0]).toMatchObject({ value: 1 });
    // The last calls were the figures' samples, ours' then the peer's then the floor's.
    expect(calls.slice(-9)).toEqual(
      ['ours', 'peer', 'floor'].flatMap((name) => [name, name, name]),
    );
    // A collection before each sample (6 per implementation), as before each turn.
    expect(gc.mock.calls.length).toBeGreaterThanOrEqual(3 * 6);

    const plain = await runCase(
      { name: 'plain', ours: costly('ours', 1, time), peers: [costly('peer', 1, time)] },
      options(time),
    );
    expect(plain.ours).not.toHaveProperty('figures');
  });

  it('refuses duplicate figure names, a bad figureSamples and a figure that is not a number', async () => {
    const time = fakeTime();
    const base = { ours: costly('ours', 1, time), peers: [costly('peer', 1, time)] };
    const figure = { name: 'f', unit: 'ms', measure: () => 1 };
    await expect(
      runCase({ name: 'twice', ...base, figures: [figure, figure] }, options(time)),
    ).rejects.toThrow('Case "twice": figure names must be unique, got "f" twice');
    await expect(
      runCase(
        { name: 'samples', ...base, figures: [figure] },
        options(time, { settings: { ...settings, figureSamples: 0 } }),
      ),
    ).rejects.toThrow('Expected `figureSamples` to be an integer > 0, got `0` (number)');
    await expect(
      runCase(
        { name: 'nan', ...base, figures: [{ ...figure, measure: () => Number.NaN }] },
        options(time),
      ),
    ).rejects.toThrow('Expected figure "f" to measure a number, got `NaN` (number)');
  });

  it('measures the floor in the same rounds, checks it, and keeps it out of the ratios', async () => {
    const time = fakeTime();
    const result = await runCase(
      {
        name: 'with floor',
        check: true,
        ours: costly('ours', 100, time),
        peers: [costly('peer', 200, time)],
        floor: costly('floor', 25, time),
      },
      options(time),
    );
    expect(result.floor).toMatchObject({ name: 'floor', role: 'floor', medianOpsPerSec: 4e7 });
    expect(result.peers.map((peer) => peer.name)).toEqual(['peer']);
    expect(result.comparisons.map((c) => c.peer)).toEqual(['peer']);
    expect(result.roundOrders[1]).toEqual(['peer', 'floor', 'ours']);
    expect(floorTimeRatio(result)).toBe(4);

    const lazyFloor = runCase(
      {
        name: 'lazy floor',
        check: true,
        ours: costly('ours', 100, time),
        peers: [costly('peer', 100, time)],
        floor: costly('floor', 1, time, 'different'),
      },
      options(time),
    );
    await expect(lazyFloor).rejects.toThrow(/"floor" returned a different result than "ours"/);
  });

  it('runs only the named implementation through every step when asked, without a check', async () => {
    const time = fakeTime();
    const torn: string[] = [];
    const impl = (name: string, cost: number, result: unknown): Implementation => ({
      ...costly(name, cost, time, result),
      setup: () => name,
      teardown: (state) => {
        torn.push(state as string);
      },
    });
    const benchCase: BenchCase = {
      name: 'alone',
      check: true,
      opsPerCall: 2,
      ours: impl('ours', 100, 1),
      peers: [impl('peer', 200, 2)],
      floor: impl('floor', 50, 3),
    };
    const measured = await measureCase(benchCase, { ...options(time), only: 'peer' });
    expect(measured.implementations.map((i) => [i.name, i.role, i.medianOpsPerSec])).toEqual([
      ['peer', 'peer', 1e7],
    ]);
    expect(measured.firstResults).toEqual([{ name: 'peer', value: 2 }]);
    expect(measured.roundOrders).toEqual([['peer'], ['peer'], ['peer']]);
    expect(torn).toEqual(['peer']);

    await expect(measureCase(benchCase, { ...options(time), only: 'nobody' })).rejects.toThrow(
      'Case "alone": expected `only` to name one of "ours", "peer", "floor", got "nobody"',
    );
    expect(() =>
      assembleCaseResult(benchCase, { ...measured, implementations: measured.implementations }),
    ).toThrow('Case "alone": no figures for ours');
  });
});
