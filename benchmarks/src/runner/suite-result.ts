import { describeEnvironment } from './environment.js';
import type { CaseResult, Harness, SuiteResult } from './results.js';
import type { RunMode, RunSettings } from './run-settings.js';
import type { StaticTable } from './static-table.js';
import type { SuiteDefinition } from './suite-definition.js';

/** What either harness knows once a suite has run. */
export interface SuiteRun {
  readonly command: string;
  readonly mode: RunMode;
  readonly settings: RunSettings;
  /** Whether a full GC ran before every turn. */
  readonly gcBetweenSlots: boolean;
  readonly cases: readonly CaseResult[];
  readonly tables: readonly StaticTable[];
  /** @default () => new Date() */
  readonly now?: (() => Date) | undefined;
  /** Isolated runs only: the harness and its processes per implementation. */
  readonly isolated?: { readonly processes: number } | undefined;
}

/** The results file content of a suite run, the same shape for both harnesses. */
export function suiteResult(suite: SuiteDefinition, run: SuiteRun): SuiteResult {
  const harness: Harness | undefined = run.isolated === undefined ? undefined : 'isolated';
  return {
    schema: 1,
    suite: suite.name,
    description: suite.description,
    command: run.command,
    mode: run.mode,
    settings: { ...run.settings, gcBetweenSlots: run.gcBetweenSlots },
    environment: describeEnvironment(run.now?.() ?? new Date()),
    cases: run.cases,
    ...(run.tables.length === 0 ? {} : { tables: run.tables }),
    ...(harness === undefined ? {} : { harness, processes: run.isolated!.processes }),
  };
}
