import { type Clock, checkInteger, invalidMessage, MAX_TIMER_MS, Waiter } from '@breakwater/core';
import {
  type Decide,
  decideFixedWindow,
  decideGcra,
  decideSlidingWindow,
  decideTokenBucket,
  fixedWindowOutcome,
  gcraOutcome,
  type Outcome,
  type OutcomeOf,
  type Rule,
  retryMs,
  STATE_WIDTH,
  slidingWindowOutcome,
  tokenBucketOutcome,
  wholeMs,
} from './algorithms.js';
import { RateLimitedError, RateLimiterClosedError } from './errors.js';
import {
  type Algorithm,
  type RateLimiterAcquireOptions,
  type RateLimiterOptions,
  type ResolvedAcquireOptions,
  readAcquireOptions,
  resolveRateLimiterOptions,
} from './options.js';

/** The outcome of one decision; the same shape for every algorithm. */
export interface RateLimitResult {
  allowed: boolean;
  /** The most restrictive limit that applied. */
  limit: number;
  /** Units still available now under that limit: an integer from 0 to its `burst` (default `limit`). */
  remaining: number;
  /** When denied: whole ms (rounded up, at least 1) until the same request would be allowed; 0 when allowed. */
  retryAfterMs: number;
  /** Whole ms (rounded up) until that limit is fully available again. */
  resetAfterMs: number;
}

/** `RateLimiter#stats()`: counters since construction, and gauges (the value now). */
export interface RateLimiterStats {
  /** Keys with state that still matters (gauge; the same as `size`). */
  keys: number;
  /** Requests allowed (`consume`, `limit`, and each `acquire` once served). */
  allowed: number;
  /** Decisions that denied a request (an `acquire` that waits may be denied several times). */
  denied: number;
  /** Callers waiting in `acquire` now (gauge). */
  waiting: number;
}

/** A caller of `acquire` in a key's queue; `wait` leaves it on abort or at `maxWaitMs`. */
interface Queued {
  readonly cost: number;
  readonly deadline: number;
  readonly wait: Waiter<RateLimitResult>;
}

interface Queue {
  readonly waiters: Queued[];
  timer: ReturnType<typeof setTimeout> | undefined;
}

// The algorithms as small integers, for the switches off the hot path.
const GCRA = 0;
const TOKEN_BUCKET = 1;
const SLIDING_WINDOW = 2;
const FIXED_WINDOW = 3;

/** What a limiter needs of its algorithm, picked once in the constructor. */
interface AlgorithmParts {
  readonly kind: number;
  /** Numbers of state per key and limit (see `algorithms.ts` for their meaning). */
  readonly width: number;
  readonly decide: Decide;
  readonly outcome: OutcomeOf;
}

const ALGORITHMS: Readonly<Record<Algorithm, AlgorithmParts>> = {
  gcra: { kind: GCRA, width: STATE_WIDTH.gcra, decide: decideGcra, outcome: gcraOutcome },
  'token-bucket': {
    kind: TOKEN_BUCKET,
    width: STATE_WIDTH['token-bucket'],
    decide: decideTokenBucket,
    outcome: tokenBucketOutcome,
  },
  'sliding-window': {
    kind: SLIDING_WINDOW,
    width: STATE_WIDTH['sliding-window'],
    decide: decideSlidingWindow,
    outcome: slidingWindowOutcome,
  },
  'fixed-window': {
    kind: FIXED_WINDOW,
    width: STATE_WIDTH['fixed-window'],
    decide: decideFixedWindow,
    outcome: fixedWindowOutcome,
  },
};

/** Slots the state store starts with (and never shrinks below). */
const MIN_SLOTS = 64;

/** Entries checked for expiry per decision: idle keys go without any timer. */
const SWEEP_PER_CALL = 2;

/**
 * A keyed rate limiter with one or more limits per key, decided all-or-nothing: a request
 * that fits every limit consumes from all of them, one that does not consumes from none.
 *
 * GCRA keeps two numbers per key and limit (an origin and the units booked since) and the fixed
 * window a counter and a window start; every decision is O(limits). Keys whose state no
 * longer matters are dropped as decisions go by, so memory stays bounded without a timer
 * per key.
 *
 * Storage: each key owns a slot, a Smi in `#slots`; its numbers are `#stride` doubles
 * of one shared `Float64Array` from `slot * #stride`. `#keys` maps slots back to keys so
 * the sweeper walks slots in order; freed slots are reused, and the store is compacted
 * when most of it is free. A key costs a map entry, a `#keys` entry and its numbers, no
 * object of its own; a decision allocates only the result it returns.
 */
export class RateLimiter {
  readonly #rules: readonly Rule[];
  /** The limit of a one-limit limiter; undefined with several. */
  readonly #rule: Rule | undefined;
  /** The algorithm, as one of `GCRA` … `FIXED_WINDOW`. */
  readonly #kind: number;
  /** The algorithm's decision on one limit, returning the result (one-limit limiters). */
  readonly #decideOne: Decide;
  /** The algorithm's view of one limit, into `#outcome` (limiters with several limits). */
  readonly #outcomeOf: OutcomeOf;
  readonly #clock: Clock;
  /** Numbers per limit. */
  readonly #width: number;
  /** Numbers per key: `#width` × limits. */
  readonly #stride: number;
  readonly #maxCost: number;
  /** Key → slot. */
  readonly #slots = new Map<string, number>();
  /** Slot → key; `''` (never a valid key) for a free slot. Its length is the slots in use or freed. */
  #keys: string[] = [];
  /** Free slots below `#keys.length`, reused first. */
  #free: number[] = [];
  /** The state of every slot, `#stride` numbers each. */
  #data: Float64Array;
  /** The next slot the sweeper looks at. */
  #sweepAt = 0;
  #sweepPause = 0;
  /** Callers waiting in `acquire`, per key, first come first served. */
  readonly #queues = new Map<string, Queue>();
  /** Callers in `#queues`, all keys together. */
  #waiting = 0;
  #allowed = 0;
  #denied = 0;
  #closed = false;

  constructor(options: RateLimiterOptions) {
    const { algorithm, clock, rules } = resolveRateLimiterOptions(options);
    const parts = ALGORITHMS[algorithm];
    this.#kind = parts.kind;
    this.#width = parts.width;
    this.#decideOne = parts.decide;
    this.#outcomeOf = parts.outcome;
    this.#clock = clock;
    this.#rules = rules;
    this.#rule = rules.length === 1 ? rules[0] : undefined;
    let maxCost = Number.POSITIVE_INFINITY;
    for (const rule of this.#rules) maxCost = Math.min(maxCost, rule.capacity);
    this.#maxCost = maxCost;
    this.#stride = this.#width * this.#rules.length;
    this.#data = new Float64Array(MIN_SLOTS * this.#stride);
  }

  /** The smallest capacity of the limits: a cost above it can never be allowed. */
  get maxCost(): number {
    return this.#maxCost;
  }

  /**
   * Decides one request of `cost` units for `key` and consumes them if allowed. Never
   * throws for "limited": check `allowed`.
   * @throws TypeError/RangeError for an empty key or a cost that is not a positive
   *   integer, or that exceeds what any window could ever allow.
   */
  consume(key: string, cost = 1): RateLimitResult {
    // The common call (a non-empty key, cost 1) skips the full check.
    if (cost !== 1 || typeof key !== 'string' || key === '') this.#check(key, cost);
    if (this.#closed) throw new RateLimiterClosedError();
    return this.#consume(key, cost);
  }

  #consume(key: string, cost: number): RateLimitResult {
    const now = this.#clock.now();
    if (this.#sweepPause > 0) this.#sweepPause--;
    else this.#sweepSome(now);
    const slot = this.#slots.get(key);
    const rule = this.#rule;
    let result: RateLimitResult;
    if (slot !== undefined) {
      // One limit, the common case: straight to its decision.
      result =
        rule !== undefined
          ? this.#decideOne(rule, this.#data, slot * this.#stride, cost, now, true)
          : this.#decideAll(slot * this.#stride, cost, now, true);
    } else {
      // A new key: its fresh state goes into the next free slot, which it takes only when
      // allowed (a denied first request leaves no state behind).
      const free = this.#nextSlot();
      result = this.#decide(this.#fresh(free, now), cost, now, true);
      if (result.allowed) this.#take(free, key);
    }
    if (result.allowed) this.#allowed++;
    else this.#denied++;
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
   * @throws RateLimitedError when the wait would exceed `maxWaitMs`;
   *   RateLimiterClosedError after `close()`, or when it closes while waiting.
   */
  acquire(key: string, options?: RateLimiterAcquireOptions): Promise<RateLimitResult> {
    let resolved: ResolvedAcquireOptions;
    try {
      resolved = readAcquireOptions(options);
      this.#check(key, resolved.cost);
    } catch (error) {
      return Promise.reject(error);
    }
    const { cost, signal, maxWaitMs } = resolved;
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    if (this.#closed) return Promise.reject(new RateLimiterClosedError());
    if (!this.#queues.has(key)) {
      const result = this.#consume(key, cost);
      if (result.allowed) return Promise.resolve(result);
      if (result.retryAfterMs > maxWaitMs) return Promise.reject(new RateLimitedError(key, result));
    }
    const leave = (error?: unknown): void => {
      const queue = this.#queues.get(key);
      const index = queue?.waiters.indexOf(waiter) ?? -1;
      if (index < 0) return;
      queue!.waiters.splice(index, 1);
      this.#waiting--;
      if (error !== undefined) waiter.wait.reject(error);
      if (index === 0) this.#serve(key);
    };
    const waiter: Queued = {
      cost,
      deadline: this.#clock.now() + maxWaitMs,
      wait: new Waiter<RateLimitResult>({
        signal,
        onAbort: leave,
        // A longer wait is bounded by the deadline check of each attempt instead.
        timeoutMs: maxWaitMs <= MAX_TIMER_MS ? maxWaitMs : undefined,
        onTimeout: () => {
          // At the head, a wait of exactly `maxWaitMs` is still allowed: `#serve` serves it
          // now, or rejects it by its deadline.
          if (this.#queues.get(key)?.waiters[0] === waiter) this.#serve(key);
          else leave(new RateLimitedError(key, this.#peek(key, cost)));
        },
      }),
    };
    let queue = this.#queues.get(key);
    if (queue === undefined) {
      queue = { waiters: [], timer: undefined };
      this.#queues.set(key, queue);
    }
    queue.waiters.push(waiter);
    this.#waiting++;
    if (queue.waiters.length === 1) this.#serve(key);
    return waiter.wait.promise;
  }

  /** Serves the waiters of `key` in order; re-arms the key's timer for the first one left. */
  #serve(key: string): void {
    const queue = this.#queues.get(key);
    if (queue === undefined) return;
    if (queue.timer !== undefined) clearTimeout(queue.timer);
    queue.timer = undefined;
    while (queue.waiters.length > 0) {
      const head = queue.waiters[0]!;
      const result = this.#consume(key, head.cost);
      if (result.allowed) {
        queue.waiters.shift();
        this.#waiting--;
        head.wait.resolve(result);
        continue;
      }
      if (this.#clock.now() + result.retryAfterMs > head.deadline) {
        queue.waiters.shift();
        this.#waiting--;
        head.wait.reject(new RateLimitedError(key, result));
        continue;
      }
      const wait = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(result.retryAfterMs)));
      queue.timer = setTimeout(() => this.#serve(key), wait);
      return;
    }
    this.#queues.delete(key);
  }

  /** The decision a request would get now, without taking anything. */
  #peek(key: string, cost: number): RateLimitResult {
    const now = this.#clock.now();
    const slot = this.#slots.get(key);
    const at = slot === undefined ? this.#fresh(this.#nextSlot(), now) : slot * this.#stride;
    return this.#decide(at, cost, now, false);
  }

  /**
   * A key's state now, without taking anything: `allowed` and `retryAfterMs` are what
   * `consume(key)` (cost 1) would decide; `limit`, `remaining` and `resetAfterMs` describe
   * the key as it is, before that request (a fresh key: `remaining` = its capacity).
   * Writes no state (an unknown key stays unknown), and works after `close()`.
   * @throws TypeError/RangeError for an empty key.
   */
  get(key: string): RateLimitResult {
    this.#check(key, 1);
    const next = this.#peek(key, 1);
    const now = this.#peek(key, 0);
    return {
      allowed: next.allowed,
      limit: now.limit,
      remaining: now.remaining,
      retryAfterMs: next.retryAfterMs,
      resetAfterMs: now.resetAfterMs,
    };
  }

  /**
   * Stops the limiter: every caller waiting in `acquire` rejects with
   * `RateLimiterClosedError`, the timers of their keys are cleared, and later `consume`,
   * `limit` and `acquire` calls are refused with the same error. `get`, `reset`, `refund`,
   * `size` and `stats()` keep working. Calling it again is harmless.
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    const queues = [...this.#queues.values()];
    this.#queues.clear();
    this.#waiting = 0;
    for (const queue of queues) {
      if (queue.timer !== undefined) clearTimeout(queue.timer);
      queue.timer = undefined;
      const error = new RateLimiterClosedError();
      for (const waiter of queue.waiters.splice(0)) waiter.wait.reject(error);
    }
    return Promise.resolve();
  }

  /** Calls `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** A snapshot of the counters (cheap: no walk over keys or queues). */
  stats(): RateLimiterStats {
    return {
      keys: this.#slots.size,
      allowed: this.#allowed,
      denied: this.#denied,
      waiting: this.#waiting,
    };
  }

  /** Forgets everything about `key`. */
  reset(key: string): void {
    this.#check(key, 1);
    const slot = this.#slots.get(key);
    if (slot !== undefined) this.#release(key, slot);
    // Callers waiting in `acquire` need not sleep out a wait that no longer applies.
    this.#serve(key);
  }

  /** Keys with state that still matters (idle ones are dropped as decisions go by). */
  get size(): number {
    return this.#slots.size;
  }

  #check(key: string, cost: number): void {
    if (typeof key !== 'string')
      throw new TypeError(invalidMessage('key', 'a non-empty string', key));
    if (key === '') throw new RangeError(invalidMessage('key', 'a non-empty string', key));
    if (cost !== 1) {
      checkInteger('cost', cost, { min: 1 });
      if (cost > this.#maxCost) {
        throw new RangeError(
          invalidMessage(
            'cost',
            `an integer <= ${this.#maxCost} (it could never be allowed)`,
            cost,
          ),
        );
      }
    }
  }

  /** The slot a new key would take: a freed one, else the next one (room made for it). */
  #nextSlot(): number {
    const free = this.#free;
    if (free.length > 0) return free[free.length - 1]!;
    const slot = this.#keys.length;
    const end = (slot + 1) * this.#stride;
    if (end > this.#data.length) {
      const data = new Float64Array(this.#data.length * 2);
      data.set(this.#data);
      this.#data = data;
    }
    return slot;
  }

  /** Gives `key` the slot `#nextSlot()` returned. */
  #take(slot: number, key: string): void {
    if (this.#free.length > 0) {
      this.#free.pop();
      this.#keys[slot] = key;
    } else this.#keys.push(key);
    this.#slots.set(key, slot);
  }

  #release(key: string, slot: number): void {
    this.#slots.delete(key);
    this.#keys[slot] = '';
    this.#free.push(slot);
  }

  /** Writes an empty state into `slot`; returns where it starts. */
  #fresh(slot: number, now: number): number {
    const data = this.#data;
    const rules = this.#rules;
    const width = this.#width;
    const base = slot * this.#stride;
    for (let i = 0; i < rules.length; i++) {
      const at = base + i * width;
      switch (this.#kind) {
        case GCRA:
          data[at] = Number.NEGATIVE_INFINITY; // origin
          data[at + 1] = 0; // units booked since
          break;
        case TOKEN_BUCKET:
          data[at] = rules[i]!.capacity; // tokens
          data[at + 1] = now; // last refill
          break;
        case SLIDING_WINDOW:
          data[at] = Number.NEGATIVE_INFINITY; // window start
          data[at + 1] = 0; // count
          data[at + 2] = 0; // previous window's count
          break;
        default:
          data[at] = Number.NEGATIVE_INFINITY; // window start
          data[at + 1] = 0; // count
      }
    }
    return base;
  }

  /**
   * Checks every limit of the state at `base`; with `commit`, consumes from all when all
   * fit, from none otherwise.
   */
  #decide(base: number, cost: number, now: number, commit: boolean): RateLimitResult {
    const rule = this.#rule;
    // The common case, one limit: decided, recorded and returned in one call.
    if (rule !== undefined) return this.#decideOne(rule, this.#data, base, cost, now, commit);
    return this.#decideAll(base, cost, now, commit);
  }

  /** Several limits: a first pass decides, a second (only when every limit fits) records. */
  #decideAll(base: number, cost: number, now: number, commit: boolean): RateLimitResult {
    const rules = this.#rules;
    const width = this.#width;
    const data = this.#data;
    const out = this.#outcome;
    const outcomeOf = this.#outcomeOf;
    let denied = false;
    let retryAfterMs = 0;
    let worst = 0;
    let worstRemaining = Number.POSITIVE_INFINITY;
    let worstReset = 0;
    for (let i = 0; i < rules.length; i++) {
      outcomeOf(rules[i]!, data, base + i * width, cost, now, false, out);
      if (!out.fits) {
        denied = true;
        retryAfterMs = Math.max(retryAfterMs, out.retryAfterMs);
      }
      if (out.remaining < worstRemaining) {
        worstRemaining = out.remaining;
        worst = i;
        worstReset = out.resetAfterMs;
      }
    }
    if (commit && !denied) {
      for (let i = 0; i < rules.length; i++) {
        outcomeOf(rules[i]!, data, base + i * width, cost, now, true, out);
      }
    }
    return {
      allowed: !denied,
      limit: rules[worst]!.limit,
      remaining: worstRemaining,
      retryAfterMs: denied ? retryMs(retryAfterMs) : 0,
      resetAfterMs: wholeMs(worstReset),
    };
  }

  readonly #outcome: Outcome = { fits: false, remaining: 0, retryAfterMs: 0, resetAfterMs: 0 };

  /**
   * Drops a couple of keys whose state no longer matters, walking the slots in order;
   * O(1) per decision. After a full pass it rests, and compacts the slots when most of
   * them are free.
   */
  #sweepSome(now: number): void {
    const keys = this.#keys;
    for (let n = 0; n < SWEEP_PER_CALL; n++) {
      const slot = this.#sweepAt;
      if (slot >= keys.length) {
        // A full pass is done: rest for as many decisions as there are keys (at least 64).
        this.#sweepAt = 0;
        this.#sweepPause = Math.max(64, this.#slots.size);
        if (this.#slots.size * 4 < keys.length && keys.length > MIN_SLOTS) this.#compact();
        return;
      }
      this.#sweepAt = slot + 1;
      const key = keys[slot]!;
      if (key !== '' && this.#idle(slot * this.#stride, now)) this.#release(key, slot);
    }
  }

  /**
   * Moves the keys in use to the lowest slots, in order, and shrinks the store to twice
   * their number: memory follows the keys in use, not the most there ever were.
   */
  #compact(): void {
    const keys = this.#keys;
    const stride = this.#stride;
    const old = this.#data;
    const data = new Float64Array(Math.max(MIN_SLOTS, 2 * this.#slots.size) * stride);
    const kept: string[] = [];
    for (let slot = 0; slot < keys.length; slot++) {
      const key = keys[slot]!;
      if (key === '') continue;
      const to = kept.length;
      for (let j = 0; j < stride; j++) data[to * stride + j] = old[slot * stride + j]!;
      kept.push(key);
      this.#slots.set(key, to);
    }
    this.#keys = kept;
    this.#free = [];
    this.#data = data;
  }

  /** True when a fresh state would decide the same as the one at `base`. */
  #idle(base: number, now: number): boolean {
    const rules = this.#rules;
    const state = this.#data;
    const width = this.#width;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const at = base + i * width;
      switch (this.#kind) {
        // A key used within the last window is kept even when it holds no information,
        // so a hot key is not dropped and re-created on every decision.
        case GCRA:
          if (state[at]! + state[at + 1]! * rule.interval + rule.windowMs > now) return false;
          break;
        case TOKEN_BUCKET:
          if (state[at + 1]! + rule.windowMs > now) return false;
          if (state[at]! + (now - state[at + 1]!) / rule.interval < rule.capacity) return false;
          break;
        // The windows compare window starts as the formulas compute them (with a
        // fractional window, `start + windowMs` may not exceed a `now` still in it).
        case FIXED_WINDOW:
          if (state[at]! >= Math.floor(now / rule.windowMs) * rule.windowMs) return false;
          break;
        default:
          if (state[at]! >= (Math.floor(now / rule.windowMs) - 1) * rule.windowMs) return false;
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
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    const now = this.#clock.now();
    const rules = this.#rules;
    const state = this.#data;
    const base = slot * this.#stride;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const at = base + i * this.#width;
      switch (this.#kind) {
        case GCRA: {
          // Never below a fully available key: then it counts from now.
          const booked = state[at + 1]! - cost;
          if (booked <= (now - state[at]!) / rule.interval) {
            state[at] = now;
            state[at + 1] = 0;
          } else state[at + 1] = booked;
          break;
        }
        case TOKEN_BUCKET:
          state[at] = Math.min(rule.capacity, state[at]! + cost);
          break;
        default:
          state[at + 1] = Math.max(0, state[at + 1]! - cost);
      }
    }
    this.#serve(key);
  }
}
