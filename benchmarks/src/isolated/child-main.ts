import { serialize } from 'node:v8';
import { measureCase } from '../runner/run-case.js';
import type { SuiteDefinition } from '../runner/suite-definition.js';
import { type ChildJob, type ChildReport, parseChildArgs } from './child-job.js';

function messageOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

export interface RunChildJobOptions {
  /** @default globalThis.gc (the child runs with --expose-gc) */
  readonly gc?: (() => unknown) | undefined;
  /** Monotonic nanoseconds. @default process.hrtime.bigint */
  readonly clock?: () => bigint;
}

/**
 * Measures one implementation of one case, in this process: imports the suite module, runs the
 * suite's `setup`, then the case through `measureCase` restricted to that implementation (the
 * same setup, first call, calibration, warm-up, rounds, latency and memory as in process), and
 * the suite's `teardown`. Never throws: a failure is reported.
 */
export async function runChildJob(
  job: ChildJob,
  options: RunChildJobOptions = {},
): Promise<ChildReport> {
  const gc = 'gc' in options ? options.gc : globalThis.gc;
  try {
    const { suite } = (await import(job.module)) as { suite?: SuiteDefinition };
    if (suite?.name !== job.suite) {
      throw new Error(
        `${job.module} exports no suite named "${job.suite}" (its \`suite\` is ${suite === undefined ? 'missing' : `"${suite.name}"`})`,
      );
    }
    const benchCase = suite.cases.find((c) => c.name === job.caseName);
    if (benchCase === undefined) {
      throw new Error(`Suite "${job.suite}" has no case "${job.caseName}"`);
    }
    await suite.setup?.();
    let measured: Awaited<ReturnType<typeof measureCase>>;
    try {
      measured = await measureCase(benchCase, {
        settings: job.settings,
        only: job.implementation,
        gc,
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      });
    } finally {
      await suite.teardown?.();
    }
    const report: ChildReport = {
      ok: true,
      result: measured.implementations[0]!,
      firstResult: measured.firstResults[0]!.value,
      gc: typeof gc === 'function',
    };
    try {
      serialize(report);
    } catch (error) {
      throw new Error(
        `The first result of "${job.implementation}" cannot be sent to the parent for the ` +
          `case's check: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return report;
  } catch (error) {
    return { ok: false, message: messageOf(error) };
  }
}

/** The IPC side of a child process: `process` itself when started with an IPC channel. */
export interface ChildChannel {
  send?: ((message: unknown, callback: (error: Error | null) => void) => boolean) | undefined;
}

/**
 * A child process's main: reads its job from `argv`, measures, sends the report to the parent
 * and resolves to the exit code (2 when it has no IPC channel to report on).
 */
export async function childMain(
  argv: readonly string[],
  channel: ChildChannel,
  options: RunChildJobOptions = {},
): Promise<number> {
  const send = channel.send;
  if (send === undefined) {
    console.error(
      'The isolated benchmark child reports over IPC: start it from `pnpm bench --isolated`.',
    );
    return 2;
  }
  let report: ChildReport;
  try {
    report = await runChildJob(parseChildArgs(argv), options);
  } catch (error) {
    report = { ok: false, message: messageOf(error) };
  }
  await new Promise<void>((resolve, reject) => {
    send.call(channel, report, (error) => (error === null ? resolve() : reject(error)));
  });
  return report.ok ? 0 : 1;
}
