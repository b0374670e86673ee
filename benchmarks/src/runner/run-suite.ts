import type { CaseResult, SuiteResult } from './results.js';
import { type RunCaseOptions, runCase } from './run-case.js';
import type { RunMode } from './run-settings.js';
import type { StaticTable } from './static-table.js';
import type { SuiteDefinition } from './suite-definition.js';
import { suiteResult } from './suite-result.js';

/** What either harness reports to while it runs a suite, and records in the results. */
export interface SuiteReporting {
  readonly mode: RunMode;
  /** The command line recorded in the results, e.g. `pnpm bench core --quick`. */
  readonly command: string;
  /** Called as each case finishes, e.g. to print it. */
  readonly onCase?: (result: CaseResult) => void;
  /** Called with each static table the suite computed, e.g. to print it. */
  readonly onTable?: (table: StaticTable) => void;
  /** Where a suite's `tables` function prints, e.g. why it left a table out. @default no-op */
  readonly log?: (line: string) => void;
  /** Dates the results. @default () => new Date() */
  readonly now?: () => Date;
}

export interface RunSuiteOptions extends RunCaseOptions, SuiteReporting {}

/**
 * Runs the suite's `setup`, every case in order, then its static tables, and finally its
 * `teardown` (also when a case or table threw); a case or table that throws fails the
 * whole suite.
 */
export async function runSuite(
  suite: SuiteDefinition,
  options: RunSuiteOptions,
): Promise<SuiteResult> {
  const gc = 'gc' in options ? options.gc : globalThis.gc;
  const cases: CaseResult[] = [];
  let tables: readonly StaticTable[] = [];
  await suite.setup?.();
  try {
    for (const benchCase of suite.cases) {
      const result = await runCase(benchCase, { ...options, gc });
      cases.push(result);
      options.onCase?.(result);
    }
    tables =
      (await suite.tables?.({ mode: options.mode, cases, log: options.log ?? (() => {}) })) ?? [];
  } finally {
    await suite.teardown?.();
  }
  for (const table of tables) {
    options.onTable?.(table);
  }
  return suiteResult(suite, {
    command: options.command,
    mode: options.mode,
    settings: options.settings,
    gcBetweenSlots: typeof gc === 'function',
    cases,
    tables,
    now: options.now,
  });
}
