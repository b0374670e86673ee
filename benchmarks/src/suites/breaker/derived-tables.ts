import {
  type CaseResult,
  floorTimeRatio,
  type ImplementationResult,
} from '../../runner/results.js';
import type { StaticTable, StaticTableCell } from '../../runner/static-table.js';

/**
 * Tables the breaker suite derives from its timed medians once every case has run: time per
 * call, overhead over the bare-await floor, failure cost against window size, and whether the
 * targets were met. They inherit the medians' noise: a quick run's are not for quoting.
 */

/** Nanoseconds per operation (one call through a breaker) of a median ops/s figure. */
export function nsPerOp(opsPerSec: number): number {
  return opsPerSec > 0 && Number.isFinite(opsPerSec) ? 1e9 / opsPerSec : Number.NaN;
}

/** Every implementation of a case, ours first, the floor last. */
function implementationsOf(result: CaseResult): readonly ImplementationResult[] {
  return [result.ours, ...result.peers, ...(result.floor === undefined ? [] : [result.floor])];
}

/** The median ns per call of `name` in `result`, or `undefined` when it did not take part. */
export function nsOf(result: CaseResult | undefined, name: string): number | undefined {
  const impl =
    result === undefined ? undefined : implementationsOf(result).find((i) => i.name === name);
  return impl === undefined ? undefined : nsPerOp(impl.medianOpsPerSec);
}

/**
 * Time a breaker adds to a call: its ns per call minus the floor's (the operation awaited
 * directly). Noise can make a tiny overhead come out negative; it is reported as measured.
 */
export function overheadNs(ns: number, floorNs: number): number {
  return ns - floorNs;
}

/**
 * `ours ÷ theirs` of two costs (time or overhead): below 1 we cost less. `null` when either
 * is not a positive finite number, since a ratio of a negative or zero overhead means nothing.
 */
export function costRatio(ours: number, theirs: number): number | null {
  if (!(Number.isFinite(ours) && Number.isFinite(theirs) && ours > 0 && theirs > 0)) {
    return null;
  }
  return ours / theirs;
}

/** How a target reads in a note: `0.07× (target ≤ 0.1×): met`. */
export function verdict(ratio: number | null, target: number): string {
  if (ratio === null) {
    return `n/a (target ≤ ${target}×): not measurable`;
  }
  const shown = ratio >= 0.1 ? ratio.toFixed(2) : ratio.toPrecision(2);
  return `${shown}× (target ≤ ${target}×): ${ratio <= target ? 'met' : 'missed'}`;
}

/**
 * One row per case: ns per call of each implementation named in `columns`, and ours' time
 * over the floor's where the case has one.
 */
export function timePerCallTable(
  cases: readonly CaseResult[],
  columns: readonly string[],
): StaticTable {
  return {
    title: 'Time per call',
    description:
      'Median ns per call (10⁹ ÷ the median ops/s of the table above) of every case: a call is ' +
      'one `execute`/`fire` through a breaker (or one bare `await` for the floor); the last ' +
      'column is our time over the floor’s.',
    columns: [
      { label: 'case' },
      ...columns.map((label) => ({ label: `${label} ns`, digits: 0 })),
      { label: 'ours ÷ floor (time)', digits: 2, unit: '×' },
    ],
    rows: cases.map((result) => [
      result.name,
      ...columns.map((name): StaticTableCell => nsOf(result, name) ?? null),
      floorTimeRatio(result),
    ]),
  };
}

export interface OverheadTableOptions {
  readonly result: CaseResult;
  /** The implementation that is the floor (not a breaker). */
  readonly floor: string;
  /** Ours' overhead must be at most `max` times that of `peer`. */
  readonly targets: readonly { readonly peer: string; readonly max: number }[];
}

/** ns per call, overhead over the floor, and ours' overhead over each implementation's. */
export function overheadTable({ result, floor, targets }: OverheadTableOptions): StaticTable {
  const floorNs = nsOf(result, floor) ?? Number.NaN;
  const oursOverhead = overheadNs(nsPerOp(result.ours.medianOpsPerSec), floorNs);
  const rows = implementationsOf(result).map((impl): StaticTableCell[] => {
    const ns = nsPerOp(impl.medianOpsPerSec);
    if (impl.name === floor) {
      return [impl.name, ns, null, null];
    }
    const overhead = overheadNs(ns, floorNs);
    return [
      impl.name,
      ns,
      overhead,
      impl.role === 'ours' ? null : costRatio(oursOverhead, overhead),
    ];
  });
  return {
    title: `Overhead per call: ${result.name}`,
    description:
      `Time a breaker adds to a call: its ns per call minus that of \`${floor}\`, from the ` +
      'medians above. The last column is our overhead divided by theirs: below 1× we add less.',
    columns: [
      { label: 'implementation' },
      { label: 'ns/call', digits: 0 },
      { label: 'overhead ns/call', digits: 0 },
      { label: 'our overhead ÷ theirs', digits: 3, unit: '×' },
    ],
    rows,
    notes: targets.map(
      ({ peer, max }) =>
        `Target, our overhead ÷ ${peer}'s: ${verdict(costRatio(oursOverhead, overheadNs(nsOf(result, peer) ?? Number.NaN, floorNs)), max)}.`,
    ),
  };
}

export interface TimeRatioTableOptions {
  readonly result: CaseResult;
  /** Ours' time per call must be at most `max` times that of `peer`. */
  readonly targets: readonly { readonly peer: string; readonly max: number }[];
}

/** ns per call of every implementation and ours' time over each. */
export function timeRatioTable({ result, targets }: TimeRatioTableOptions): StaticTable {
  const oursNs = nsPerOp(result.ours.medianOpsPerSec);
  return {
    title: `Time per call: ${result.name}`,
    description:
      'Median ns per call, and our time divided by theirs (below 1× we take less; the inverse ' +
      'of the ops/s ratio above).',
    columns: [
      { label: 'implementation' },
      { label: 'ns/call', digits: 0 },
      { label: 'our time ÷ theirs', digits: 4, unit: '×' },
    ],
    rows: implementationsOf(result).map((impl) => {
      const ns = nsPerOp(impl.medianOpsPerSec);
      return [impl.name, ns, impl.role === 'ours' ? null : costRatio(oursNs, ns)];
    }),
    notes: targets.map(
      ({ peer, max }) =>
        `Target, our time ÷ ${peer}'s: ${verdict(costRatio(oursNs, nsOf(result, peer) ?? Number.NaN), max)}.`,
    ),
  };
}

export interface WindowCostTableOptions {
  /** The all-failing cases, by window size, smallest first. */
  readonly cases: readonly { readonly window: number; readonly result: CaseResult }[];
  /** The implementations to list, in order. */
  readonly names: readonly string[];
  /** How a window size reads in a column label, e.g. `10k`. */
  readonly label: (window: number) => string;
  /** Growth (largest ÷ smallest window) that still counts as flat for the verdict. */
  readonly flatWithin: number;
}

/** ns per failed call of each implementation at each window size, and the growth. */
export function windowCostTable(options: WindowCostTableOptions): StaticTable {
  const { cases, names, label, flatWithin } = options;
  const growthOf = (name: string): number | null => {
    const first = nsOf(cases[0]?.result, name);
    const last = nsOf(cases.at(-1)?.result, name);
    return cases.length < 2 || first === undefined || last === undefined
      ? null
      : costRatio(last, first);
  };
  const rows = names.map((name): StaticTableCell[] => [
    name,
    ...cases.map(({ result }) => nsOf(result, name) ?? null),
    growthOf(name),
  ]);
  const oursName = cases[0]?.result.ours.name;
  const oursGrowth = oursName === undefined ? null : growthOf(oursName);
  const first = cases[0];
  const last = cases.at(-1);
  const span =
    first === undefined || last === undefined
      ? ''
      : ` from a ${label(first.window)} to a ${label(last.window)} window`;
  return {
    title: 'Failure cost vs window size',
    description:
      'Median ns per failed call (every call fails, no breaker trips) as the window the breaker ' +
      'keeps grows; the last column is the cost at the largest window over the cost at the ' +
      'smallest: 1× is flat.',
    columns: [
      { label: 'implementation' },
      ...cases.map(({ window }) => ({ label: `${label(window)} ns/failure`, digits: 0 })),
      { label: 'largest ÷ smallest', digits: 2, unit: '×' },
    ],
    rows,
    notes: [
      oursGrowth === null
        ? 'Our failure cost: not measurable.'
        : `Our failure cost grows ${oursGrowth.toFixed(2)}×${span} (flat target: ≤ ${flatWithin}×): ` +
          `${oursGrowth <= flatWithin ? 'met' : 'missed'}.`,
    ],
  };
}
