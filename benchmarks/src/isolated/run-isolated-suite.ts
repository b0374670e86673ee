import { checkResults, type NamedResult } from '../runner/check-results.js';
import type { CaseResult, SuiteResult } from '../runner/results.js';
import { roundOrder } from '../runner/round-order.js';
import { assembleCaseResult, caseImplementations, validateCase } from '../runner/run-case.js';
import type { RunSettings } from '../runner/run-settings.js';
import type { SuiteReporting } from '../runner/run-suite.js';
import type { BenchCase, SuiteDefinition } from '../runner/suite-definition.js';
import { suiteResult } from '../runner/suite-result.js';
import type { ChildRunner } from './child-job.js';
import { combineProcesses } from './combine-processes.js';

export interface RunIsolatedSuiteOptions extends SuiteReporting {
  /** URL of the module exporting the suite as `suite`, which each child imports. */
  readonly module: string;
  /** Processes per implementation of each case (passes); at least 1. */
  readonly processes: number;
  readonly settings: RunSettings;
  /** Runs one implementation of one case in a process of its own. */
  readonly runChild: ChildRunner;
}

/** Thrown when a child process could not measure its implementation. */
export class ChildFailedError extends Error {
  override readonly name = 'ChildFailedError';
  readonly code = 'ERR_BENCH_CHILD_FAILED';
}

async function runIsolatedCase(
  suite: SuiteDefinition,
  benchCase: BenchCase,
  options: RunIsolatedSuiteOptions,
  gcSeen: boolean[],
): Promise<CaseResult> {
  const opsPerCall = validateCase(benchCase);
  const implementations = caseImplementations(benchCase);
  const runs = new Map(implementations.map(({ impl }) => [impl.name, [] as unknown[]]));
  const figures = new Map(
    implementations.map(({ impl }) => [impl.name, [] as CaseResult['ours'][]]),
  );
  const roundOrders: string[][] = [];
  for (let pass = 0; pass < options.processes; pass++) {
    const order = roundOrder(implementations, pass);
    roundOrders.push(order.map(({ impl }) => impl.name));
    for (const { impl } of order) {
      const report = await options.runChild({
        module: options.module,
        suite: suite.name,
        caseName: benchCase.name,
        implementation: impl.name,
        settings: options.settings,
      });
      if (!report.ok) {
        throw new ChildFailedError(
          `Case "${benchCase.name}": "${impl.name}" failed in its process (pass ${pass + 1} of ` +
            `${options.processes}): ${report.message}`,
        );
      }
      gcSeen.push(report.gc);
      runs.get(impl.name)!.push(report.firstResult);
      figures.get(impl.name)!.push(report.result);
    }
    if (benchCase.check !== undefined) {
      const [ours, ...others] = implementations.map(
        ({ impl }): NamedResult => ({ name: impl.name, value: runs.get(impl.name)![pass] }),
      );
      checkResults(benchCase.name, benchCase.check, ours!, others);
    }
  }
  return assembleCaseResult(benchCase, {
    opsPerCall,
    implementations: implementations.map(({ impl }) => combineProcesses(figures.get(impl.name)!)),
    roundOrders,
  });
}

/**
 * Runs every case of the suite with each implementation in processes of its own: for each
 * case, `processes` passes, each starting one process per implementation in an order rotated
 * by one each pass (ours, a, b → a, b, ours …), one process at a time. Each child runs the
 * suite's setup and teardown itself. The first results of each pass are compared with the
 * case's `check`, as in process; a failed check or child fails the suite. The static tables
 * are computed here from the combined figures, told that the harness is isolated.
 */
export async function runIsolatedSuite(
  suite: SuiteDefinition,
  options: RunIsolatedSuiteOptions,
): Promise<SuiteResult> {
  const { processes } = options;
  if (!(Number.isInteger(processes) && processes > 0)) {
    throw new RangeError(
      `Expected \`processes\` to be an integer > 0, got \`${processes}\` (${typeof processes})`,
    );
  }
  const gcSeen: boolean[] = [];
  const cases: CaseResult[] = [];
  for (const benchCase of suite.cases) {
    const result = await runIsolatedCase(suite, benchCase, options, gcSeen);
    cases.push(result);
    options.onCase?.(result);
  }
  const tables =
    (await suite.tables?.({
      mode: options.mode,
      cases,
      log: options.log ?? (() => {}),
      harness: 'isolated',
    })) ?? [];
  for (const table of tables) {
    options.onTable?.(table);
  }
  return suiteResult(suite, {
    command: options.command,
    mode: options.mode,
    settings: options.settings,
    gcBetweenSlots: gcSeen.length > 0 && gcSeen.every(Boolean),
    cases,
    tables,
    now: options.now,
    isolated: { processes },
  });
}
