import {
  BreakwaterError,
  type Clock,
  checkClock,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkOptions,
  errorGuard,
  invalidMessage,
} from '@breakwater/core';

/** One limit: at most `limit` units per `windowMs`. */
export interface LimitRule {
  /** Units allowed per window (a positive integer). */
  limit: number;
  /** Window length in ms (> 0). */
  windowMs: number;
  /**
   * GCRA only: units that may arrive at once (a positive integer). @default `limit`
   * (a whole window's worth at once, then the steady rate)
   */
  burst?: number | undefined;
}

/** How decisions are made. */
export type Algorithm = 'gcra' | 'fixed-window';

/** Options of `new RateLimiter(options)`. */
export interface RateLimiterOptions {
  /** One limit or several (e.g. per minute and per hour): a request must fit all of them. */
  limits: LimitRule | readonly LimitRule[];
  /**
   * `'gcra'`: one timestamp per key and limit, smooth (the steady rate, plus `burst`).
   * `'fixed-window'`: a counter per key and limit, reset at window boundaries.
   * @default 'gcra'
   */
  algorithm?: Algorithm | undefined;
  /** Time source in ms. @default monotonicClock */
  clock?: Clock | undefined;
}

/** The outcome of one decision; the same shape for every algorithm. */
export interface RateLimitResult {
  allowed: boolean;
  /** The most restrictive limit that applied. */
  limit: number;
  /** Units still available now under that limit. */
  remaining: number;
  /** When denied: ms until the same request would be allowed; 0 when allowed. */
  retryAfterMs: number;
  /** Ms until that limit is fully available again. */
  resetAfterMs: number;
}

/** `limit()` refused the request. */
export class RateLimitedError extends BreakwaterError {
  static readonly code = 'BREAKWATER_RATE_LIMITED';
  readonly retryAfterMs: number;
  readonly result: RateLimitResult;

  constructor(key: string, result: RateLimitResult) {
    super(
      RateLimitedError.code,
      `Rate limit of ${result.limit} exceeded for key "${key}"; retry in ${Math.ceil(result.retryAfterMs)} ms`,
    );
    this.retryAfterMs = result.retryAfterMs;
    this.result = result;
  }
}

export const isRateLimitedError = errorGuard<RateLimitedError>(RateLimitedError.code);

interface Rule {
  readonly limit: number;
  readonly windowMs: number;
  /** GCRA emission interval: ms per unit. */
  readonly interval: number;
  /** GCRA tolerance: how far the theoretical arrival time may run ahead of now. */
  readonly tolerance: number;
  readonly capacity: number;
}

/** Slack for floating-point drift of timestamps built from fractional intervals (ms). */
const EPSILON = 1e-6;

/** Entries checked for expiry per decision: idle keys go without any timer. */
const SWEEP_PER_CALL = 2;

/**
 * A keyed rate limiter with one or more limits per key, decided all-or-nothing: a request
 * that fits every limit consumes from all of them, one that does not consumes from none.
 *
 * GCRA keeps one number per key and limit (the theoretical arrival time) and the fixed
 * window a counter and a window start; every decision is O(limits). Keys whose state no
 * longer matters are dropped as decisions go by, so memory stays bounded without a timer
 * per key.
 */
export class RateLimiter {
  readonly #rules: readonly Rule[];
  readonly #gcra: boolean;
  readonly #clock: Clock;
  /**
   * Per key, per rule: GCRA → [tat]; fixed window → [windowStart, count]. The value is
   * also when the state stops mattering, kept in `#expires`.
   */
  readonly #state = new Map<string, Float64Array>();
  #sweep: IterableIterator<[string, Float64Array]> | undefined;

  constructor(options: RateLimiterOptions) {
    const raw = checkOptions('options', options);
    this.#gcra =
      checkOneOf('algorithm', raw.algorithm, ['gcra', 'fixed-window'], 'gcra') === 'gcra';
    this.#clock = checkClock('clock', raw.clock);
    const list = Array.isArray(raw.limits) ? raw.limits : [raw.limits];
    if (list.length === 0)
      throw new RangeError(invalidMessage('limits', 'at least one limit', raw.limits));
    this.#rules = Object.freeze(
      list.map((rule: unknown, i: number) => {
        const name = list.length === 1 && !Array.isArray(raw.limits) ? 'limits' : `limits[${i}]`;
        if (typeof rule !== 'object' || rule === null) {
          throw new TypeError(invalidMessage(name, 'a { limit, windowMs } object', rule));
        }
        const r = rule as Partial<Record<keyof LimitRule, unknown>>;
        const limit = checkInteger(`${name}.limit`, r.limit, { min: 1 });
        const windowMs = checkNumber(`${name}.windowMs`, r.windowMs, {
          min: 0,
          exclusiveMin: true,
        });
        const burst = checkInteger(`${name}.burst`, r.burst, { min: 1, default: limit });
        const interval = windowMs / limit;
        const capacity = this.#gcra ? burst : limit;
        return Object.freeze({ limit, windowMs, interval, tolerance: interval * burst, capacity });
      }),
    );
  }

  /** The smallest capacity of the limits: a cost above it can never be allowed. */
  get maxCost(): number {
    let max = Number.POSITIVE_INFINITY;
    for (const rule of this.#rules) max = Math.min(max, rule.capacity);
    return max;
  }

  /**
   * Decides one request of `cost` units for `key` and consumes them if allowed. Never
   * throws for "limited": check `allowed`.
   * @throws TypeError/RangeError for an empty key or a cost that is not a positive
   *   integer, or that exceeds what any window could ever allow.
   */
  consume(key: string, cost = 1): RateLimitResult {
    this.#check(key, cost);
    const now = this.#clock.now();
    this.#sweepSome(now);
    const rules = this.#rules;
    let state = this.#state.get(key);
    if (state === undefined) {
      state = new Float64Array(this.#gcra ? rules.length : rules.length * 2).fill(
        Number.NEGATIVE_INFINITY,
      );
      if (!this.#gcra) for (let i = 0; i < rules.length; i++) state[i * 2 + 1] = 0;
    }
    const result = this.#gcra
      ? this.#decideGcra(state, cost, now)
      : this.#decideFixed(state, cost, now);
    if (result.allowed) this.#state.set(key, state);
    return result;
  }

  /**
   * Like `consume`, but throws when limited.
   * @throws RateLimitedError with `retryAfterMs` when the request does not fit.
   */
  limit(key: string, cost = 1): RateLimitResult {
    const result = this.consume(key, cost);
    if (!result.allowed) throw new RateLimitedError(key, result);
    return result;
  }

  /** Forgets everything about `key`. */
  reset(key: string): void {
    this.#state.delete(key);
  }

  /** Keys with state that still matters (idle ones are dropped as decisions go by). */
  get size(): number {
    return this.#state.size;
  }

  #check(key: string, cost: number): void {
    if (typeof key !== 'string')
      throw new TypeError(invalidMessage('key', 'a non-empty string', key));
    if (key === '') throw new RangeError(invalidMessage('key', 'a non-empty string', key));
    if (cost !== 1) {
      checkInteger('cost', cost, { min: 1 });
      if (cost > this.maxCost) {
        throw new RangeError(
          invalidMessage('cost', `an integer <= ${this.maxCost} (it could never be allowed)`, cost),
        );
      }
    }
  }

  #decideGcra(tats: Float64Array, cost: number, now: number): RateLimitResult {
    const rules = this.#rules;
    let denied = false;
    let retryAfterMs = 0;
    let worst = -1;
    let worstRemaining = Number.POSITIVE_INFINITY;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const tat = Math.max(tats[i]!, now);
      const next = tat + rule.interval * cost;
      const allowAt = next - rule.tolerance;
      const fits = allowAt <= now + EPSILON;
      if (!fits) {
        denied = true;
        retryAfterMs = Math.max(retryAfterMs, allowAt - now);
      }
      const after = fits ? next : tat;
      const remaining = Math.max(
        0,
        Math.floor((rule.tolerance - (after - now)) / rule.interval + EPSILON),
      );
      if (remaining < worstRemaining) {
        worstRemaining = remaining;
        worst = i;
      }
    }
    const rule = rules[worst]!;
    if (!denied) {
      for (let i = 0; i < rules.length; i++) {
        tats[i] = Math.max(tats[i]!, now) + rules[i]!.interval * cost;
      }
    }
    const tat = Math.max(tats[worst]!, now);
    return {
      allowed: !denied,
      limit: rule.limit,
      remaining: worstRemaining,
      retryAfterMs,
      resetAfterMs: tat - now,
    };
  }

  #decideFixed(state: Float64Array, cost: number, now: number): RateLimitResult {
    const rules = this.#rules;
    let denied = false;
    let retryAfterMs = 0;
    let worst = 0;
    let worstRemaining = Number.POSITIVE_INFINITY;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const start = Math.floor(now / rule.windowMs) * rule.windowMs;
      if (state[i * 2] !== start) {
        state[i * 2] = start;
        state[i * 2 + 1] = 0;
      }
      const used = state[i * 2 + 1]!;
      const fits = used + cost <= rule.limit;
      if (!fits) {
        denied = true;
        retryAfterMs = Math.max(retryAfterMs, start + rule.windowMs - now);
      }
      const remaining = rule.limit - used - (fits ? cost : 0);
      if (remaining < worstRemaining) {
        worstRemaining = remaining;
        worst = i;
      }
    }
    if (!denied) for (let i = 0; i < rules.length; i++) state[i * 2 + 1]! += cost;
    const rule = rules[worst]!;
    return {
      allowed: !denied,
      limit: rule.limit,
      remaining: worstRemaining,
      retryAfterMs,
      resetAfterMs: state[worst * 2]! + rule.windowMs - now,
    };
  }

  /** Drops a couple of keys whose state no longer matters; O(1) per decision. */
  #sweepSome(now: number): void {
    for (let n = 0; n < SWEEP_PER_CALL; n++) {
      this.#sweep ??= this.#state.entries();
      const next = this.#sweep.next();
      if (next.done === true) {
        this.#sweep = undefined;
        return;
      }
      const [key, state] = next.value;
      if (this.#idle(state, now)) this.#state.delete(key);
    }
  }

  #idle(state: Float64Array, now: number): boolean {
    const rules = this.#rules;
    for (let i = 0; i < rules.length; i++) {
      // GCRA: a TAT in the past says nothing. Fixed window: a window that has ended.
      if (this.#gcra ? state[i]! > now : state[i * 2]! + rules[i]!.windowMs > now) return false;
    }
    return true;
  }
}

/**
 * HTTP headers for a decision: `RateLimit-Limit`, `RateLimit-Remaining`,
 * `RateLimit-Reset` (seconds, rounded up) and, when denied, `Retry-After` (seconds).
 */
export function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(result.limit),
    'RateLimit-Remaining': String(result.remaining),
    'RateLimit-Reset': String(Math.ceil(result.resetAfterMs / 1000)),
  };
  if (!result.allowed)
    headers['Retry-After'] = String(Math.max(1, Math.ceil(result.retryAfterMs / 1000)));
  return headers;
}
