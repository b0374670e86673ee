import { describe, expect, it, vi } from 'vitest';
import { CheckFailedError } from '../runner/check-results.js';
import type { ChildJob, ChildRunner } from './child-job.js';
import { suite as fixture } from './fixture-suite.fixture.js';
import { fixtureSuiteUrl, inProcessRunner, mismatchSuiteUrl } from './in-process-runner.fixture.js';
import { suite as mismatch } from './mismatch-suite.fixture.js';
import { ChildFailedError, runIsolatedSuite } from './run-isolated-suite.js';

const settings = { warmupRounds: 0, rounds: 2, roundMs: 0.01, memoryBuilds: 1 };

function options(runChild: ChildRunner, extra: { processes?: number; module?: string } = {}) {
  return {
    module: extra.module ?? fixtureSuiteUrl,
    processes: extra.processes ?? 3,
    settings,
    mode: 'quick' as const,
    command: 'pnpm bench fixture --isolated',
    runChild,
    now: () => new Date('2026-01-02T03:04:05Z'),
  };
}

describe('runIsolatedSuite', () => {
  it('runs each implementation once per pass, one process each, in an order rotated per pass', async () => {
    const jobs: ChildJob[] = [];
    const onCase = vi.fn();
    const onTable = vi.fn();
    const result = await runIsolatedSuite(fixture, {
      ...options(inProcessRunner(jobs)),
      onCase,
      onTable,
    });
    const sumJobs = jobs.filter((job) => job.caseName === 'sum');
    expect(sumJobs.map((job) => job.implementation)).toEqual([
      'for loop',
      'reduce',
      'constant (floor)',
      'reduce',
      'constant (floor)',
      'for loop',
      'constant (floor)',
      'for loop',
      'reduce',
    ]);
    expect(sumJobs[0]).toMatchObject({ module: fixtureSuiteUrl, suite: 'fixture', settings });
    expect(jobs).toHaveLength(9 + 6);

    const [sum, weighed] = result.cases;
    expect(sum!.roundOrders).toEqual([
      ['for loop', 'reduce', 'constant (floor)'],
      ['reduce', 'constant (floor)', 'for loop'],
      ['constant (floor)', 'for loop', 'reduce'],
    ]);
    expect(sum!.ours.processes).toHaveLength(3);
    expect(sum!.ours.roundOpsPerSec).toEqual(sum!.ours.processes!.map((p) => p.medianOpsPerSec));
    expect(sum!.peers.map((p) => p.name)).toEqual(['reduce']);
    expect(sum!.floor).toMatchObject({ name: 'constant (floor)', role: 'floor' });
    expect(sum!.comparisons.map((c) => c.peer)).toEqual(['reduce']);
    expect(sum!.comparisons[0]!.roundRatios).toHaveLength(3);
    expect(sum!.checked).toBe(true);
    expect(weighed!.ours.memory?.items).toBe(64);
    expect(weighed!.ours.latency?.samples).toBeGreaterThan(0);
    expect(onCase).toHaveBeenCalledTimes(2);

    expect(result).toMatchObject({
      schema: 1,
      suite: 'fixture',
      harness: 'isolated',
      processes: 3,
      mode: 'quick',
      command: 'pnpm bench fixture --isolated',
      settings: { ...settings, gcBetweenSlots: true },
      environment: { date: '2026-01-02T03:04:05.000Z' },
    });
    expect(result.tables?.[0]?.rows).toEqual([['isolated', 2]]);
    expect(onTable).toHaveBeenCalledWith(result.tables![0]);
  });

  it('compares the first results of every pass with the case’s check, failing loudly', async () => {
    const run = runIsolatedSuite(
      mismatch,
      options(inProcessRunner(), { module: mismatchSuiteUrl }),
    );
    await expect(run).rejects.toThrow(CheckFailedError);
    await expect(run).rejects.toThrow(
      'Case "different": "lazy" returned a different result than "ours"',
    );
  });

  it('fails with the child’s own message when a process could not measure', async () => {
    const failing: ChildRunner = async () => ({ ok: false, message: 'exited with code 3' });
    const run = runIsolatedSuite(fixture, options(failing, { processes: 2 }));
    await expect(run).rejects.toThrow(ChildFailedError);
    await expect(run).rejects.toThrow(
      'Case "sum": "for loop" failed in its process (pass 1 of 2): exited with code 3',
    );
  });

  it('records whether every child could collect garbage between turns', async () => {
    const runner = inProcessRunner();
    const noGc: ChildRunner = async (job) => {
      const report = await runner(job);
      return report.ok ? { ...report, gc: false } : report;
    };
    const { tables: _tables, ...untabled } = fixture;
    const result = await runIsolatedSuite(
      { ...untabled, cases: fixture.cases.slice(0, 1) },
      options(noGc, { processes: 1 }),
    );
    expect(result.settings.gcBetweenSlots).toBe(false);
    expect(result.tables).toBeUndefined();
  });

  it('refuses a number of processes that is not a positive integer', async () => {
    for (const processes of [0, 1.5, Number.NaN]) {
      await expect(
        runIsolatedSuite(fixture, options(inProcessRunner(), { processes })),
      ).rejects.toThrow(
        `Expected \`processes\` to be an integer > 0, got \`${processes}\` (number)`,
      );
    }
  });
});
