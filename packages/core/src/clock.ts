import { invalidMessage } from './validate.js';

/**
 * A source of time in milliseconds. Every Breakwater primitive takes one as its
 * `clock` option so tests can drive time by hand.
 */
export interface Clock {
  /** Current time in milliseconds; must never go backwards. */
  now(): number;
}

/**
 * Monotonic time from `performance.now()`: the default for durations, TTLs and
 * windows inside one process. Read on each call, so fake timers that replace
 * `performance.now` are honoured.
 */
export const monotonicClock: Clock = Object.freeze({ now: () => performance.now() });

/**
 * Wall-clock time from `Date.now()`: for state shared between processes (through
 * Redis), where every process must agree on the time base.
 */
export const wallClock: Clock = Object.freeze({ now: () => Date.now() });

/** Validates a `clock` option; `undefined` gives `fallback` (the monotonic clock). */
export function checkClock(name: string, value: unknown, fallback: Clock = monotonicClock): Clock {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as { now?: unknown }).now !== 'function'
  ) {
    throw new TypeError(invalidMessage(name, 'a clock object with a now() method', value));
  }
  return value as Clock;
}
