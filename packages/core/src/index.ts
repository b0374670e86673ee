export type { LinkedSignal } from './abort.js';
export { linkSignal, raceSignal, throwIfAborted } from './abort.js';
export type {
  Backoff,
  ConstantBackoff,
  DecorrelatedJitterBackoff,
  ExponentialBackoff,
  ResolvedBackoff,
} from './backoff.js';
export { backoffDelay, checkBackoff } from './backoff.js';
export type { Clock } from './clock.js';
export { checkClock, monotonicClock, wallClock } from './clock.js';
export type { Deferred } from './deferred.js';
export { deferred } from './deferred.js';
export { describeValue } from './describe-value.js';
export type { BreakwaterErrorClass, BreakwaterErrorOptions } from './errors.js';
export { BreakwaterError, errorGuard, isBreakwaterError } from './errors.js';
export type { ListenerErrorHandler, Unsubscribe } from './listeners.js';
export { Listeners, rethrowAsync } from './listeners.js';
export { promiseTry } from './promise-try.js';
export type { RaceOperationOptions } from './race-operation.js';
export { raceOperation } from './race-operation.js';
export type { Settled } from './settle-within.js';
export { settleWithin } from './settle-within.js';
export { stableKey } from './stable-key.js';
export { MAX_TIMER_MS, sleep } from './timers.js';
export type { NumberOption, NumberRule } from './validate.js';
export {
  checkBoolean,
  checkFunction,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOneOf,
  checkOptionalFunction,
  checkOptions,
  checkSignal,
  checkString,
  invalidMessage,
} from './validate.js';
export type { WaiterOptions } from './waiter.js';
export { Waiter } from './waiter.js';
export { weakInterval } from './weak-interval.js';
