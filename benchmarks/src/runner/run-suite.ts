import { describeEnvironment } from './environment.js';
import type { CaseResult, SuiteResult } from './results.js';
import { type RunCaseOptions, runCase } from './run-case.js';
import type { RunMode } from './run-settings.js';
import type { SuiteDefinition } from './suite-definition.js';

export interface RunSuiteOptions extends RunCaseOptions {
  readonly mode: RunMode;
  /** The command line recorded in the results, e.g. `pnpm bench core --quick`. */
  readonly command: string;
  /** Called as each case finishes, e.g. to print it. */
  readonly onCase?: (result: CaseResult) => void;
  /** Dates the results. @default () => new Date() */
  readonly now?: () => Date;
}

/** Runs every case of a suite in order; a case that throws fails the whole suite. */
export async function runSuite(
  suite: SuiteDefinition,
  options: RunSuiteOptions,
): Promise<SuiteResult> {
  const gc = 'gc' in options ? options.gc : globalThis.gc;
  const cases: CaseResult[] = [];
  for (const benchCase of suite.cases) {
    const result = await runCase(benchCase, { ...options, gc });
    cases.push(result);
    options.onCase?.(result);
  }
  return {
    schema: 1,
    suite: suite.name,
    description: suite.description,
    command: options.command,
    mode: options.mode,
    settings: { ...options.settings, gcBetweenSlots: typeof gc === 'function' },
    environment: describeEnvironment(options.now?.() ?? new Date()),
    cases,
  };
}
