import { checkFunction, checkOptions, checkSignal } from '@breakwater/core';
import type { CallContext, ExecuteOptions, Operation } from './policy.js';

/**
 * Internal helpers shared by the policies (`retry`, `timeout`, `bulkhead`, `fallback`,
 * `wrap`). Not exported from the package.
 */

/** Longest delay a Node timer honours; larger values fire after 1 ms. */
export { MAX_TIMER_MS } from '@breakwater/core';

/**
 * Validates the arguments of `execute(fn, options)` and returns the caller's signal.
 * @throws TypeError when `fn` is not a function, `options` not an object or `signal`
 *   not an AbortSignal.
 */
export function readExecuteArgs(fn: unknown, options: unknown): AbortSignal | undefined {
  checkFunction('fn', fn);
  const raw = checkOptions('options', options as ExecuteOptions | undefined);
  return checkSignal('signal', raw.signal);
}

/**
 * Calls `fn(context)` and returns its outcome as a promise: a synchronous throw becomes a
 * rejection, a plain value or a thenable a resolution.
 */
export function invokeOperation<T>(fn: Operation<T>, context: CallContext): Promise<T> {
  try {
    return Promise.resolve(fn(context));
  } catch (error) {
    return Promise.reject(error);
  }
}
