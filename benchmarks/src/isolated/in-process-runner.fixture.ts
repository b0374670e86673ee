import { deserialize, serialize } from 'node:v8';
import type { ChildJob, ChildReport, ChildRunner } from './child-job.js';
import { runChildJob } from './child-main.js';

/**
 * A `ChildRunner` for tests that measures in this process instead of a child (keep the
 * rounds short), and sends the report through the same structured clone as the IPC channel.
 */
export function inProcessRunner(jobs: ChildJob[] = []): ChildRunner {
  return async (job) => {
    jobs.push(job);
    const report = await runChildJob(job, { gc: () => {} });
    return deserialize(serialize(report)) as ChildReport;
  };
}

export const fixtureSuiteUrl = new URL('./fixture-suite.fixture.ts', import.meta.url).href;
export const mismatchSuiteUrl = new URL('./mismatch-suite.fixture.ts', import.meta.url).href;
