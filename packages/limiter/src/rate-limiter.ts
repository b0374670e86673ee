import {
  BreakwaterError,
  type Clock,
  checkClock,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkSignal,
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
export type Algorithm = 'gcra' | 'token-bucket' | 'sliding-window' | 'fixed-window';

/** Options of `new RateLimiter(options)`. */
export interface RateLimiterOptions {
  /** One limit or several (e.g. per minute and per hour): a request must fit all of them. */
  limits: LimitRule | readonly LimitRule[];
  /**
   * `'gcra'`: one timestamp per key and limit, smooth (the steady rate, plus `burst`).
   * `'token-bucket'`: `burst` tokens refilled at `limit / windowMs`.
   * `'sliding-window'`: this window's count plus the previous window's, weighted by how
   * much of it still overlaps the sliding window.
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

/** Options of `acquire`. */
export interface AcquireOptions {
  /** Units to take. @default 1 */
  cost?: number | undefined;
  /** Stops waiting when aborted (rejects with `signal.reason`). */
  signal?: AbortSignal | undefined;
  /**
   * Longest wait in ms; a request that could not be allowed within it rejects with
   * `RateLimitedError` (at once when that is already known). @default Infinity
   */
  maxWaitMs?: number | undefined;
}

interface Waiter {
  readonly cost: number;
  readonly deadline: number;
  resolve(result: RateLimitResult): void;
  reject(error: unknown): void;
}

interface Queue {
  readonly waiters: Waiter[];
  timer: ReturnType<typeof setTimeout> | undefined;
}

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

/** Numbers of state per key and limit. */
const STRIDE = 3;

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
  readonly #algorithm: Algorithm;
  readonly #clock: Clock;
  /**
   * Per key, per rule: GCRA → [tat]; fixed window → [windowStart, count]. The value is
   * also when the state stops mattering, kept in `#expires`.
   */
  readonly #state = new Map<string, Float64Array>();
  #sweep: IterableIterator<[string, Float64Array]> | undefined;
  #sweepPause = 0;
  /** Callers waiting in `acquire`, per key, first come first served. */
  readonly #queues = new Map<string, Queue>();

  constructor(options: RateLimiterOptions) {
    const raw = checkOptions('options', options);
    this.#algorithm = checkOneOf(
      'algorithm',
      raw.algorithm,
      ['gcra', 'token-bucket', 'sliding-window', 'fixed-window'],
      'gcra',
    );
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
        const bursty = this.#algorithm === 'gcra' || this.#algorithm === 'token-bucket';
        const capacity = bursty ? burst : limit;
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
    let state = this.#state.get(key);
    state ??= this.#fresh(now);
    const result = this.#decide(state, cost, now);
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

  /**
   * Waits until `cost` units of `key` are allowed, then takes them. Callers waiting for
   * one key are served in arrival order; the only timer is one per key that has waiters.
   * @throws RateLimitedError when the wait would exceed `maxWaitMs`.
   */
  acquire(key: string, options?: AcquireOptions): Promise<RateLimitResult> {
    let cost = 1;
    let signal: AbortSignal | undefined;
    let maxWaitMs = Number.POSITIVE_INFINITY;
    try {
      const raw = checkOptions('options', options);
      cost = checkInteger('cost', raw.cost, { min: 1, default: 1 });
      signal = checkSignal('signal', raw.signal);
      maxWaitMs = checkNumber('maxWaitMs', raw.maxWaitMs, {
        min: 0,
        allowInfinity: true,
        default: Number.POSITIVE_INFINITY,
      });
      this.#check(key, cost);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    if (!this.#queues.has(key)) {
      const result = this.consume(key, cost);
      if (result.allowed) return Promise.resolve(result);
      if (result.retryAfterMs > maxWaitMs) return Promise.reject(new RateLimitedError(key, result));
    }
    return new Promise<RateLimitResult>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        cost,
        deadline: this.#clock.now() + maxWaitMs,
        resolve: (result) => {
          done();
          resolve(result);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      const leave = (error: unknown): void => {
        const queue = this.#queues.get(key);
        const index = queue?.waiters.indexOf(waiter) ?? -1;
        if (index < 0) return;
        queue!.waiters.splice(index, 1);
        waiter.reject(error);
        if (index === 0) this.#serve(key);
      };
      const onAbort = (): void => leave(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (maxWaitMs !== Number.POSITIVE_INFINITY) {
        timer = setTimeout(
          () => leave(new RateLimitedError(key, this.#peek(key, cost))),
          maxWaitMs,
        );
      }
      let queue = this.#queues.get(key);
      if (queue === undefined) {
        queue = { waiters: [], timer: undefined };
        this.#queues.set(key, queue);
      }
      queue.waiters.push(waiter);
      if (queue.waiters.length === 1) this.#serve(key);
    });
  }

  /** Serves the waiters of `key` in order; re-arms the key's timer for the first one left. */
  #serve(key: string): void {
    const queue = this.#queues.get(key);
    if (queue === undefined) return;
    if (queue.timer !== undefined) clearTimeout(queue.timer);
    queue.timer = undefined;
    while (queue.waiters.length > 0) {
      const head = queue.waiters[0]!;
      const result = this.consume(key, head.cost);
      if (result.allowed) {
        queue.waiters.shift();
        head.resolve(result);
        continue;
      }
      if (this.#clock.now() + result.retryAfterMs > head.deadline) {
        queue.waiters.shift();
        head.reject(new RateLimitedError(key, result));
        continue;
      }
      queue.timer = setTimeout(() => this.#serve(key), Math.max(1, Math.ceil(result.retryAfterMs)));
      return;
    }
    this.#queues.delete(key);
  }

  /** The decision a request would get now, without taking anything. */
  #peek(key: string, cost: number): RateLimitResult {
    const now = this.#clock.now();
    const state = this.#state.get(key) ?? this.#fresh(now);
    return this.#decide(state.slice(), cost, now);
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

  /** Empty state: three numbers per limit, their meaning set by the algorithm. */
  #fresh(now: number): Float64Array {
    const rules = this.#rules;
    const state = new Float64Array(rules.length * STRIDE);
    for (let i = 0; i < rules.length; i++) {
      const at = i * STRIDE;
      switch (this.#algorithm) {
        case 'gcra':
          state[at] = Number.NEGATIVE_INFINITY; // theoretical arrival time
          break;
        case 'token-bucket':
          state[at] = rules[i]!.capacity; // tokens
          state[at + 1] = now; // last refill
          break;
        default:
          state[at] = Number.NEGATIVE_INFINITY; // window start; [at+1] count, [at+2] previous count
      }
    }
    return state;
  }

  /** Checks every limit; consumes from all when all fit, from none otherwise. */
  #decide(state: Float64Array, cost: number, now: number): RateLimitResult {
    const rules = this.#rules;
    let denied = false;
    let retryAfterMs = 0;
    let worst = 0;
    let worstRemaining = Number.POSITIVE_INFINITY;
    let worstReset = 0;
    for (let pass = 0; pass < 2; pass++) {
      // Pass 0 decides; pass 1 (only when every limit fits) consumes.
      for (let i = 0; i < rules.length; i++) {
        const outcome = this.#limitOutcome(rules[i]!, state, i * STRIDE, cost, now, pass === 1);
        if (pass === 1) continue;
        if (!outcome.fits) {
          denied = true;
          retryAfterMs = Math.max(retryAfterMs, outcome.retryAfterMs);
        }
        if (outcome.remaining < worstRemaining) {
          worstRemaining = outcome.remaining;
          worst = i;
          worstReset = outcome.resetAfterMs;
        }
      }
      if (denied) break;
    }
    return {
      allowed: !denied,
      limit: rules[worst]!.limit,
      remaining: worstRemaining,
      retryAfterMs: denied ? retryAfterMs : 0,
      resetAfterMs: worstReset,
    };
  }

  /**
   * One limit's view of a request: whether it fits, what would remain after it (or now,
   * when it does not fit), and the waits. With `commit`, records the request.
   */
  #limitOutcome(
    rule: Rule,
    state: Float64Array,
    at: number,
    cost: number,
    now: number,
    commit: boolean,
  ) {
    const out = this.#outcome;
    switch (this.#algorithm) {
      case 'gcra': {
        const tat = Math.max(state[at]!, now);
        const next = tat + rule.interval * cost;
        const allowAt = next - rule.tolerance;
        out.fits = allowAt <= now + EPSILON;
        const after = out.fits ? next : tat;
        out.remaining = Math.max(
          0,
          Math.floor((rule.tolerance - (after - now)) / rule.interval + EPSILON),
        );
        out.retryAfterMs = Math.max(0, allowAt - now);
        out.resetAfterMs = after - now;
        if (commit) state[at] = next;
        return out;
      }
      case 'token-bucket': {
        const rate = 1 / rule.interval; // tokens per ms
        const tokens = Math.min(rule.capacity, state[at]! + (now - state[at + 1]!) * rate);
        out.fits = tokens + EPSILON >= cost;
        const left = out.fits ? tokens - cost : tokens;
        out.remaining = Math.max(0, Math.floor(left + EPSILON));
        out.retryAfterMs = out.fits ? 0 : (cost - tokens) / rate;
        out.resetAfterMs = (rule.capacity - left) / rate;
        if (commit) {
          state[at] = tokens - cost;
          state[at + 1] = now;
        }
        return out;
      }
      case 'fixed-window': {
        const start = Math.floor(now / rule.windowMs) * rule.windowMs;
        const used = state[at] === start ? state[at + 1]! : 0;
        out.fits = used + cost <= rule.limit;
        out.remaining = rule.limit - used - (out.fits ? cost : 0);
        out.retryAfterMs = out.fits ? 0 : start + rule.windowMs - now;
        out.resetAfterMs = start + rule.windowMs - now;
        if (commit) {
          state[at] = start;
          state[at + 1] = used + cost;
        }
        return out;
      }
      default: {
        // Sliding window counter.
        const w = rule.windowMs;
        const start = Math.floor(now / w) * w;
        let count = 0;
        let previous = 0;
        if (state[at] === start) {
          count = state[at + 1]!;
          previous = state[at + 2]!;
        } else if (state[at] === start - w) {
          previous = state[at + 1]!;
        }
        const elapsed = now - start;
        const weight = 1 - elapsed / w;
        const estimate = previous * weight + count;
        out.fits = estimate + cost <= rule.limit + EPSILON;
        out.remaining = Math.max(
          0,
          Math.floor(rule.limit - estimate - (out.fits ? cost : 0) + EPSILON),
        );
        if (out.fits) out.retryAfterMs = 0;
        else if (count + cost <= rule.limit && previous > 0) {
          // Later in this window the previous window's share has shrunk enough.
          out.retryAfterMs = Math.max(
            0,
            w * (1 - (rule.limit - count - cost) / previous) - elapsed,
          );
        } else {
          // Next window, once this window's count (then "previous") has shrunk enough.
          const share = count > 0 ? Math.max(0, 1 - (rule.limit - cost) / count) : 0;
          out.retryAfterMs = w - elapsed + w * share;
        }
        out.resetAfterMs = w - elapsed + (count > 0 ? w : 0);
        if (commit) {
          state[at] = start;
          state[at + 1] = count + cost;
          state[at + 2] = previous;
        }
        return out;
      }
    }
  }

  readonly #outcome = { fits: false, remaining: 0, retryAfterMs: 0, resetAfterMs: 0 };

  /** Drops a couple of keys whose state no longer matters; O(1) per decision. */
  #sweepSome(now: number): void {
    if (this.#sweepPause > 0) {
      this.#sweepPause--;
      return;
    }
    for (let n = 0; n < SWEEP_PER_CALL; n++) {
      this.#sweep ??= this.#state.entries();
      const next = this.#sweep.next();
      if (next.done === true) {
        // A full pass is done: rest for as many decisions as there are keys (at least 64).
        this.#sweep = undefined;
        this.#sweepPause = Math.max(64, this.#state.size);
        return;
      }
      const [key, state] = next.value;
      if (this.#idle(state, now)) this.#state.delete(key);
    }
  }

  /** True when a fresh state would decide the same as this one. */
  #idle(state: Float64Array, now: number): boolean {
    const rules = this.#rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const at = i * STRIDE;
      switch (this.#algorithm) {
        // A key used within the last window is kept even when it holds no information,
        // so a hot key is not dropped and re-created on every decision.
        case 'gcra':
          if (state[at]! + rule.windowMs > now) return false;
          break;
        case 'token-bucket':
          if (state[at + 1]! + rule.windowMs > now) return false;
          if (state[at]! + (now - state[at + 1]!) / rule.interval < rule.capacity) return false;
          break;
        case 'fixed-window':
          if (state[at]! + rule.windowMs > now) return false;
          break;
        default:
          if (state[at]! + 2 * rule.windowMs > now) return false;
      }
    }
    return true;
  }

  /**
   * Gives `cost` units back to `key` (e.g. the work was cancelled before it used them),
   * never beyond a fresh key's allowance.
   */
  refund(key: string, cost = 1): void {
    this.#check(key, cost);
    const state = this.#state.get(key);
    if (state === undefined) return;
    const now = this.#clock.now();
    const rules = this.#rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const at = i * STRIDE;
      switch (this.#algorithm) {
        case 'gcra':
          state[at] = Math.max(now, state[at]! - rule.interval * cost);
          break;
        case 'token-bucket':
          state[at] = Math.min(rule.capacity, state[at]! + cost);
          break;
        default:
          state[at + 1] = Math.max(0, state[at + 1]! - cost);
      }
    }
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
