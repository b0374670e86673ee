import type { Environment } from './environment.js';
import type { MemoryResult } from './measure-memory.js';
import type { RunMode, RunSettings } from './run-settings.js';
import type { StaticTable } from './static-table.js';
import type { Spread } from './statistics.js';

export type Role = 'ours' | 'peer';

/** Per-operation latency over every timed call of every measured round. */
export interface LatencyFigures {
  readonly p50Ns: number;
  readonly p99Ns: number;
  /** How many calls were timed. */
  readonly samples: number;
}

/** The figures of one implementation in one case. */
export interface ImplementationResult {
  readonly name: string;
  readonly role: Role;
  readonly note?: string;
  /** Median over the measured rounds of each round's operations per second. */
  readonly medianOpsPerSec: number;
  /** Spread of the round figures (ops/s). */
  readonly spread: Spread;
  /** Each measured round's operations per second, in round order. */
  readonly roundOpsPerSec: readonly number[];
  readonly latency?: LatencyFigures;
  readonly memory?: MemoryResult;
}

/** Ours against one peer. */
export interface Comparison {
  readonly peer: string;
  /** Ours median ops/s over the peer's: above 1 we are faster, below 1 slower. */
  readonly ratio: number;
  /** The same ratio within each round, where both ran moments apart. */
  readonly roundRatios: readonly number[];
}

export interface CaseResult {
  readonly name: string;
  readonly description?: string;
  readonly opsPerCall: number;
  /** Whether results of ours and each peer were checked equal before measuring. */
  readonly checked: boolean;
  /** The implementation names in the order each measured round ran them. */
  readonly roundOrders: readonly (readonly string[])[];
  readonly ours: ImplementationResult;
  readonly peers: readonly ImplementationResult[];
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
}
