import type { CaseResult, ImplementationResult } from '../runner/results.js';
import type { StaticTable, StaticTableCell } from '../runner/static-table.js';

/** Our median ops/s must be at least `min` times `peer`'s in case `caseName`. */
export interface SpeedTarget {
  readonly caseName: string;
  readonly peer: string;
  readonly min: number;
}

/** Nanoseconds per operation of a median ops/s figure; `null` when there is none. */
export function nsPerOp(opsPerSec: number | undefined): number | null {
  return opsPerSec !== undefined && opsPerSec > 0 && Number.isFinite(opsPerSec)
    ? 1e9 / opsPerSec
    : null;
}

/** `met`, `missed`, or `not measured` when the case or the peer did not run. */
export function speedVerdict(ratio: number | null, min: number): string {
  if (ratio === null) {
    return 'not measured';
  }
  return ratio >= min ? 'met' : 'missed';
}

function findPeer(result: CaseResult, name: string): ImplementationResult | undefined {
  return result.peers.find((peer) => peer.name === name);
}

/** How a suite labels its targets table. */
export interface TargetsTableOptions {
  /** What one operation is, e.g. `'pair'` for an acquire/release pair. @default 'pair' */
  readonly unit?: string;
  /** Replaces the default description. */
  readonly description?: string;
  readonly notes?: readonly string[];
}

/**
 * One row per target: ns per operation of ours and the peer (from the medians of the ops/s
 * table), our speed over theirs, the target and whether it was met. Reported, not asserted.
 */
export function targetsTable(
  cases: readonly CaseResult[],
  targets: readonly SpeedTarget[],
  options: TargetsTableOptions = {},
): StaticTable {
  const unit = options.unit ?? 'pair';
  const rows = targets.map(({ caseName, peer, min }): StaticTableCell[] => {
    const result = cases.find((c) => c.name === caseName);
    const theirs = result === undefined ? undefined : findPeer(result, peer);
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
      options.description ??
      'Our speed over the peer’s (median ops/s ÷ median ops/s, as in the table above) in the ' +
        'cases with a target, with ns per acquire/release pair. Reported, not asserted: a quick ' +
        'run’s figures are not for quoting.',
    columns: [
      { label: 'case' },
      { label: 'peer' },
      { label: `ours ns/${unit}`, digits: 0 },
      { label: `peer ns/${unit}`, digits: 0 },
      { label: 'ours ÷ peer (speed)', digits: 2, unit: '×' },
      { label: 'target' },
      { label: 'verdict' },
    ],
    rows,
    ...(options.notes === undefined ? {} : { notes: [...options.notes] }),
  };
}
