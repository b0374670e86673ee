import type { Algorithm } from './options.js';
import type { RateLimitResult } from './rate-limiter.js';

/**
 * The decision formulas of each algorithm, on one limit's numbers in a shared
 * `Float64Array` (`state[at]`, `state[at + 1]`, …). `xOutcome` writes one limit's view into
 * a reused `Outcome` (the all-or-nothing decision over several limits reads them);
 * `decideX`, for a limiter with one limit (the common case), runs it and returns the
 * result — one small function per algorithm, so that each call site stays monomorphic.
 * With `commit`, both record the request when it fits.
 */

/** One limit, resolved from a `LimitRule`. */
export interface Rule {
  readonly limit: number;
  readonly windowMs: number;
  /** GCRA emission interval: ms per unit. */
  readonly interval: number;
  /** GCRA tolerance: how far the theoretical arrival time may run ahead of now. */
  readonly tolerance: number;
  readonly capacity: number;
}

/** One limit's view of a request: whether it fits, what would remain, and the waits. */
export interface Outcome {
  fits: boolean;
  /** Units left after the request when it fits, else now. */
  remaining: number;
  /** When it does not fit: ms until it would (exact; results round it). */
  retryAfterMs: number;
  /** Ms until fully available (exact; results round it). */
  resetAfterMs: number;
}

/** Slack for floating-point drift of timestamps built from fractional intervals (ms). */
export const EPSILON = 1e-6;

/** Numbers of state per key and limit, per algorithm (their meaning: see each below). */
export const STATE_WIDTH: Readonly<Record<Algorithm, number>> = Object.freeze({
  gcra: 2,
  'token-bucket': 2,
  'sliding-window': 3,
  'fixed-window': 2,
});

/** The outcome of the one-limit decision being made (filled and read at once, never kept). */
const scratch: Outcome = { fits: false, remaining: 0, retryAfterMs: 0, resetAfterMs: 0 };

/**
 * A duration as reported: whole ms, rounded up, where less than `EPSILON` above a whole ms
 * is float noise (`1000.0000000000002` is 1000 ms).
 */
export function wholeMs(ms: number): number {
  return ms > EPSILON ? Math.ceil(ms - EPSILON) : 0;
}

/** The wait of a denied request as reported: whole ms, at least 1. */
export function retryMs(ms: number): number {
  return ms > 1 ? Math.ceil(ms - EPSILON) : 1;
}

/** The result of a one-limit decision from its outcome. */
function resultOf(rule: Rule, out: Outcome): RateLimitResult {
  return {
    allowed: out.fits,
    limit: rule.limit,
    remaining: out.remaining,
    retryAfterMs: out.fits ? 0 : retryMs(out.retryAfterMs),
    resetAfterMs: wholeMs(out.resetAfterMs),
  };
}

/**
 * Units booked past which GCRA moves its origin forward (a key never fully available, for
 * over 10^12 units): the units released since the origin stay exact to 10^-4 units.
 */
export const GCRA_REBASE = 2 ** 40;

/**
 * GCRA: [origin, booked]. The theoretical arrival time is `origin + booked × interval`,
 * kept as a whole number of units booked since a per-key origin (an instant of the clock)
 * rather than as a timestamp: adding an interval to an epoch-ms timestamp rounds at the
 * clock's magnitude (2.4e-4 ms), so a large limit's bursts would drift by whole units. Here
 * the units are counted exactly and the clock enters once per decision, as the units
 * released since the origin; the origin moves to `now` whenever the key is fully available.
 */
export function decideGcra(
  rule: Rule,
  state: Float64Array,
  at: number,
  cost: number,
  now: number,
  commit: boolean,
): RateLimitResult {
  // `gcraOutcome` and `resultOf` in one, written out: no outcome to fill and read back.
  const interval = rule.interval;
  const capacity = rule.capacity;
  let origin = state[at]!;
  let booked = state[at + 1]!;
  let released = (now - origin) / interval;
  if (booked <= released) {
    origin = now;
    booked = 0;
    released = 0;
  }
  const need = booked + cost - capacity;
  const fits = need <= released + EPSILON;
  const after = fits ? booked + cost : booked;
  if (commit && fits) {
    if (after > GCRA_REBASE) {
      state[at] = now;
      state[at + 1] = after - released;
    } else {
      state[at] = origin;
      state[at + 1] = after;
    }
  }
  return {
    allowed: fits,
    limit: rule.limit,
    remaining: Math.max(0, Math.floor(capacity - after + released + EPSILON)),
    retryAfterMs: fits ? 0 : retryMs((need - released) * interval),
    resetAfterMs: wholeMs((after - released) * interval),
  };
}

export function gcraOutcome(
  rule: Rule,
  state: Float64Array,
  at: number,
  cost: number,
  now: number,
  commit: boolean,
  out: Outcome,
): void {
  const interval = rule.interval;
  let origin = state[at]!;
  let booked = state[at + 1]!;
  // Units the steady rate has released since the origin.
  let released = (now - origin) / interval;
  if (booked <= released) {
    // Fully available (the arrival time is not ahead of now): count from now.
    origin = now;
    booked = 0;
    released = 0;
  }
  // The units that must have been released for the request to fit.
  const need = booked + cost - rule.capacity;
  const fits = need <= released + EPSILON;
  const after = fits ? booked + cost : booked;
  if (commit && fits) {
    if (after > GCRA_REBASE) {
      state[at] = now;
      state[at + 1] = after - released;
    } else {
      state[at] = origin;
      state[at + 1] = after;
    }
  }
  out.fits = fits;
  out.remaining = Math.max(0, Math.floor(rule.capacity - after + released + EPSILON));
  out.retryAfterMs = (need - released) * interval;
  out.resetAfterMs = (after - released) * interval;
}

/** Token bucket: [tokens, last refill], `capacity` tokens refilled at `1 / interval` per ms. */
export function decideTokenBucket(
  rule: Rule,
  state: Float64Array,
  at: number,
  cost: number,
  now: number,
  commit: boolean,
): RateLimitResult {
  tokenBucketOutcome(rule, state, at, cost, now, commit, scratch);
  return resultOf(rule, scratch);
}

export function tokenBucketOutcome(
  rule: Rule,
  state: Float64Array,
  at: number,
  cost: number,
  now: number,
  commit: boolean,
  out: Outcome,
): void {
  const rate = 1 / rule.interval; // tokens per ms
  const tokens = Math.min(rule.capacity, state[at]! + (now - state[at + 1]!) * rate);
  const fits = tokens + EPSILON >= cost;
  const left = fits ? tokens - cost : tokens;
  if (commit && fits) {
    state[at] = tokens - cost;
    state[at + 1] = now;
  }
  out.fits = fits;
  out.remaining = Math.max(0, Math.floor(left + EPSILON));
  out.retryAfterMs = fits ? 0 : (cost - tokens) / rate;
  out.resetAfterMs = (rule.capacity - left) / rate;
}

/** Fixed window: [window start, count], reset at multiples of `windowMs`. */
export function decideFixedWindow(
  rule: Rule,
  state: Float64Array,
  at: number,
  cost: number,
  now: number,
  commit: boolean,
): RateLimitResult {
  // `fixedWindowOutcome` and `resultOf` in one, written out.
  const w = rule.windowMs;
  const limit = rule.limit;
  const start = Math.floor(now / w) * w;
  const used = state[at] === start ? state[at + 1]! : 0;
  const fits = used + cost <= limit;
  if (commit && fits) {
    state[at] = start;
    state[at + 1] = used + cost;
  }
  const reset = start + w - now;
  return {
    allowed: fits,
    limit,
    remaining: fits ? limit - used - cost : limit - used,
    retryAfterMs: fits ? 0 : retryMs(reset),
    resetAfterMs: wholeMs(reset),
  };
}

export function fixedWindowOutcome(
  rule: Rule,
  state: Float64Array,
  at: number,
  cost: number,
  now: number,
  commit: boolean,
  out: Outcome,
): void {
  const w = rule.windowMs;
  const start = Math.floor(now / w) * w;
  const used = state[at] === start ? state[at + 1]! : 0;
  const fits = used + cost <= rule.limit;
  if (commit && fits) {
    state[at] = start;
    state[at + 1] = used + cost;
  }
  out.fits = fits;
  out.remaining = rule.limit - used - (fits ? cost : 0);
  out.retryAfterMs = fits ? 0 : start + w - now;
  out.resetAfterMs = start + w - now;
}

/**
 * Sliding window counter: [window start, count, previous window's count]; the previous
 * count weighs by how much of its window still overlaps the sliding window.
 */
export function decideSlidingWindow(
  rule: Rule,
  state: Float64Array,
  at: number,
  cost: number,
  now: number,
  commit: boolean,
): RateLimitResult {
  slidingWindowOutcome(rule, state, at, cost, now, commit, scratch);
  return resultOf(rule, scratch);
}

export function slidingWindowOutcome(
  rule: Rule,
  state: Float64Array,
  at: number,
  cost: number,
  now: number,
  commit: boolean,
  out: Outcome,
): void {
  const w = rule.windowMs;
  const n = Math.floor(now / w);
  const start = n * w;
  let count = 0;
  let previous = 0;
  if (state[at] === start) {
    count = state[at + 1]!;
    previous = state[at + 2]!;
  } else if (state[at] === (n - 1) * w) {
    // Not `start - w`: with a fractional window it can differ from how that start was stored.
    previous = state[at + 1]!;
  }
  const elapsed = now - start;
  // Rounding may put `now` a hair past the window's end: the previous window then weighs 0.
  const estimate = previous * (elapsed < w ? 1 - elapsed / w : 0) + count;
  const fits = estimate + cost <= rule.limit + EPSILON;
  if (commit && fits) {
    state[at] = start;
    state[at + 1] = count + cost;
    state[at + 2] = previous;
  }
  out.fits = fits;
  out.remaining = Math.max(0, Math.floor(rule.limit - estimate - (fits ? cost : 0) + EPSILON));
  out.retryAfterMs = fits ? 0 : slidingRetry(rule, count, previous, elapsed, cost);
  // The units taken now weigh in the next window too.
  out.resetAfterMs = w - elapsed + (count + (fits ? cost : 0) > 0 ? w : 0);
}

/** Sliding window, denied: ms until `cost` more units would fit. */
function slidingRetry(
  rule: Rule,
  count: number,
  previous: number,
  elapsed: number,
  cost: number,
): number {
  const w = rule.windowMs;
  if (count + cost <= rule.limit && previous > 0) {
    // Later in this window the previous window's share has shrunk enough.
    return Math.max(0, w * (1 - (rule.limit - count - cost) / previous) - elapsed);
  }
  // Next window, once this window's count (then "previous") has shrunk enough.
  const share = count > 0 ? Math.max(0, 1 - (rule.limit - cost) / count) : 0;
  return w - elapsed + w * share;
}

/** A one-limit decision: `decideGcra`, `decideTokenBucket`, … */
export type Decide = typeof decideGcra;

/** One limit's view of a request, into `out`: `gcraOutcome`, `tokenBucketOutcome`, … */
export type OutcomeOf = typeof gcraOutcome;
