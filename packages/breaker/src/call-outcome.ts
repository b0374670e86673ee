import type { ResolvedBreakerOptions } from './options.js';

/**
 * How a breaker counts the end of a call: shared by `CircuitBreaker` and the fleet
 * breaker, so that both judge a call the same way. Not exported from the package.
 */

/** The call counts as a success. */
export const SUCCESS = 0;
/** The call counts as a failure. */
export const FAILURE = 1;
/** The call counts neither way. */
export const IGNORED = 2;

/** `SUCCESS`, `FAILURE` or `IGNORED`. */
export type CallOutcome = typeof SUCCESS | typeof FAILURE | typeof IGNORED;

type Rules = Pick<ResolvedBreakerOptions, 'isFailure' | 'isResultFailure'>;

/** A returned value: a success unless `isResultFailure` says otherwise. */
export function classifyResult(rules: Rules, value: unknown): CallOutcome {
  const isResultFailure = rules.isResultFailure;
  return isResultFailure?.(value) === true ? FAILURE : SUCCESS;
}

/**
 * A thrown error: ignored when it is the caller's own abort (it says nothing about the
 * dependency), else a failure unless `isFailure` says otherwise (then ignored).
 */
export function classifyError(
  rules: Rules,
  error: unknown,
  signal: AbortSignal | undefined,
): CallOutcome {
  if (signal?.aborted === true && error === signal.reason) return IGNORED;
  const isFailure = rules.isFailure;
  return isFailure === undefined || isFailure(error) ? FAILURE : IGNORED;
}

/** A half-open probe fails on a failure, or on a slow call when a slow-call rule is set. */
export function probeFailed(
  rules: Pick<ResolvedBreakerOptions, 'slowCallRateThreshold'>,
  outcome: CallOutcome,
  slow: boolean,
): boolean {
  return outcome === FAILURE || (slow && rules.slowCallRateThreshold !== Number.POSITIVE_INFINITY);
}
