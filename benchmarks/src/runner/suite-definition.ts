import type { StaticTable, StaticTableContext } from './static-table.js';

/**
 * What a suite declares. A suite is a list of cases; each case runs our implementation
 * and one or more peers on the same workload, so the runner can put them side by side.
 */

/** Heap weight of a structure an implementation builds, reported as bytes per item. */
export interface MemorySpec {
  /** How many items the structure built by `build` holds; heap growth is divided by it. */
  readonly items: number;
  /** Builds the structure to weigh. The runner keeps the returned value alive while it measures. */
  build(): unknown;
}

/**
 * A figure other than speed, measured the same way for every implementation of a case around
 * calls of its `fn`, e.g. the longest event-loop block during one call. Each implementation
 * is measured `figureSamples` times (a setting) after its timed rounds; the median counts.
 */
export interface CaseFigure {
  /**
   * Short and unique within the case, e.g. `longest block`; shown beside the value. The
   * case's `description` says how it is measured.
   */
  readonly name: string;
  /** Unit of the value, e.g. `ms`. */
  readonly unit: string;
  /**
   * Measures one sample. `call` runs the implementation's `fn` once on its state and resolves
   * to its result, so that the figure is taken while that call runs.
   */
  measure(call: () => Promise<unknown>): number | Promise<number>;
}

/** One side of a comparison: ours, or a peer used the way a user of that peer would use it. */
export interface Implementation<State = unknown> {
  /** Shown in every table, e.g. `stableKey` or `lru-cache (default)`. */
  readonly name: string;
  /** The options used, e.g. how a peer was tuned. Shown under the table. */
  readonly note?: string;
  /** Builds the state `fn` works on; runs once per case run, outside every timed section. */
  setup?(): State | Promise<State>;
  /** One call performs `opsPerCall` operations of the case. May return a promise. */
  fn(state: State): unknown;
  /** Releases what `setup` acquired (timers, sockets); runs once after the last round. */
  teardown?(state: State): unknown;
  /** When present, the runner also measures heap bytes per item of `memory.build()`. */
  readonly memory?: MemorySpec;
}

/**
 * Compares the result of one `fn` call of ours with one of a peer and throws when they
 * differ, so that neither side can skip work. `true` means `util.isDeepStrictEqual`.
 */
export type ResultCheck = true | ((ours: unknown, peer: unknown, peerName: string) => void);

/** One workload measured for ours and every peer. */
export interface BenchCase {
  /** Short and unique within the suite, e.g. `small flat object (5 keys)`. */
  readonly name: string;
  /** What the workload is, in a sentence. */
  readonly description?: string;
  /** How many operations one `fn` call performs. @default 1 */
  readonly opsPerCall?: number;
  readonly ours: Implementation;
  readonly peers: readonly Implementation[];
  /**
   * Not a competitor: the least the operation can cost (a bare `Map` lookup for a cache get,
   * a bare `await` for a breaker call), measured in the same rounds as ours and the peers and
   * reported as ours' time over its own, never as a ratio ours ÷ peer. `check` applies to it
   * as to a peer.
   */
  readonly floor?: Implementation;
  /** Checks that ours and each peer (and the floor) return equal results; a failed check fails the case. */
  readonly check?: ResultCheck;
  /** Time every call to report p50/p99 latency per operation. @default false */
  readonly latency?: boolean;
  /** Figures besides speed, measured for every implementation (ours, peers, floor). */
  readonly figures?: readonly CaseFigure[];
}

/** What a suite module exports as `suite`. */
export interface SuiteDefinition {
  /** The name `pnpm bench <name>` selects; also the results file name. */
  readonly name: string;
  /** One sentence shown above the suite's table. */
  readonly description: string;
  readonly cases: readonly BenchCase[];
  /** Runs once before the first case, e.g. to start a server every case uses. */
  readonly setup?: () => unknown;
  /** Runs once after the last case and table, even when one threw (when `setup` succeeded). */
  readonly teardown?: () => unknown;
  /**
   * Figures computed once rather than timed (e.g. hit ratios), run after the last case and
   * rendered as tables of their own under the suite's ops/s table.
   */
  readonly tables?: (
    context: StaticTableContext,
  ) => readonly StaticTable[] | Promise<readonly StaticTable[]>;
}

/**
 * Types an implementation whose `fn` takes the state its `setup` returns, and widens it to
 * the `Implementation` a case holds.
 */
export function implementation<State>(definition: Implementation<State>): Implementation {
  return definition as Implementation;
}
