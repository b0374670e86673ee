import {
  backoffDelay,
  checkFunction,
  checkNumber,
  checkOptions,
  checkSignal,
  Listeners,
  raceSignal,
  type Unsubscribe,
} from '@breakwater/core';
import {
  type CallOutcome,
  classifyError,
  classifyResult,
  FAILURE,
  IGNORED,
  probeFailed,
  SUCCESS,
} from './call-outcome.js';
import { BreakerOpenError, OperationTimeoutError } from './errors.js';
import { checkCallKeys, MAX_TIMER_MS, runOperation } from './invoke-operation.js';
import {
  type CircuitBreakerOptions,
  type ResolvedBreakerOptions,
  resolveBreakerOptions,
} from './options.js';
import {
  CountWindow,
  type OutcomeWindow,
  TimeWindow,
  type WindowSnapshot,
} from './outcome-window.js';
import type { CallContext, ExecuteOptions, Operation, Policy } from './policy.js';
import { wholeMs } from './whole-ms.js';

/** Where the breaker stands. The last three are only entered by hand. */
export type BreakerState =
  | 'closed'
  | 'open'
  | 'half-open'
  | 'forced-open'
  | 'disabled'
  | 'metrics-only';

/** Why the breaker opened. */
export type TripReason =
  | 'consecutive-failures'
  | 'failure-rate'
  | 'slow-call-rate'
  | 'probe-failed';

export interface StateChangeEvent {
  from: BreakerState;
  to: BreakerState;
  /** Set when the breaker opened on its own. */
  reason?: TripReason | undefined;
}
export interface SuccessEvent {
  /** How long the call took, in whole ms (rounded up). */
  durationMs: number;
}
export interface FailureEvent {
  error: unknown;
  /** How long the call took, in whole ms (rounded up). */
  durationMs: number;
}
export interface SlowEvent {
  /** How long the call took, in whole ms (rounded up). */
  durationMs: number;
}
export interface BreakerRejectEvent {
  state: 'open' | 'forced-open' | 'half-open';
  /** As `BreakerOpenError.retryAfterMs`: whole ms, rounded up. */
  retryAfterMs: number;
}
export interface TimeoutEvent {
  timeoutMs: number;
}

/** Options of one `execute` call. */
export interface BreakerExecuteOptions extends ExecuteOptions {
  /** Timeout of this call in ms, instead of the breaker's `timeoutMs`. */
  timeoutMs?: number | undefined;
}

/** The keys of {@link BreakerExecuteOptions}, checked by the compiler. */
export const BREAKER_CALL_KEYS = Object.keys({
  signal: true,
  timeoutMs: true,
} satisfies Record<keyof BreakerExecuteOptions, true>);

/** What a breaker counts of the calls it was asked to run, since construction. */
export interface BreakerCallCounts {
  /** Calls let through to the function. */
  calls: number;
  successes: number;
  failures: number;
  slowCalls: number;
  /** Calls refused without running the function. */
  rejected: number;
  timeouts: number;
  /** Calls whose outcome counted neither way (caller aborts, `isFailure` → false, stale). */
  ignored: number;
}

/** The outcomes a breaker's window holds now, and their rates. */
export interface BreakerWindowStats {
  calls: number;
  failures: number;
  slowCalls: number;
  failureRate: number;
  slowCallRate: number;
}

/**
 * Validates the options of one `execute` call (keys, `signal`, `timeoutMs`) and returns
 * the caller's signal; `options.timeoutMs`, when set, is then valid.
 * @throws TypeError / RangeError naming the option; the signal's reason when aborted.
 */
export function checkBreakerCall(options: BreakerExecuteOptions): AbortSignal | undefined {
  checkOptions('options', options);
  checkCallKeys(options, BREAKER_CALL_KEYS);
  const signal = checkSignal('signal', options.signal);
  if (signal?.aborted === true) throw signal.reason;
  if (options.timeoutMs !== undefined) {
    checkNumber('timeoutMs', options.timeoutMs, { min: 0, exclusiveMin: true, max: MAX_TIMER_MS });
  }
  return signal;
}

/** What a breaker counts, from `stats()`. */
export interface BreakerStats extends BreakerCallCounts {
  state: BreakerState;
  consecutiveFailures: number;
  /** Openings in a row without a successful close; drives the open-duration backoff. */
  openings: number;
  window: BreakerWindowStats;
}

/** What `toJSON()` returns and `restore()` takes. Times are relative, so any clock fits. */
export interface BreakerSnapshot {
  version: 1;
  state: BreakerState;
  /** With `state: 'open'`: whole ms (rounded up) until half-open. */
  openRemainingMs: number;
  /**
   * The full length of the last opening, in ms, from which a `decorrelated-jitter` backoff
   * draws the next. Absent in older snapshots: what is left of the opening stands in.
   */
  lastOpenMs?: number | undefined;
  openings: number;
  consecutiveFailures: number;
  window: WindowSnapshot;
}

/** A never-aborted signal handed to calls that have neither a timeout nor a caller signal. */
const IDLE_SIGNAL = new AbortController().signal;
/** The context of those calls: one frozen object, as `CallContext` is read-only. */
const IDLE_CONTEXT: CallContext = Object.freeze({ signal: IDLE_SIGNAL });

/** How a call was admitted: normally, as a half-open probe, or while disabled. */
const NORMAL = 0;
const PROBE = 1;
const PASS_THROUGH = 2;

/**
 * A circuit breaker. In `closed` it runs calls and watches their outcomes; when a trip
 * rule fires it turns `open` and refuses calls with `BreakerOpenError` for the open
 * duration; the next call after that turns it `half-open`, where exactly
 * `permittedCallsInHalfOpen` probes run: all succeed → `closed`, one fails → `open`
 * again (longer, with a backoff).
 *
 * Every outcome updates running sums in a ring buffer: O(1) per call, whatever the
 * window size. No timer runs: the move from open to half-open happens on the next call
 * (or the next read of `state`).
 */
export class CircuitBreaker implements Policy {
  readonly #o: ResolvedBreakerOptions;
  readonly #window: OutcomeWindow;
  /** The clock is only read when durations or time buckets matter. */
  readonly #timed: boolean;
  #state: BreakerState = 'closed';
  /** Bumped at every state change: outcomes of calls admitted earlier are ignored. */
  #epoch = 0;
  #openUntil = 0;
  #openings = 0;
  /** The last open duration: a decorrelated-jitter backoff draws the next from it. */
  #lastOpenMs = 0;
  #consecutive = 0;
  #probesStarted = 0;
  #probesSucceeded = 0;
  /** Reused by the trip check so a call allocates nothing for it. */
  readonly #totals = { calls: 0, failures: 0, slowCalls: 0 };
  /**
   * Outcomes are judged by the defaults alone (no `isFailure`, no `isResultFailure`): judging
   * a call cannot throw, so an untimed call can hand the caller the operation's own promise.
   */
  readonly #plainRules: boolean;
  /** No rate rule: only failures in a row can trip the breaker. */
  readonly #countsOnly: boolean;
  /** The epoch `#recordSuccess` and `#recordFailure` were made for. */
  #observersEpoch = -1;
  /** Records an untimed, normally admitted call's value; shared by the calls of one epoch. */
  #recordSuccess: (value: unknown) => void = noop;
  /** Records an untimed, normally admitted call's error; shared by the calls of one epoch. */
  #recordFailure: (error: unknown) => void = noop;

  #calls = 0;
  #successes = 0;
  #failures = 0;
  #slow = 0;
  #rejected = 0;
  #timeouts = 0;
  #ignored = 0;

  readonly #onStateChange = new Listeners<StateChangeEvent>();
  readonly #onSuccess = new Listeners<SuccessEvent>();
  readonly #onFailure = new Listeners<FailureEvent>();
  readonly #onSlow = new Listeners<SlowEvent>();
  readonly #onReject = new Listeners<BreakerRejectEvent>();
  readonly #onTimeout = new Listeners<TimeoutEvent>();

  constructor(options?: CircuitBreakerOptions) {
    const o = resolveBreakerOptions(options);
    this.#o = o;
    this.#window =
      o.window.type === 'count'
        ? new CountWindow(o.window.size)
        : new TimeWindow(o.window.durationMs, o.window.buckets ?? 10);
    this.#timed = o.window.type === 'time' || o.slowCallDurationMs !== Number.POSITIVE_INFINITY;
    this.#plainRules = o.isFailure === undefined && o.isResultFailure === undefined;
    this.#countsOnly =
      o.failureRateThreshold === Number.POSITIVE_INFINITY &&
      o.slowCallRateThreshold === Number.POSITIVE_INFINITY;
  }

  /** The breaker's name. */
  get name(): string {
    return this.#o.name;
  }

  /** The current state; an open breaker whose time is up reads (and becomes) half-open. */
  get state(): BreakerState {
    if (this.#state === 'open' && this.#o.clock.now() >= this.#openUntil) this.#toHalfOpen();
    return this.#state;
  }

  /**
   * Runs `fn` through the breaker. `fn` receives `{ signal }`: aborted when the caller's
   * signal aborts or this call's timeout fires (only this call; other calls are not
   * affected).
   *
   * @throws BreakerOpenError when the breaker refuses the call (with `retryAfterMs`).
   * @throws OperationTimeoutError when the call outlives its timeout.
   */
  execute<T>(fn: Operation<T>, options?: BreakerExecuteOptions): Promise<T> {
    // Not `async`: one `.then` costs less than an async frame, on the path every call takes.
    let signal: AbortSignal | undefined;
    let timeoutMs = this.#o.timeoutMs;
    let admission: number;
    try {
      if (typeof fn !== 'function') checkFunction('fn', fn);
      if (options !== undefined) {
        signal = checkBreakerCall(options);
        if (options.timeoutMs !== undefined) timeoutMs = options.timeoutMs;
      }
      admission = this.#admit();
    } catch (error) {
      return Promise.reject(error);
    }
    const epoch = this.#epoch;
    this.#calls++;
    const start =
      this.#timed || this.#onSuccess.active || this.#onFailure.active ? this.#o.clock.now() : -1;
    if (timeoutMs !== Number.POSITIVE_INFINITY) {
      return this.#executeWithTimeout(fn, signal, timeoutMs, epoch, admission, start);
    }
    let pending: T | PromiseLike<T>;
    try {
      pending = fn(signal === undefined ? IDLE_CONTEXT : { signal });
    } catch (error) {
      this.#settle(epoch, admission, classifyError(this.#o, error, signal), start, error);
      return Promise.reject(error);
    }
    if (signal === undefined && admission === NORMAL && start < 0 && this.#plainRules) {
      // The lean path: the outcome is recorded by reactions shared by every call of this
      // epoch, registered before the caller's, and the caller awaits the operation's own
      // promise: no closures per call, and the caller resumes in the turn that records the
      // outcome instead of the turn after.
      const result = Promise.resolve(pending);
      if (this.#observersEpoch !== epoch) this.#observe(epoch);
      result.then(this.#recordSuccess, this.#recordFailure);
      return result;
    }
    const settled =
      signal === undefined
        ? Promise.resolve(pending)
        : raceSignal(Promise.resolve(pending), signal);
    return settled.then(
      (value) => {
        this.#settle(epoch, admission, classifyResult(this.#o, value), start, value);
        return value;
      },
      (error: unknown) => {
        this.#settle(epoch, admission, classifyError(this.#o, error, signal), start, error);
        throw error;
      },
    );
  }

  /** The reactions of the lean path for calls admitted in `epoch`. */
  #observe(epoch: number): void {
    this.#observersEpoch = epoch;
    this.#recordSuccess = this.#countsOnly
      ? () => this.#settleLeanSuccess(epoch)
      : (value) => this.#settle(epoch, NORMAL, SUCCESS, -1, value);
    this.#recordFailure = (error) => this.#settle(epoch, NORMAL, FAILURE, -1, error);
  }

  /**
   * `#settle` of a lean-path success when no rate rule is set: untimed, so never slow, and
   * with no rate to check a success cannot trip the breaker, only reset the failures in a row.
   */
  #settleLeanSuccess(epoch: number): void {
    this.#successes++;
    if (this.#onSuccess.active) this.#onSuccess.emit({ durationMs: 0 });
    if (epoch !== this.#epoch) return;
    this.#consecutive = 0;
    this.#window.recordSuccess(0);
  }

  /** A call with a timer: through the shared `runOperation`, off the untimed hot path. */
  #executeWithTimeout<T>(
    fn: Operation<T>,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    epoch: number,
    admission: number,
    start: number,
  ): Promise<T> {
    let timedOut: OperationTimeoutError | undefined;
    return runOperation(fn, signal, timeoutMs, () => {
      timedOut = new OperationTimeoutError(timeoutMs);
      return timedOut;
    }).then(
      (value) => {
        this.#settle(epoch, admission, classifyResult(this.#o, value), start, value);
        return value;
      },
      (error: unknown) => {
        if (timedOut !== undefined && error === timedOut) {
          this.#timeouts++;
          if (this.#onTimeout.active) this.#onTimeout.emit({ timeoutMs });
          this.#settle(epoch, admission, FAILURE, start, error);
        } else {
          this.#settle(epoch, admission, classifyError(this.#o, error, signal), start, error);
        }
        throw error;
      },
    );
  }

  /** Lets a call through (saying how) or throws `BreakerOpenError`. */
  #admit(): number {
    switch (this.#state) {
      case 'closed':
      case 'metrics-only':
        return NORMAL;
      case 'disabled':
        return PASS_THROUGH;
      case 'open': {
        const now = this.#o.clock.now();
        if (now < this.#openUntil) this.#reject('open', this.#openUntil - now);
        this.#toHalfOpen();
        return this.#admitProbe();
      }
      case 'half-open':
        return this.#admitProbe();
      default:
        return this.#reject('forced-open', Number.POSITIVE_INFINITY);
    }
  }

  #admitProbe(): number {
    if (this.#probesStarted >= this.#o.permittedCallsInHalfOpen) this.#reject('half-open', 0);
    this.#probesStarted++;
    return PROBE;
  }

  #reject(state: 'open' | 'forced-open' | 'half-open', remainingMs: number): never {
    this.#rejected++;
    const retryAfterMs = wholeMs(remainingMs);
    if (this.#onReject.active) this.#onReject.emit({ state, retryAfterMs });
    throw new BreakerOpenError(this.#o.name, state, retryAfterMs);
  }

  /** Records one outcome and applies the trip and close rules; `start` < 0: not timed. */
  #settle(
    epoch: number,
    admission: number,
    outcome: CallOutcome,
    start: number,
    detail: unknown,
  ): void {
    const o = this.#o;
    const state = this.#state;
    const durationMs = start < 0 ? 0 : o.clock.now() - start;
    const slow = durationMs >= o.slowCallDurationMs;
    if (outcome === IGNORED || admission === PASS_THROUGH) {
      this.#ignored++;
      if (admission === PROBE && epoch === this.#epoch) this.#probesStarted--;
      return;
    }
    // Events report whole ms (rounded up); the slow rule compares the measure itself.
    if (outcome === FAILURE) {
      this.#failures++;
      if (this.#onFailure.active) {
        this.#onFailure.emit({ error: detail, durationMs: wholeMs(durationMs) });
      }
    } else {
      this.#successes++;
      if (this.#onSuccess.active) this.#onSuccess.emit({ durationMs: wholeMs(durationMs) });
    }
    if (slow) {
      this.#slow++;
      if (this.#onSlow.active) this.#onSlow.emit({ durationMs: wholeMs(durationMs) });
    }
    if (epoch !== this.#epoch) {
      // Admitted under an earlier state (e.g. before the breaker opened): not counted.
      return;
    }
    if (admission === PROBE) {
      if (probeFailed(o, outcome, slow)) this.#open('probe-failed');
      else if (++this.#probesSucceeded >= o.permittedCallsInHalfOpen) this.#close();
      return;
    }
    const failed = outcome === FAILURE;
    this.#consecutive = failed ? this.#consecutive + 1 : 0;
    this.#window.record(failed, slow, this.#timed ? start + durationMs : 0);
    if (state !== 'closed') return;
    if (this.#consecutive >= o.consecutiveFailures) {
      this.#open('consecutive-failures');
      return;
    }
    if (
      o.failureRateThreshold === Number.POSITIVE_INFINITY &&
      o.slowCallRateThreshold === Number.POSITIVE_INFINITY
    ) {
      return;
    }
    const totals = this.#window.totals(this.#timed ? start + durationMs : 0, this.#totals);
    if (totals.calls < o.minimumCalls) return;
    // Compare the ratio itself (as stats() reports it): `0.55 * 100` is not exactly 55.
    if (totals.failures / totals.calls >= o.failureRateThreshold) this.#open('failure-rate');
    else if (totals.slowCalls / totals.calls >= o.slowCallRateThreshold)
      this.#open('slow-call-rate');
  }

  #transition(to: BreakerState, reason?: TripReason): void {
    const from = this.#state;
    this.#state = to;
    this.#epoch++;
    if (this.#onStateChange.active) {
      this.#onStateChange.emit(reason === undefined ? { from, to } : { from, to, reason });
    }
  }

  #open(reason: TripReason): void {
    const o = this.#o;
    const duration = backoffDelay(o.backoff, this.#openings + 1, this.#lastOpenMs, o.random);
    this.#lastOpenMs = duration;
    this.#openings++;
    this.#openUntil = this.#o.clock.now() + duration;
    this.#transition('open', reason);
  }

  #toHalfOpen(): void {
    this.#probesStarted = 0;
    this.#probesSucceeded = 0;
    this.#transition('half-open');
  }

  #close(): void {
    this.#openings = 0;
    this.#consecutive = 0;
    this.#window.reset();
    this.#transition('closed');
  }

  // ------------------------------------------------------------- manual control

  /** Refuses every call until `reset()`. */
  forceOpen(): void {
    if (this.#state !== 'forced-open') this.#transition('forced-open');
  }

  /** Lets every call through and records nothing until `reset()`. */
  disable(): void {
    if (this.#state !== 'disabled') this.#transition('disabled');
  }

  /** Lets every call through and records outcomes, but never opens, until `reset()`. */
  metricsOnly(): void {
    if (this.#state !== 'metrics-only') this.#transition('metrics-only');
  }

  /** Back to `closed` with an empty window and no backoff history. */
  reset(): void {
    this.#openings = 0;
    this.#consecutive = 0;
    this.#window.reset();
    if (this.#state !== 'closed') this.#transition('closed');
  }

  // ------------------------------------------------------------- observing

  onStateChange(listener: (event: StateChangeEvent) => void): Unsubscribe {
    return this.#onStateChange.on(listener);
  }
  onSuccess(listener: (event: SuccessEvent) => void): Unsubscribe {
    return this.#onSuccess.on(listener);
  }
  onFailure(listener: (event: FailureEvent) => void): Unsubscribe {
    return this.#onFailure.on(listener);
  }
  onSlow(listener: (event: SlowEvent) => void): Unsubscribe {
    return this.#onSlow.on(listener);
  }
  onReject(listener: (event: BreakerRejectEvent) => void): Unsubscribe {
    return this.#onReject.on(listener);
  }
  onTimeout(listener: (event: TimeoutEvent) => void): Unsubscribe {
    return this.#onTimeout.on(listener);
  }

  stats(): BreakerStats {
    const state = this.state;
    const totals = this.#window.totals(this.#timed ? this.#o.clock.now() : 0);
    return {
      state,
      calls: this.#calls,
      successes: this.#successes,
      failures: this.#failures,
      slowCalls: this.#slow,
      rejected: this.#rejected,
      timeouts: this.#timeouts,
      ignored: this.#ignored,
      consecutiveFailures: this.#consecutive,
      openings: this.#openings,
      window: {
        ...totals,
        failureRate: totals.calls === 0 ? 0 : totals.failures / totals.calls,
        slowCallRate: totals.calls === 0 ? 0 : totals.slowCalls / totals.calls,
      },
    };
  }

  /** A serialisable snapshot of the state and the window, for `restore()`. */
  toJSON(): BreakerSnapshot {
    const now = this.#o.clock.now();
    const state = this.state;
    return {
      version: 1,
      state,
      openRemainingMs: state === 'open' ? wholeMs(this.#openUntil - now) : 0,
      lastOpenMs: this.#lastOpenMs,
      openings: this.#openings,
      consecutiveFailures: this.#consecutive,
      window: this.#window.snapshot(this.#timed ? now : 0),
    };
  }

  /**
   * Puts the breaker in the state of a snapshot from `toJSON()` (e.g. saved before a
   * restart). Half-open resumes with no probe taken.
   * @throws TypeError when the snapshot is malformed or its window type differs.
   */
  restore(snapshot: BreakerSnapshot): void {
    checkSnapshot(snapshot, this.#o.window.type);
    const now = this.#o.clock.now();
    this.#window.restore(snapshot.window, this.#timed ? now : 0);
    this.#openings = snapshot.openings;
    this.#consecutive = snapshot.consecutiveFailures;
    this.#openUntil = now + snapshot.openRemainingMs;
    // An older snapshot lacks the last full duration: what is left of it stands in.
    this.#lastOpenMs = snapshot.lastOpenMs ?? snapshot.openRemainingMs;
    this.#probesStarted = 0;
    this.#probesSucceeded = 0;
    // Always a new epoch: calls admitted before the restore must not count after it.
    this.#epoch++;
    if (snapshot.state !== this.#state) this.#transition(snapshot.state);
  }
}

function noop(): void {}

const STATES: readonly BreakerState[] = [
  'closed',
  'open',
  'half-open',
  'forced-open',
  'disabled',
  'metrics-only',
];

function checkSnapshot(
  value: unknown,
  windowType: 'count' | 'time',
): asserts value is BreakerSnapshot {
  const s = value as Partial<BreakerSnapshot> | null;
  const fail = (what: string): never => {
    throw new TypeError(`Expected a breaker snapshot from toJSON(): ${what}`);
  };
  if (typeof s !== 'object' || s === null) fail('got no object');
  if (s!.version !== 1) fail('`version` must be 1');
  if (!STATES.includes(s!.state as BreakerState)) fail('`state` is not a breaker state');
  for (const key of ['openRemainingMs', 'openings', 'consecutiveFailures'] as const) {
    const n = s![key];
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0)
      fail(`\`${key}\` must be a finite number >= 0`);
  }
  const lastOpenMs = s!.lastOpenMs;
  if (
    lastOpenMs !== undefined &&
    (typeof lastOpenMs !== 'number' || !Number.isFinite(lastOpenMs) || lastOpenMs < 0)
  ) {
    fail('`lastOpenMs` must be a finite number >= 0 when given');
  }
  const window = s!.window as WindowSnapshot | undefined;
  if (typeof window !== 'object' || window === null || window.type !== windowType) {
    fail(`\`window.type\` must be "${windowType}" like this breaker's window`);
  }
  const list = window!.type === 'count' ? window!.outcomes : window!.buckets;
  if (!Array.isArray(list)) fail('`window` holds no outcome list');
}
