/** The operation a benchmark call runs through a breaker. */
export type BenchOperation = () => Promise<number>;

/** The one error every failing operation rejects with, built once so no call pays for a stack. */
export const operationFailure = new Error('the operation failed (benchmark)');

/** Resolves to 1: `execute(async () => 1)`. */
export const succeed: BenchOperation = async () => 1;

/** Rejects with `operationFailure`. */
export const fail: BenchOperation = async () => {
  throw operationFailure;
};

/** What one measured call works on. */
export interface CallLoopState {
  /** The breakers, one per host; call n goes through `targets[(host + n) % length]`. */
  readonly targets: readonly unknown[];
  /** 1 where the call at that position fails, 0 where it succeeds; walked in a ring. */
  readonly pattern: Uint8Array;
  /** Calls per measured call: the case's `opsPerCall`. */
  readonly batch: number;
  readonly succeed: BenchOperation;
  readonly fail: BenchOperation;
  readonly failure: unknown;
  /** The error a call ends with when the breaker answered instead of the operation. */
  unexpected(outcome: { readonly resolved: true } | { readonly rejected: unknown }): Error;
  /** Where the next call starts in `targets`. */
  host: number;
  /** Where the next call starts in `pattern`. */
  cursor: number;
}

/** What a measured call returns, compared across implementations. */
export interface CallCounts {
  readonly succeeded: number;
  readonly failed: number;
}

/**
 * A freshly compiled copy of the measuring loop, with `call(op)` (the implementation's
 * source for running `op` through `target`) at both call sites: each implementation gets its
 * own, so V8 sees one library per call site, as in a user's code (the runner compiles its
 * batch loop per implementation for the same reason).
 *
 * Each call awaits its result; a failing call must reject with `failure` itself. A call the
 * breaker short-circuits (or resolves although the operation failed) ends the measured call
 * with `unexpected(...)`, so a breaker that trips mid-run fails the case instead of getting
 * faster.
 */
export function compileCallLoop(
  call: (op: string) => string,
): (state: CallLoopState) => Promise<CallCounts> {
  const factory = new Function(
    `'use strict';
    return async function measuredCalls(state) {
      const targets = state.targets;
      const hosts = targets.length;
      const pattern = state.pattern;
      const length = pattern.length;
      const succeed = state.succeed;
      const fail = state.fail;
      const failure = state.failure;
      let host = state.host;
      let i = state.cursor;
      let succeeded = 0;
      let failed = 0;
      for (let n = state.batch; n > 0; n--) {
        const target = targets[host];
        if (++host === hosts) host = 0;
        const failing = pattern[i] === 1;
        if (++i === length) i = 0;
        if (!failing) {
          succeeded += await ${call('succeed')};
          continue;
        }
        try {
          await ${call('fail')};
        } catch (error) {
          if (error === failure) {
            failed++;
            continue;
          }
          throw state.unexpected({ rejected: error });
        }
        throw state.unexpected({ resolved: true });
      }
      state.host = host;
      state.cursor = i;
      return { succeeded, failed };
    };`,
  ) as () => (state: CallLoopState) => Promise<CallCounts>;
  return factory();
}

/** Every call succeeds. */
export const allSucceed = Uint8Array.of(0);
/** Every call fails. */
export const allFail = Uint8Array.of(1);

/** Every `period`-th call fails (the last of each period), the others succeed. */
export function everyNthFails(period: number): Uint8Array {
  if (!(Number.isInteger(period) && period >= 1)) {
    throw new RangeError(`Expected \`period\` to be an integer >= 1, got \`${period}\``);
  }
  const pattern = new Uint8Array(period);
  pattern[period - 1] = 1;
  return pattern;
}
