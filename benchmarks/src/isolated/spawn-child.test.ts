import { describe, expect, it } from 'vitest';
import type { ChildJob } from './child-job.js';
import { fixtureSuiteUrl } from './in-process-runner.fixture.js';
import { defaultChildEntry, spawnChildRunner } from './spawn-child.js';

const here = (file: string) => new URL(file, import.meta.url);

const job: ChildJob = {
  module: fixtureSuiteUrl,
  suite: 'fixture',
  caseName: 'sum',
  implementation: 'reduce',
  settings: { warmupRounds: 0, rounds: 1, roundMs: 1, memoryBuilds: 1 },
};

describe('spawnChildRunner', () => {
  it('runs the job in a child process with gc exposed and returns its report', async () => {
    // The sources are TypeScript: the child transpiles them through a test-only loader.
    const run = spawnChildRunner({
      entry: here('./child.ts').pathname,
      execArgv: ['--import', here('./ts-loader.fixture.mjs').href],
    });
    const report = await run(job);
    expect(report).toMatchObject({
      ok: true,
      gc: true,
      firstResult: { sum: 2016 },
      result: { name: 'reduce', role: 'peer' },
    });
  }, 30_000);

  it('reports a child that exits without a report, with its exit code and output', async () => {
    const run = spawnChildRunner({
      entry: here('./exits-early.fixture.mjs').pathname,
      keepOutput: 6,
    });
    const report = await run(job);
    expect(report.ok).toBe(false);
    expect(report.ok ? '' : report.message).toMatch(
      /^the child process exited with code 3 without reporting; its output ended with:\n\S{1,6}$/,
    );
  });

  it('reports a child killed by a signal', async () => {
    const run = spawnChildRunner({ entry: here('./killed.fixture.mjs').pathname });
    expect(await run(job)).toEqual({
      ok: false,
      message: 'the child process exited with signal SIGKILL without reporting',
    });
  });

  it('starts the compiled child entry by default', () => {
    expect(defaultChildEntry).toMatch(/[/\\]isolated[/\\]child\.js$/);
  });
});
