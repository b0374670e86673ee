import { type CaseResult, floorTimeRatio, type ImplementationResult } from '../runner/results.js';
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
      result === undefined ? null : floorTimeRatio(result),
    ];
  });
  return {
    title: 'Targets',
    description:
      options.description ??
      'Our speed over the peer’s (median ops/s ÷ median ops/s, as in the table above) in the ' +
        'cases with a target, with ns per acquire/release pair and our time over the floor’s. ' +
        'Reported, not asserted: a quick run’s figures are not for quoting.',
    columns: [
      { label: 'case' },
      { label: 'peer' },
      { label: `ours ns/${unit}`, digits: 0 },
      { label: `peer ns/${unit}`, digits: 0 },
      { label: 'ours ÷ peer (speed)', digits: 2, unit: '×' },
      { label: 'target' },
      { label: 'verdict' },
      { label: 'ours ÷ floor (time)', digits: 2, unit: '×' },
    ],
    rows,
    ...(options.notes === undefined ? {} : { notes: [...options.notes] }),
  };
}

/**
 * One row per case with a floor: ns per operation of the floor, of ours and of the fastest
 * peer, and the time of each over the floor's (how many floors an operation costs).
 */
export function floorTable(
  cases: readonly CaseResult[],
  options: { readonly unit: string; readonly notes?: readonly string[] },
): StaticTable {
  const rows = cases.flatMap((result): StaticTableCell[][] => {
    const { floor } = result;
    if (floor === undefined) {
      return [];
    }
    const fastest = result.peers.reduce<ImplementationResult | undefined>(
      (best, peer) =>
        best === undefined || peer.medianOpsPerSec > best.medianOpsPerSec ? peer : best,
      undefined,
    );
    const overFloor = (impl: ImplementationResult | undefined) => {
      const value = impl === undefined ? Number.NaN : floor.medianOpsPerSec / impl.medianOpsPerSec;
      return Number.isFinite(value) && value > 0 ? value : null;
    };
    return [
      [
        result.name,
        floor.name,
        nsPerOp(floor.medianOpsPerSec),
        nsPerOp(result.ours.medianOpsPerSec),
        floorTimeRatio(result),
        fastest?.name ?? null,
        overFloor(fastest),
      ],
    ];
  });
  return {
    title: 'Against the floor',
    description:
      'The floor is no competitor: the least the operation can cost, measured in the same ' +
      `rounds. ns per ${options.unit} (10⁹ ÷ the median ops/s above), and the time of ours and ` +
      'of the fastest peer over the floor’s: 1× would be free.',
    columns: [
      { label: 'case' },
      { label: 'floor' },
      { label: `floor ns/${options.unit}`, digits: 1 },
      { label: `ours ns/${options.unit}`, digits: 1 },
      { label: 'ours ÷ floor (time)', digits: 2, unit: '×' },
      { label: 'fastest peer' },
      { label: 'peer ÷ floor (time)', digits: 2, unit: '×' },
    ],
    rows,
    ...(options.notes === undefined ? {} : { notes: [...options.notes] }),
  };
}
