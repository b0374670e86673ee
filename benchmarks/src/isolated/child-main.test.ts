import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ChildJob, childArgs } from './child-job.js';
import { childMain, runChildJob } from './child-main.js';
import { fixtureSuiteUrl, mismatchSuiteUrl } from './in-process-runner.fixture.js';

const counters = globalThis as { fixtureSetups?: number; fixtureTeardowns?: number };

const settings = { warmupRounds: 1, rounds: 2, roundMs: 0.01, memoryBuilds: 1 };

function job(extra: Partial<ChildJob> = {}): ChildJob {
  return {
    module: fixtureSuiteUrl,
    suite: 'fixture',
    caseName: 'sum',
    implementation: 'reduce',
    settings,
    ...extra,
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('runChildJob', () => {
  it('measures only the named implementation between the suite’s setup and teardown', async () => {
    const before = {
      setups: counters.fixtureSetups ?? 0,
      teardowns: counters.fixtureTeardowns ?? 0,
    };
    const report = await runChildJob(job(), { gc: () => {} });
    expect(report).toMatchObject({ ok: true, firstResult: { sum: 2016 }, gc: true });
    if (!report.ok) throw new Error(report.message);
    expect(report.result).toMatchObject({ name: 'reduce', role: 'peer' });
    expect(report.result.roundOpsPerSec).toHaveLength(2);
    expect(counters.fixtureSetups).toBe(before.setups + 1);
    expect(counters.fixtureTeardowns).toBe(before.teardowns + 1);
  });

  it('runs the floor, latency and memory the same way, and says when gc is missing', async () => {
    const floor = await runChildJob(job({ implementation: 'constant (floor)' }), { gc: undefined });
    expect(floor).toMatchObject({ ok: true, result: { role: 'floor' }, gc: false });
    const weighed = await runChildJob(job({ caseName: 'weighed', implementation: 'array' }), {
      gc: () => {},
    });
    expect(weighed).toMatchObject({
      ok: true,
      result: { memory: { items: 64 }, latency: { samples: expect.any(Number) } },
    });
  });

  it('reports, never throws, what went wrong', async () => {
    const message = async (extra: Partial<ChildJob>) => {
      const report = await runChildJob(job(extra), { gc: () => {} });
      return report.ok ? 'ok' : report.message;
    };
    expect(await message({ suite: 'other' })).toContain(
      `${fixtureSuiteUrl} exports no suite named "other" (its \`suite\` is "fixture")`,
    );
    expect(await message({ caseName: 'absent' })).toContain('Suite "fixture" has no case "absent"');
    expect(await message({ implementation: 'nobody' })).toContain(
      'expected `only` to name one of "for loop", "reduce", "constant (floor)", got "nobody"',
    );
    expect(
      await message({
        module: mismatchSuiteUrl,
        suite: 'mismatch',
        caseName: 'unsendable',
        implementation: 'ours',
      }),
    ).toContain('The first result of "ours" cannot be sent to the parent');
    expect(
      await message({
        module: mismatchSuiteUrl,
        suite: 'mismatch',
        caseName: 'unsendable',
        implementation: 'throws',
      }),
    ).toContain('broken peer');
    expect(
      await message({ module: new URL('./absent.fixture.ts', fixtureSuiteUrl).href }),
    ).not.toBe('ok');
    expect(await message({ module: new URL('./child-job.ts', fixtureSuiteUrl).href })).toContain(
      '(its `suite` is missing)',
    );
  });
});

describe('childMain', () => {
  it('sends the report over the channel and exits 0, or 1 when the job failed', async () => {
    const sent: unknown[] = [];
    const channel = {
      send: (message: unknown, callback: (error: Error | null) => void) => {
        sent.push(message);
        callback(null);
        return true;
      },
    };
    expect(await childMain(childArgs(job()), channel, { gc: () => {} })).toBe(0);
    expect(sent[0]).toMatchObject({ ok: true, result: { name: 'reduce' } });
    expect(await childMain(['--job', '{'], channel)).toBe(1);
    expect(sent[1]).toMatchObject({ ok: false, message: expect.stringContaining('to be JSON') });
  });

  it('fails when the channel cannot deliver, and exits 2 without a channel', async () => {
    const broken = {
      send: (_message: unknown, callback: (error: Error | null) => void) => {
        callback(new Error('channel closed'));
        return false;
      },
    };
    await expect(childMain(['--job', '{'], broken)).rejects.toThrow('channel closed');
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await childMain([], {})).toBe(2);
    expect(error).toHaveBeenCalledWith(expect.stringContaining('reports over IPC'));
  });
});
