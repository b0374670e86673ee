import type { CaseResult, Harness } from './results.js';
import type { RunMode } from './run-settings.js';

/**
 * A table of figures a suite computes once instead of timing, e.g. the hit ratio of each
 * cache policy on a replayed trace: deterministic, so there is no round, spread or ratio to
 * report. The runner stores it in the suite's results and the report renders it as is.
 */

/** One column of a static table. */
export interface StaticTableColumn {
  readonly label: string;
  /** Decimals of the number cells of this column. @default 1 */
  readonly digits?: number;
  /** Written after each number cell, e.g. `%`. @default '' */
  readonly unit?: string;
}

/** A number is formatted by its column; `null` reads `–` (not applicable). */
export type StaticTableCell = string | number | null;

export interface StaticTable {
  /** Shown as the table's heading. */
  readonly title: string;
  /** What the table shows and how it was computed, in a sentence or two. */
  readonly description?: string;
  readonly columns: readonly StaticTableColumn[];
  /** One cell per column. */
  readonly rows: readonly (readonly StaticTableCell[])[];
  /** Footnotes printed under the table, e.g. where reference figures come from. */
  readonly notes?: readonly string[];
}

/** What a suite's `tables` function is given. */
export interface StaticTableContext {
  readonly mode: RunMode;
  /**
   * The suite's case results, in run order, for tables derived from the timed figures
   * (e.g. time per call over a floor computed from the medians).
   */
  readonly cases: readonly CaseResult[];
  /** Prints a line to the console, e.g. why a table was left out. */
  log(line: string): void;
  /**
   * Which harness measured `cases`. In an isolated run the suite's cases ran in child
   * processes, so anything a case recorded in the suite's own memory is not here, and
   * deterministic tables (computed, not timed) need not be computed again. @default 'in-process'
   */
  readonly harness?: Harness;
}
