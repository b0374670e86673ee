import type { CaseResult } from '../../runner/results.js';
import type { StaticTable, StaticTableCell } from '../../runner/static-table.js';
import { nsPerOp, type SpeedTarget, speedVerdict } from '../pool/targets-table.js';

/**
 * One row per target: ns per decision of ours and the peer (from the medians of the ops/s
 * table), our speed over theirs, the target and whether it was met. Reported, not asserted.
 */
export function limiterTargetsTable(
  cases: readonly CaseResult[],
  targets: readonly SpeedTarget[],
): StaticTable {
  const rows = targets.map(({ caseName, peer, min }): StaticTableCell[] => {
    const result = cases.find((c) => c.name === caseName);
    const theirs = result?.peers.find((p) => p.name === peer);
    const comparison = result?.comparisons.find((c) => c.peer === peer);
    const ratio =
      comparison !== undefined && Number.isFinite(comparison.ratio) && comparison.ratio > 0
        ? comparison.ratio
        : null;
    return [
      caseName,
      peer,
      nsPerOp(result?.ours.medianOpsPerSec),
      nsPerOp(theirs?.medianOpsPerSec),
      ratio,
      `≥ ${min}×`,
      speedVerdict(ratio, min),
    ];
  });
  return {
    title: 'Targets',
    description:
      'Our speed over the peer’s (median ops/s ÷ median ops/s, as in the table above), with ns ' +
      'per decision. Reported, not asserted: a quick run’s figures are not for quoting.',
    columns: [
      { label: 'case' },
      { label: 'peer' },
      { label: 'ours ns/decision', digits: 0 },
      { label: 'peer ns/decision', digits: 0 },
      { label: 'ours ÷ peer (speed)', digits: 2, unit: '×' },
      { label: 'target' },
      { label: 'verdict' },
    ],
    rows,
    notes: [
      'bottleneck is not measured: it is a scheduler. Its `check()` only asks whether a job ' +
        'would run now (a promise, nothing consumed) and its reservoir is only drawn from by ' +
        'jobs run through `schedule()`, which queue (wait) instead of being refused; it has ' +
        'no call that decides and consumes without waiting.',
    ],
  };
}
