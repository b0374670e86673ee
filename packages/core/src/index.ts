export type { LinkedSignal } from './abort.js';
export { linkSignal, raceSignal, throwIfAborted } from './abort.js';
export type { Clock } from './clock.js';
export { checkClock, monotonicClock, wallClock } from './clock.js';
export { describeValue } from './describe-value.js';
export type { BreakwaterErrorOptions } from './errors.js';
export { BreakwaterError, errorGuard, isBreakwaterError } from './errors.js';
export type { ListenerErrorHandler, Unsubscribe } from './listeners.js';
export { Listeners, rethrowAsync } from './listeners.js';
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
