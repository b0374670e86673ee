import { availableParallelism } from 'node:os';
import type { PhaseStats, ScenarioReport } from '@breakwater/experts/demo';
import { describe, expect, it } from 'vitest';
import { runSettings } from '../runner/run-settings.js';
import { runSuite } from '../runner/run-suite.js';
import {
  type AppLoad,
  appTables,
  createAppSuite,
  outageVerdict,
  suite,
  TUNED_SETTINGS,
} from './app.js';

const tinyLoad: AppLoad = { rate: 12, connections: 4, seconds: 1, warmSeconds: 1, greedyRate: 4 };

function stats(mode: PhaseStats['mode'], instance: string, p99: number | undefined, errors = 0) {
  return {
    mode,
    instance,
    okPerSecond: 10,
    p50: 5,
    p95: 8,
    p99,
    p99AllAnswers: p99,
    errors,
    limited: 1,
    cacheHitRatio: 0.5,
    coalesced: 2,
    breakers: 'closed',
    answered: 10,
    responses: 12,
    errorKinds: '',
  } satisfies PhaseStats;
}

function report(instances: number, oursP99: number, naiveP99: number | undefined): ScenarioReport {
  const rows = (name: string) =>
    (['resilient', 'naive'] as const).flatMap((mode) => {
      const p99 = name === 'one-down' ? (mode === 'resilient' ? oursP99 : naiveP99) : 100;
      const each = instances === 1 ? [] : [stats(mode, 'i1', p99), stats(mode, 'i2', p99)];
      return [...each, stats(mode, 'total', p99)];
    });
  return {
    settings: {
      instances,
      redis: instances > 1,
      timePlan: false,
      title: '',
      ...tinyLoad,
    },
    cores: 2,
    failures: [],
    pids: [],
    aborted: false,
    phases: (['normal', 'outage', 'recovery', 'one-down'] as const).map((name) => ({
      name,
      title: name,
      rows: rows(name),
      redis:
        instances === 1
          ? undefined
          : { commands: 30, requests: 12, perRequest: 2.5, byCommand: { evalsha: 20, get: 10 } },
    })),
  };
}

describe('app suite', () => {
  it('is the scenario as static tables, with no timed case', () => {
    expect(suite.name).toBe('app');
    expect(suite.cases).toEqual([]);
    expect(typeof suite.tables).toBe('function');
  });

  it('judges the one-expert-down target on the p99 ratio and the client errors', () => {
    expect(outageVerdict({ p99AllAnswers: 100, errors: 0 }, { p99AllAnswers: 1000 })).toEqual({
      ratio: 0.1,
      verdict: 'MET',
    });
    expect(outageVerdict({ p99AllAnswers: 101, errors: 0 }, { p99AllAnswers: 1000 }).verdict).toBe(
      'MISSED',
    );
    expect(outageVerdict({ p99AllAnswers: 10, errors: 1 }, { p99AllAnswers: 1000 }).verdict).toBe(
      'MISSED',
    );
    expect(outageVerdict({ p99AllAnswers: 10, errors: 0 }, { p99AllAnswers: undefined })).toEqual({
      ratio: undefined,
      verdict: 'not measured (naive answered nothing)',
    });
  });

  it('tabulates phases, the target on the one-down phase beside the outage, scale-out with Redis commands per request, and instances', () => {
    const tables = appTables(
      [
        { setup: { instances: 1, redis: false }, report: report(1, 50, 1000) },
        { setup: { instances: 2, redis: true }, report: report(2, 300, 1000) },
      ],
      tinyLoad,
    );
    expect(tables.map((t) => t.title.split(':')[0])).toEqual([
      'Phases (normal, outage, recovery, one-down)',
      'Target',
      'Scale-out',
      'Per instance',
    ]);
    const [phases, target, scale, perInstance] = tables;
    expect(phases!.rows).toHaveLength(16);
    // Only the one-down phase is judged; the mixed outage is shown, not judged.
    expect(target!.rows).toEqual([
      ['1 instance', 'one-down', 50, 1000, 0.05, 1000, 0, 0, 'MET'],
      ['1 instance', 'outage', 100, 100, 1, 100, 0, 0, 'not judged'],
      ['2 instances · Redis', 'one-down', 300, 1000, 0.3, 1000, 0, 0, 'MISSED'],
      ['2 instances · Redis', 'outage', 100, 100, 1, 100, 0, 0, 'not judged'],
    ]);
    expect(scale!.rows[0]).toEqual([
      '1 instance',
      1,
      availableParallelism(),
      'normal',
      10,
      10,
      null,
      null,
      'no Redis',
    ]);
    expect(scale!.rows[4]).toEqual([
      '2 instances · Redis',
      2,
      availableParallelism(),
      'normal',
      10,
      10,
      30,
      2.5,
      'evalsha 20, get 10',
    ]);
    // Two instances × two modes × four phases.
    expect(perInstance!.rows).toHaveLength(16);
  });

  it('names a setup with settings of its own after them', () => {
    const [, target] = appTables(
      [
        {
          setup: { instances: 1, redis: false, tuned: { label: 'short timeout', settings: {} } },
          report: report(1, 50, 1000),
        },
      ],
      tinyLoad,
    );
    expect(target!.rows.map((row) => row[0])).toEqual([
      '1 instance · short timeout',
      '1 instance · short timeout',
    ]);
  });

  it('leaves the isolated harness alone', async () => {
    const lines: string[] = [];
    const tables = await suite.tables!({
      mode: 'quick',
      cases: [],
      harness: 'isolated',
      log: (line) => lines.push(line),
    });
    expect(tables).toEqual([]);
    expect(lines.join('\n')).toContain('without --isolated');
  });

  it('runs the scenario for real in quick mode: one instance, then two over a Redis it starts', async () => {
    const lines: string[] = [];
    const result = await runSuite(
      createAppSuite({
        setups: [
          { instances: 1, redis: false, tuned: { label: 'tuned', settings: TUNED_SETTINGS } },
          { instances: 2, redis: true },
        ],
        loads: { quick: tinyLoad, full: tinyLoad },
      }),
      {
        mode: 'quick',
        settings: runSettings.quick,
        command: 'pnpm bench app --quick',
        log: (line) => lines.push(line),
      },
    );
    const [phases, target, scale, perInstance] = result.tables ?? [];
    expect(phases?.rows, lines.join('\n')).toHaveLength(16);
    expect(target?.rows.map((row) => row[1])).toEqual(['one-down', 'outage', 'one-down', 'outage']);
    for (const row of target!.rows) {
      expect(row[6], lines.join('\n')).toBe(0); // no client-visible error on our side
      expect(String(row[8])).toMatch(
        row[1] === 'one-down' ? /^(MET|MISSED|not measured)/ : /^not judged$/,
      );
    }
    expect(lines.join('\n')).toContain(
      'one expert down: delta accepts connections but never answers',
    );
    // Redis commands per request are measured where the instances share a Redis.
    expect(scale!.rows.map((row) => row[6] === null)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
    expect(perInstance!.rows).toHaveLength(16);
    expect(lines.join('\n')).toMatch(/Redis: redis:\/\/127\.0\.0\.1:\d+ \(pid \d+\)/);
  }, 90_000);
});
