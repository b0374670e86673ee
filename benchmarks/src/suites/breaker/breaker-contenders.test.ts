import { describe, expect, it, vi } from 'vitest';
import {
  type BreakerContender,
  type BreakerSpec,
  bareAwait,
  breakerPeers,
  CallCountedOpossum,
  cockatiel,
  opossumDefault,
  opossumTuned,
  ours,
  oursOptions,
} from './breaker-contenders.js';
import {
  allFail,
  allSucceed,
  type CallLoopState,
  compileCallLoop,
  everyNthFails,
  fail,
  operationFailure,
  succeed,
} from './call-loop.js';

const breakers = [ours, opossumDefault, opossumTuned, cockatiel] as const;

/** Runs `batch` calls of `pattern` through the contender's first breaker. */
async function drive(
  contender: BreakerContender,
  targets: readonly unknown[],
  pattern: Uint8Array,
  batch: number,
) {
  const state: CallLoopState = {
    targets,
    pattern,
    batch,
    succeed,
    fail,
    failure: operationFailure,
    unexpected: () => new Error('tripped'),
    host: 0,
    cursor: 0,
  };
  return compileCallLoop(contender.call)(state);
}

async function withFleet<T>(
  contender: BreakerContender,
  spec: BreakerSpec,
  use: (targets: readonly unknown[]) => Promise<T>,
): Promise<T> {
  const fleet = contender.create(spec, 1);
  try {
    return await use(fleet.targets);
  } finally {
    fleet.close();
  }
}

describe('breaker contenders', () => {
  it.each(breakers)(
    '$name never trips in the never-trips spec, however many calls fail',
    async (c) => {
      const spec: BreakerSpec = { kind: 'never trips', window: 20 };
      await withFleet(c, spec, async (targets) => {
        expect(await drive(c, targets, allSucceed, 20)).toEqual({ succeeded: 20, failed: 0 });
        expect(await drive(c, targets, allFail, 200)).toEqual({ succeeded: 0, failed: 200 });
      });
    },
  );

  it.each(breakers)(
    '$name keeps a 10% failure mix running at a 0.5 failure-rate threshold, and trips on failures',
    async (c) => {
      const spec: BreakerSpec = { kind: 'failure rate', window: 40, threshold: 0.5 };
      await withFleet(c, spec, async (targets) => {
        expect(await drive(c, targets, everyNthFails(10), 400)).toEqual({
          succeeded: 360,
          failed: 40,
        });
        await expect(drive(c, targets, allFail, 100)).rejects.toThrow('tripped');
      });
    },
  );

  it.each([ours, cockatiel])('$name trips after 5 consecutive failures by default', async (c) => {
    await withFleet(c, { kind: 'defaults' }, async (targets) => {
      expect(await drive(c, targets, allFail, 5)).toEqual({ succeeded: 0, failed: 5 });
      // A refused successful call rejects with the breaker's own error.
      await expect(drive(c, targets, allSucceed, 1)).rejects.toThrow(/open/);
    });
  });

  it('gives our breaker a count window, metrics-only where it must never trip', () => {
    expect(oursOptions({ kind: 'defaults' })).toEqual({});
    expect(oursOptions({ kind: 'failure rate', window: 50, threshold: 0.5 })).toEqual({
      failureRateThreshold: 0.5,
      window: { type: 'count', size: 50 },
    });
    expect(oursOptions({ kind: 'never trips', window: 50 })).toEqual({
      failureRateThreshold: 1,
      window: { type: 'count', size: 50 },
    });
  });

  it('rotates an opossum window every tenth of its size in calls', async () => {
    const counted = new CallCountedOpossum({ timeout: false }, 50);
    const rotate = vi.fn();
    counted.controller.on('rotate', rotate);
    try {
      expect(counted.every).toBe(5);
      for (let i = 0; i < 12; i++) {
        await counted.fire(succeed);
      }
      expect(rotate).toHaveBeenCalledTimes(2);
    } finally {
      counted.shutdown();
    }
    const small = new CallCountedOpossum({ timeout: false }, 3);
    expect(small.every).toBe(1);
    small.shutdown();
  });

  it('builds one named breaker per host and closes every one', () => {
    for (const c of breakers) {
      const fleet = c.create({ kind: 'defaults' }, 3, ['a', 'b', 'c']);
      expect(fleet.targets).toHaveLength(3);
      expect(new Set(fleet.targets).size).toBe(3);
      fleet.close();
    }
    const fleet = opossumDefault.create({ kind: 'never trips', window: 10 }, 2);
    const shutdowns = fleet.targets.map((target) =>
      vi.spyOn(target as CallCountedOpossum, 'shutdown'),
    );
    fleet.close();
    for (const shutdown of shutdowns) {
      expect(shutdown).toHaveBeenCalledTimes(1);
    }
  });

  it('shares one rotation timer among tuned opossum per-host breakers and clears it', () => {
    vi.useFakeTimers();
    try {
      const before = vi.getTimerCount();
      const fleet = opossumTuned.create({ kind: 'defaults' }, 50);
      expect(vi.getTimerCount() - before).toBe(1);
      vi.advanceTimersByTime(1_000);
      fleet.close();
      expect(vi.getTimerCount()).toBe(before);
      const defaults = opossumDefault.create({ kind: 'defaults' }, 2);
      expect(vi.getTimerCount() - before).toBe(4);
      defaults.close();
      expect(vi.getTimerCount()).toBe(before);
    } finally {
      vi.useRealTimers();
    }
  });

  it('runs the floor without any breaker', async () => {
    const fleet = bareAwait.create({ kind: 'defaults' }, 2);
    expect(fleet.targets).toEqual([undefined, undefined]);
    expect(await drive(bareAwait, fleet.targets, everyNthFails(2), 4)).toEqual({
      succeeded: 2,
      failed: 2,
    });
    fleet.close();
  });

  it('notes the options each implementation runs with', () => {
    const specs: BreakerSpec[] = [
      { kind: 'defaults' },
      { kind: 'failure rate', window: 50_000, threshold: 0.5 },
      { kind: 'never trips', window: 1_000 },
    ];
    const notes = (c: BreakerContender) => specs.map((spec) => c.note(spec));
    expect(notes(ours)[2]).toContain('size: 1000 } })` put in `metricsOnly()`');
    expect(notes(opossumDefault)[0]).toContain('Percentiles on');
    expect(notes(opossumDefault)[1]).toContain('errorThresholdPercentage: 50');
    expect(notes(opossumDefault)[1]).toContain('every 5k calls');
    for (const note of notes(opossumTuned)) {
      expect(note).toContain(
        'rollingPercentilesEnabled: false, enableSnapshots: false, timeout: false',
      );
    }
    expect(notes(opossumTuned)[0]).toContain('shared by all');
    expect(notes(opossumTuned)[2]).toContain('errorThresholdPercentage: 100');
    expect(notes(cockatiel)).toEqual([
      expect.stringContaining('ConsecutiveBreaker(5)'),
      expect.stringContaining('new CountBreaker({ threshold: 0.5, size: 50000'),
      expect.stringContaining('new SamplingBreaker('),
    ]);
    expect(bareAwait.note(specs[0]!)).toContain('not a competitor');
    expect(breakerPeers.map((c) => c.name)).toEqual([
      'opossum (default)',
      'opossum (tuned)',
      'cockatiel',
    ]);
  });
});
