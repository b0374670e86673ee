import {
  checkFunction,
  checkKnownKeys,
  checkOptions,
  checkSignal,
  raceOperation,
} from '@breakwater/core';
import type { ExecuteOptions, Operation } from './policy.js';

/**
 * Internal helpers shared by the policies (`retry`, `timeout`, `bulkhead`, `fallback`,
 * `wrap`). Not exported from the package.
 */

/** Longest delay a Node timer honours; larger values fire after 1 ms. */
export { MAX_TIMER_MS } from '@breakwater/core';

/** The per-call options of every policy but the breaker, checked by the compiler. */
const EXECUTE_KEYS = Object.keys({ signal: true } satisfies Record<keyof ExecuteOptions, true>);

/**
 * Validates the arguments of `execute(fn, options)` and returns the caller's signal.
 * @throws TypeError when `fn` is not a function, `options` not an object, holds a key
 *   other than `signal`, or `signal` is not an AbortSignal.
 */
export function readExecuteArgs(fn: unknown, options: unknown): AbortSignal | undefined {
  checkFunction('fn', fn);
  if (options === undefined) return undefined;
  const raw = checkOptions('options', options as ExecuteOptions);
  checkCallKeys(raw, EXECUTE_KEYS);
  return checkSignal('signal', raw.signal);
}

/**
 * Refuses a per-call option that is not one (`{ tiemoutMs: 1 }` would otherwise run with
 * no timeout). The common shapes (`{}`, `{ signal }`, `{ signal, timeoutMs }`) cost one
 * `for…in` over their keys and no allocation; the error names the known options.
 * @throws TypeError naming the unknown key.
 */
export function checkCallKeys(options: object, known: readonly string[]): void {
  for (const key in options) {
    if (key !== 'signal' && !known.includes(key)) checkKnownKeys('options', options, known);
  }
}

/**
 * Runs `fn` with a signal of its own, linked to the caller's: the one way every policy
 * and the breaker call an operation. Rejects at once when `signal` aborts (or has
 * already), and with `timeoutReason()` once `timeoutMs` has elapsed (no timer when it is
 * `undefined` or `Infinity`); a synchronous throw becomes a rejection. See core's
 * `raceOperation`.
 */
export function runOperation<T>(
  fn: Operation<T>,
  signal: AbortSignal | undefined,
  timeoutMs?: number,
  timeoutReason?: () => unknown,
): Promise<T> {
  return raceOperation((own) => fn({ signal: own }), { signal, timeoutMs, timeoutReason });
}
