import type { CaseResult } from '../../runner/results.js';
import type { StaticTable } from '../../runner/static-table.js';
import { type SpeedTarget, targetsTable } from '../speed-targets.js';

/**
 * One row per target: ns per decision of ours and the peer (from the medians of the ops/s
 * table), our speed over theirs, the target and whether it was met. Reported, not asserted.
 */
export function limiterTargetsTable(
  cases: readonly CaseResult[],
  targets: readonly SpeedTarget[],
): StaticTable {
  return targetsTable(cases, targets, {
    unit: 'decision',
    description:
      'Our speed over the peer’s (median ops/s ÷ median ops/s, as in the table above), with ns ' +
      'per decision. Reported, not asserted: a quick run’s figures are not for quoting.',
    notes: [
      'bottleneck is measured only through the waiting API (`acquire` against its `schedule`): ' +
        'it is a scheduler, and has no call that decides and consumes without waiting.',
    ],
  });
}
