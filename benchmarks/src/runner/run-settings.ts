/** `quick` is the smoke pass CI runs (it must run, not meet a number); `full` is for quoting. */
export type RunMode = 'quick' | 'full';

/** How long the runner measures each case. */
export interface RunSettings {
  /** Rounds run first and thrown away, so the JIT has settled before anything counts. */
  readonly warmupRounds: number;
  /** Measured rounds; each runs every implementation once, in a rotated order. */
  readonly rounds: number;
  /** Time budget of one implementation in one round, in milliseconds. */
  readonly roundMs: number;
  /** Structures built and weighed per implementation with `memory`; the median counts. @default 5 */
  readonly memoryBuilds?: number;
  /** Samples of each of a case's `figures` per implementation; the median counts. @default 3 */
  readonly figureSamples?: number;
}

/** The settings of each mode. */
export const runSettings: Readonly<Record<RunMode, RunSettings>> = Object.freeze({
  quick: Object.freeze({
    warmupRounds: 1,
    rounds: 3,
    roundMs: 20,
    memoryBuilds: 1,
    figureSamples: 1,
  }),
  full: Object.freeze({
    warmupRounds: 2,
    rounds: 10,
    roundMs: 200,
    memoryBuilds: 5,
    figureSamples: 5,
  }),
});
