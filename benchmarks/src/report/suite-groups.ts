import type { SuiteResult } from '../runner/results.js';

/** A suite's results from each harness, when present. */
export interface SuiteGroup {
  readonly suite: string;
  /** From `pnpm bench <suite>`: every implementation in one process. */
  readonly inProcess?: SuiteResult;
  /** From `pnpm bench <suite> --isolated`: one implementation per process. */
  readonly isolated?: SuiteResult;
}

/** Pairs each suite's in-process and isolated results, suites in order of first appearance. */
export function groupBySuite(results: readonly SuiteResult[]): SuiteGroup[] {
  const groups = new Map<string, { inProcess?: SuiteResult; isolated?: SuiteResult }>();
  for (const result of results) {
    const group = groups.get(result.suite) ?? {};
    if (result.harness === 'isolated') {
      group.isolated = result;
    } else {
      group.inProcess = result;
    }
    groups.set(result.suite, group);
  }
  return [...groups].map(([suite, group]) => ({ suite, ...group }));
}

/** The results in report order: by suite, the in-process result before the isolated one. */
export function inReportOrder(results: readonly SuiteResult[]): SuiteResult[] {
  return groupBySuite(results).flatMap((group) =>
    [group.inProcess, group.isolated].filter((result) => result !== undefined),
  );
}
