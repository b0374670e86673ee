import type { Environment } from './environment.js';
import type { MemoryResult } from './measure-memory.js';
import type { RunMode, RunSettings } from './run-settings.js';
import type { StaticTable } from './static-table.js';
import { ratio, type Spread } from './statistics.js';

/**
 * `ours`, a `peer` (a competitor), or the `floor`: not a competitor but the least the
 * operation can cost (e.g. a bare `Map` lookup for a cache get), measured in the same run so
 * that ours can be read as a multiple of it. A floor never enters a ratio ours ÷ peer.
 */
export type Role = 'ours' | 'peer' | 'floor';

/** Which harness produced a result: one process for every implementation, or one each. */
export type Harness = 'in-process' | 'isolated';

/** Per-operation latency over every timed call of every measured round. */
export interface LatencyFigures {
  readonly p50Ns: number;
  readonly p99Ns: number;
  /** How many calls were timed. */
  readonly samples: number;
}

/** A figure other than speed (a case's `figures`) of one implementation. */
export interface FigureResult {
  readonly name: string;
  readonly unit: string;
  /** Median of `samples`; in an isolated run, the median over the processes of each one's. */
  readonly value: number;
  /** Each sample, in measuring order (in an isolated run, every process's, in process order). */
  readonly samples: readonly number[];
}

/** The figures of one implementation in one case. */
export interface ImplementationResult {
  readonly name: string;
  readonly role: Role;
  readonly note?: string;
  /**
   * Median over the measured rounds of each round's operations per second. In an isolated
   * run: the median over the processes of each process's median.
   */
  readonly medianOpsPerSec: number;
  /** Spread of the round figures (ops/s); in an isolated run, of the process medians. */
  readonly spread: Spread;
  /**
   * Each measured round's operations per second, in round order. In an isolated run: each
   * process's median, in process order.
   */
  readonly roundOpsPerSec: readonly number[];
  readonly latency?: LatencyFigures;
  readonly memory?: MemoryResult;
  /** The case's `figures`, in case order, when it has any. */
  readonly figures?: readonly FigureResult[];
  /** Isolated runs only: the figures of each process, in process order. */
  readonly processes?: readonly ImplementationResult[];
}

/** Ours against one peer. */
export interface Comparison {
  readonly peer: string;
  /** Ours median ops/s over the peer's: above 1 we are faster, below 1 slower. */
  readonly ratio: number;
  /**
   * The same ratio within each round, where both ran moments apart. In an isolated run: the
   * ratio of the process medians within each pass (pass k runs every implementation once).
   */
  readonly roundRatios: readonly number[];
}

export interface CaseResult {
  readonly name: string;
  readonly description?: string;
  readonly opsPerCall: number;
  /** Whether results of ours and each peer were checked equal before measuring. */
  readonly checked: boolean;
  /**
   * The implementation names in the order each measured round ran them; in an isolated run,
   * the order each pass started their processes.
   */
  readonly roundOrders: readonly (readonly string[])[];
  readonly ours: ImplementationResult;
  readonly peers: readonly ImplementationResult[];
  /** The case's floor, when it has one: measured with the others, never in `comparisons`. */
  readonly floor?: ImplementationResult;
  /** Ours against each peer, in `peers` order. */
  readonly comparisons: readonly Comparison[];
}

/** The content of `results/<suite>.json`. */
export interface SuiteResult {
  readonly schema: 1;
  readonly suite: string;
  readonly description: string;
  /** The command that produced the file. */
  readonly command: string;
  readonly mode: RunMode;
  readonly settings: RunSettings & { readonly gcBetweenSlots: boolean };
  readonly environment: Environment;
  readonly cases: readonly CaseResult[];
  /** The suite's static tables, when it has any (absent from files written before them). */
  readonly tables?: readonly StaticTable[];
  /** Absent from in-process results written before isolated runs existed. @default 'in-process' */
  readonly harness?: Harness;
  /** Isolated runs only: processes per implementation of each case (passes). */
  readonly processes?: number;
}

/** Ours' time per operation over the floor's (floor ops/s ÷ ours); `null` without a floor. */
export function floorTimeRatio(result: CaseResult): number | null {
  const floor = result.floor?.medianOpsPerSec;
  const ours = result.ours.medianOpsPerSec;
  if (floor === undefined || !(floor > 0 && ours > 0)) {
    return null;
  }
  const value = floor / ours;
  return Number.isFinite(value) ? value : null;
}

/** Ours against each peer: the ratio of the medians and the ratio within each round. */
export function compareWithPeers(
  ours: ImplementationResult,
  peers: readonly ImplementationResult[],
): Comparison[] {
  return peers.map((peer) => ({
    peer: peer.name,
    ratio: ratio(ours.medianOpsPerSec, peer.medianOpsPerSec),
    roundRatios: ours.roundOpsPerSec.map((opsPerSec, round) =>
      ratio(opsPerSec, peer.roundOpsPerSec[round] as number),
    ),
  }));
}
