import { checkFunction, Listeners, type Unsubscribe } from '@breakwater/core';
import { evalScript, type LuaScript, RedisCalls, type RedisOutcome } from '@breakwater/core/redis';
import {
  type CallOutcome,
  classifyError,
  classifyResult,
  FAILURE,
  IGNORED,
  probeFailed,
} from '../call-outcome.js';
import {
  type BreakerExecuteOptions,
  type BreakerRejectEvent,
  type BreakerState,
  CircuitBreaker,
  checkBreakerCall,
  type FailureEvent,
  type SlowEvent,
  type SuccessEvent,
  type TimeoutEvent,
  type TripReason,
} from '../circuit-breaker.js';
import { BreakerOpenError, OperationTimeoutError } from '../errors.js';
import { longestOpenMs } from '../options.js';
import type { Operation, Policy } from '../policy.js';
import { wholeMs } from '../whole-ms.js';
import {
  FleetBreakerClosedError,
  type FleetRedisErrorEvent,
  type FleetRedisOperation,
} from './errors.js';
import type {
  FleetBreakerStats,
  FleetMode,
  FleetStateChangeEvent,
  ModeChangeEvent,
} from './fleet-events.js';
import {
  type FleetCircuitBreakerOptions,
  type RedisClient,
  type ResolvedFleetOptions,
  resolveFleetOptions,
} from './options.js';
import { PendingCounts } from './pending-counts.js';
import { ADMIT_SCRIPT, type FleetView, parseReply, REPORT_SCRIPT, SYNC_SCRIPT } from './scripts.js';

type FleetState = 'closed' | 'open' | 'half-open';

/** How a script call ended: the fleet's view, or the failure (already counted). */
type Outcome = RedisOutcome<FleetView, FleetRedisOperation>;

/**
 * A circuit breaker whose window and state are shared by every instance with the same
 * `name`, through Redis (a single node or a Cluster).
 *
 * - Outcomes are counted locally and pushed every `syncIntervalMs` in one script call,
 *   which also reads the fleet's window and trips the breaker atomically when a rule
 *   fires. A call never waits for Redis, except to ask for a half-open probe slot.
 * - Open and half-open are fleet-wide: every instance refuses calls while open; when the
 *   open time is up, only `permittedCallsInHalfOpen` probes run across the fleet.
 * - When Redis fails, each instance goes on with a local `CircuitBreaker` with the same
 *   options (`onModeChange`), and comes back to the fleet on the next successful sync.
 */
export class FleetCircuitBreaker implements Policy, AsyncDisposable {
  readonly #o: ResolvedFleetOptions;
  readonly #local: CircuitBreaker;
  readonly #redis: RedisCalls<RedisClient, FleetRedisOperation>;
  readonly #pending: PendingCounts;
  readonly #stateKeys: readonly [state: string, open: string, probe: string];

  #mode: FleetMode = 'fleet';
  #view: FleetState = 'closed';
  /** Bumped at every change of the fleet view: outcomes of calls admitted earlier are dropped. */
  #viewEpoch = 0;
  /** The fleet's generation as last heard ('' before the first answer). */
  #gen = '';
  #openings = 0;
  #openUntil = 0;
  /** Half-open with every fleet slot taken: refuse without asking Redis until then. */
  #busyUntil = 0;
  #localProbes = 0;
  #admitting = 0;
  /** While true, the local breaker's state changes are not forwarded. */
  #quiet = false;

  #fleetCalls = 0;
  #fleetFailures = 0;
  #fleetSlow = 0;
  #syncedAt = Number.NEGATIVE_INFINITY;
  #rejected = 0;
  #syncs = 0;

  /** False until the client has been seen `'ready'`: see {@link FleetCircuitBreaker.#starting}. */
  #started = false;
  #readyListener: (() => void) | undefined;

  #chain: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  readonly #onStateChange = new Listeners<FleetStateChangeEvent>();
  readonly #onReject = new Listeners<BreakerRejectEvent>();
  readonly #onModeChange = new Listeners<ModeChangeEvent>();
  readonly #onError = new Listeners<FleetRedisErrorEvent>();

  /**
   * Starts syncing at once (the first sync is not awaited; `sync()` waits for it).
   * @throws TypeError/RangeError naming the option when an option is invalid.
   */
  constructor(options: FleetCircuitBreakerOptions) {
    const o = resolveFleetOptions(options);
    this.#o = o;
    this.#local = new CircuitBreaker(o.local);
    this.#local.metricsOnly();
    this.#local.onStateChange((event) => {
      if (this.#quiet || this.#mode !== 'local' || !this.#onStateChange.active) return;
      this.#onStateChange.emit({ ...event, mode: 'local' });
    });
    this.#redis = new RedisCalls(o.redis, o);
    this.#pending = new PendingCounts(o.buckets);
    this.#stateKeys = [`${o.keyBase}state`, `${o.keyBase}open`, `${o.keyBase}probe`];
    if (this.#starting()) {
      // Sync as soon as the client is ready, rather than at the next interval.
      this.#readyListener = () => void this.sync();
      onClient(o.redis, 'once', this.#readyListener);
    }
    void this.sync();
  }

  /**
   * True while the client is still making its first connection (`'connecting'` or
   * `'connect'`, never `'ready'` yet): syncs wait for it without reporting an outage.
   * A client that fails to connect leaves these states (`'reconnecting'`, `'end'`), and
   * from then on a skipped sync is an outage as usual.
   */
  #starting(): boolean {
    if (this.#started) return false;
    const status = this.#o.redis.status;
    if (status === 'ready') {
      this.#started = true;
      return false;
    }
    return status === 'connecting' || status === 'connect';
  }

  /** The fleet identity. */
  get name(): string {
    return this.#o.name;
  }

  /** `'fleet'` while Redis answers, `'local'` while this instance decides alone. */
  get mode(): FleetMode {
    return this.#mode;
  }

  /**
   * The state as this instance sees it: the fleet's as of the last sync (an open breaker
   * whose time is up reads half-open), or the local breaker's in local mode.
   */
  get state(): BreakerState {
    if (this.#mode === 'local') return this.#local.state;
    if (this.#view === 'open' && this.#o.breaker.clock.now() >= this.#openUntil) {
      this.#setView('half-open');
    }
    return this.#view;
  }

  /**
   * Runs `fn` through the breaker, like `CircuitBreaker.execute`: `fn` receives
   * `{ signal }`, aborted when the caller's signal aborts or this call times out.
   *
   * @throws BreakerOpenError when the fleet (or, in local mode, this instance) refuses
   *   the call, with `retryAfterMs`.
   * @throws OperationTimeoutError when the call outlives its timeout.
   * @throws FleetBreakerClosedError after `close()`.
   */
  async execute<T>(fn: Operation<T>, options?: BreakerExecuteOptions): Promise<T> {
    if (typeof fn !== 'function') checkFunction('fn', fn);
    const signal = options === undefined ? undefined : checkBreakerCall(options);
    if (this.#closed) throw new FleetBreakerClosedError(this.#o.name);
    if (this.#mode === 'local' || this.#admit()) return this.#run(fn, options, signal, undefined);
    return this.#executeHalfOpen(fn, options, signal);
  }

  /**
   * Pushes the outcomes recorded so far, reads the fleet's window and state, and trips
   * the fleet breaker if a rule fires; runs every `syncIntervalMs` on its own. Resolves
   * once done (after at most `redisTimeoutMs`, and after any sync already running);
   * never rejects. A failure moves this instance to local mode, a success back to fleet.
   */
  sync(): Promise<void> {
    if (this.#closed) return this.#chain;
    const next = this.#chain.then(() => this.#syncOnce()).catch(this.#failedSync);
    this.#chain = next;
    return next;
  }

  /**
   * Stops the sync timer, pushes what is pending one last time (every call that finished
   * before `close()`; on a client still connecting, after waiting up to `redisTimeoutMs`
   * for it) and waits for Redis calls still running (each bounded by `redisTimeoutMs`).
   * The caller's client is left connected. Afterwards `execute` rejects with
   * `FleetBreakerClosedError`; calls running at that moment finish normally, and their
   * outcomes are not pushed.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  // ---------------------------------------------------------------- observing

  /** This instance's view changed (fleet state, local state, or a mode switch). */
  onStateChange(listener: (event: FleetStateChangeEvent) => void): Unsubscribe {
    return this.#onStateChange.on(listener);
  }
  /** A call was refused, by the fleet's state or (in local mode) the local breaker. */
  onReject(listener: (event: BreakerRejectEvent) => void): Unsubscribe {
    const fleet = this.#onReject.on(listener);
    const local = this.#local.onReject(listener);
    const off = (): void => {
      fleet();
      local();
    };
    return Object.assign(off, { [Symbol.dispose]: off });
  }
  /** This instance moved to local mode (Redis failed) or back to fleet mode. */
  onModeChange(listener: (event: ModeChangeEvent) => void): Unsubscribe {
    return this.#onModeChange.on(listener);
  }
  /** Every failed Redis call: timeouts, calls skipped while unavailable, errors. */
  onError(listener: (event: FleetRedisErrorEvent) => void): Unsubscribe {
    return this.#onError.on(listener);
  }
  onSuccess(listener: (event: SuccessEvent) => void): Unsubscribe {
    return this.#local.onSuccess(listener);
  }
  onFailure(listener: (event: FailureEvent) => void): Unsubscribe {
    return this.#local.onFailure(listener);
  }
  onSlow(listener: (event: SlowEvent) => void): Unsubscribe {
    return this.#local.onSlow(listener);
  }
  onTimeout(listener: (event: TimeoutEvent) => void): Unsubscribe {
    return this.#local.onTimeout(listener);
  }

  stats(): FleetBreakerStats {
    const state = this.state;
    const local = this.#local.stats();
    const calls = this.#fleetCalls;
    return {
      state,
      mode: this.#mode,
      calls: local.calls,
      successes: local.successes,
      failures: local.failures,
      slowCalls: local.slowCalls,
      rejected: this.#rejected + local.rejected,
      timeouts: local.timeouts,
      ignored: local.ignored,
      fleet: {
        calls,
        failures: this.#fleetFailures,
        slowCalls: this.#fleetSlow,
        failureRate: calls === 0 ? 0 : this.#fleetFailures / calls,
        slowCallRate: calls === 0 ? 0 : this.#fleetSlow / calls,
        openings: this.#openings,
        syncedAgoMs: wholeMs(this.#o.breaker.clock.now() - this.#syncedAt),
      },
      pending: this.#pending.totals(),
      redis: {
        syncs: this.#syncs,
        ...this.#redis.stats(),
      },
      local,
    };
  }

  // ---------------------------------------------------------------- admission

  /** Fleet mode: true to run the call now; false to ask Redis for a probe slot; or throws. */
  #admit(): boolean {
    if (this.#view === 'closed') return true;
    const now = this.#o.breaker.clock.now();
    if (this.#view === 'open') {
      if (now < this.#openUntil) this.#reject('open', this.#openUntil - now);
      this.#setView('half-open');
    }
    const permitted = this.#o.breaker.permittedCallsInHalfOpen;
    if (this.#localProbes + this.#admitting >= permitted || now < this.#busyUntil) {
      this.#reject('half-open', 0);
    }
    return false;
  }

  async #executeHalfOpen<T>(
    fn: Operation<T>,
    options: BreakerExecuteOptions | undefined,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const o = this.#o;
    this.#admitting++;
    let outcome: Outcome;
    try {
      outcome = await this.#script('admit', ADMIT_SCRIPT, this.#stateKeys, [
        ...this.#commonArgs(),
        o.breaker.permittedCallsInHalfOpen,
        o.probeLeaseMs,
      ]);
    } finally {
      this.#admitting--;
    }
    if (!outcome.ok) {
      // Redis failed us: this instance decides alone from now on, this call included.
      this.#toLocal(outcome.event);
      return this.#run(fn, options, signal, undefined);
    }
    const view = outcome.value;
    const now = o.breaker.clock.now();
    this.#apply(view, now);
    switch (view.verdict) {
      case 'probe':
        this.#localProbes++;
        return this.#run(fn, options, signal, view.gen);
      case 'closed':
        return this.#run(fn, options, signal, undefined);
      case 'busy': {
        const leaseLeft = Math.max(0, view.extra[0] ?? 0);
        this.#busyUntil = now + Math.min(leaseLeft, o.syncIntervalMs);
        return this.#reject('half-open', 0);
      }
      default:
        return this.#reject('open', Math.max(0, this.#openUntil - now));
    }
  }

  #reject(state: 'open' | 'half-open', remainingMs: number): never {
    this.#rejected++;
    const retryAfterMs = wholeMs(remainingMs);
    if (this.#onReject.active) this.#onReject.emit({ state, retryAfterMs });
    throw new BreakerOpenError(this.#o.name, state, retryAfterMs);
  }

  // ---------------------------------------------------------------- running and recording

  /**
   * Runs the call through the local breaker (which owns timeouts and signals, keeps this
   * instance's window, and enforces in local mode), then records the outcome for the
   * fleet: a probe's is reported at once, any other call's waits for the next sync.
   */
  async #run<T>(
    fn: Operation<T>,
    options: BreakerExecuteOptions | undefined,
    signal: AbortSignal | undefined,
    probeGen: string | undefined,
  ): Promise<T> {
    const epoch = this.#viewEpoch;
    const start = this.#o.breaker.clock.now();
    let context: AbortSignal | undefined;
    const call: Operation<T> = (callContext) => {
      context = callContext.signal;
      return fn(callContext);
    };
    let value: T;
    try {
      value = await this.#local.execute(call, options);
    } catch (error) {
      this.#settle(this.#classifyError(error, signal, context), start, epoch, probeGen);
      throw error;
    }
    this.#settle(classifyResult(this.#o.breaker, value), start, epoch, probeGen);
    return value;
  }

  #classifyError(
    error: unknown,
    signal: AbortSignal | undefined,
    context: AbortSignal | undefined,
  ): CallOutcome {
    // Refused by the local breaker (or never started): says nothing about the dependency.
    if (context === undefined) return IGNORED;
    // This call's own timeout (the local breaker aborts the call's signal with it).
    if (error instanceof OperationTimeoutError && context.aborted && context.reason === error) {
      return FAILURE;
    }
    return classifyError(this.#o.breaker, error, signal);
  }

  #settle(outcome: CallOutcome, start: number, epoch: number, probeGen: string | undefined): void {
    const b = this.#o.breaker;
    const now = b.clock.now();
    const slow = now - start >= b.slowCallDurationMs;
    if (probeGen !== undefined) {
      this.#localProbes--;
      const report =
        outcome === IGNORED ? 'release' : probeFailed(b, outcome, slow) ? 'fail' : 'ok';
      this.#report(report, probeGen).catch((error: unknown) =>
        this.#fail({ operation: 'report', kind: 'error', error }),
      );
      return;
    }
    // An outcome admitted under an earlier fleet state (before an opening or closing) is
    // not counted, as in CircuitBreaker.
    if (outcome === IGNORED || epoch !== this.#viewEpoch) return;
    this.#pending.record(Math.floor(now / this.#o.bucketMs), outcome === FAILURE, slow);
  }

  async #report(outcome: 'ok' | 'fail' | 'release', gen: string): Promise<void> {
    const o = this.#o;
    const current = Math.floor(o.breaker.clock.now() / o.bucketMs);
    const result = await this.#script(
      'report',
      REPORT_SCRIPT,
      [...this.#stateKeys, ...this.#bucketKeys(current)],
      [...this.#commonArgs(), outcome, gen, o.breaker.permittedCallsInHalfOpen],
    );
    if (!result.ok) {
      this.#toLocal(result.event);
      return;
    }
    if (this.#mode === 'fleet') this.#apply(result.value, o.breaker.clock.now());
  }

  // ---------------------------------------------------------------- syncing

  /** A sync threw before or after Redis (the `clock` or `random` option threw): reported. */
  readonly #failedSync = (error: unknown): void => {
    this.#fail({ operation: 'sync', kind: 'error', error });
    this.#schedule();
  };

  async #syncOnce(): Promise<void> {
    clearTimeout(this.#timer);
    if (this.#starting()) {
      // Not an outage: the client has not connected yet. What is recorded waits.
      this.#schedule();
      return;
    }
    const o = this.#o;
    const b = o.breaker;
    const current = Math.floor(b.clock.now() / o.bucketMs);
    const oldest = current - o.buckets + 1;
    const batch = this.#pending.take(current);
    const args: Array<string | number> = [
      ...this.#commonArgs(),
      this.#gen,
      o.bucketTtlMs,
      b.minimumCalls,
      b.failureRateThreshold === Number.POSITIVE_INFINITY ? 0 : b.failureRateThreshold,
      b.slowCallRateThreshold === Number.POSITIVE_INFINITY ? 0 : b.slowCallRateThreshold,
    ];
    for (const counts of batch) {
      args.push(counts.bucket - oldest + 1, counts.calls, counts.failures, counts.slowCalls);
    }
    const outcome = await this.#script(
      'sync',
      SYNC_SCRIPT,
      [...this.#stateKeys, ...this.#bucketKeys(current)],
      args,
    );
    if (outcome.ok) {
      this.#synced(outcome.value);
    } else {
      // Counts never sent wait for the next sync; counts sent may have been applied, so
      // they are not sent twice.
      if (!outcome.sent) this.#pending.restore(batch);
      this.#toLocal(outcome.event);
    }
    this.#schedule();
  }

  #synced(view: FleetView): void {
    const [calls = 0, failures = 0, slow = 0] = view.extra;
    const now = this.#o.breaker.clock.now();
    this.#syncs++;
    this.#syncedAt = now;
    this.#fleetCalls = calls;
    this.#fleetFailures = failures;
    this.#fleetSlow = slow;
    if (this.#mode === 'fleet') {
      this.#apply(view, now);
    } else if (!this.#closed) {
      this.#toFleet(view, now);
    }
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.sync(), this.#o.syncIntervalMs);
    this.#timer.unref();
  }

  /**
   * ARGV[1…7] of every script: the open backoff (type, first or constant duration,
   * longest duration, multiplier, jitter), a random draw for it (taken here, so that
   * the script only applies `backoffDelay`'s formula; `0` when the backoff is not
   * random), the state's TTL.
   */
  #commonArgs(): Array<string | number> {
    const b = this.#o.breaker;
    const backoff = b.backoff;
    const args: Array<string | number> =
      backoff.type === 'constant'
        ? [backoff.type, backoff.delayMs, backoff.delayMs, 1, 0]
        : backoff.type === 'exponential'
          ? [
              backoff.type,
              backoff.initialDelayMs,
              backoff.maxDelayMs,
              backoff.multiplier,
              backoff.jitter,
            ]
          : [backoff.type, backoff.initialDelayMs, backoff.maxDelayMs, 1, 0];
    const random = backoff.type === 'decorrelated-jitter' || args[4] !== 0;
    args.push(random ? b.random() : 0, this.#o.stateTtlMs);
    return args;
  }

  #bucketKeys(current: number): string[] {
    const o = this.#o;
    const keys: string[] = [];
    // Counted by a small integer, never by incrementing a bucket number.
    for (let age = o.buckets - 1; age >= 0; age--) keys.push(`${o.keyBase}b:${current - age}`);
    return keys;
  }

  // ---------------------------------------------------------------- views and modes

  /** Adopts the fleet's state from a script's answer. */
  #apply(view: FleetView, now: number, silent = false): void {
    if (this.#gen !== '' && view.gen !== this.#gen) {
      // The fleet opened or closed since we last heard: what waits was recorded before.
      this.#pending.clear();
    }
    this.#gen = view.gen;
    this.#openings = view.openings;
    let next: FleetState;
    if (view.openLeftMs !== -2) {
      next = 'open';
      this.#openUntil = view.openLeftMs < 0 ? Number.POSITIVE_INFINITY : now + view.openLeftMs;
    } else {
      next = view.openings > 0 ? 'half-open' : 'closed';
    }
    if (next !== this.#view) this.#setView(next, view.reason, silent);
  }

  #setView(to: FleetState, reason?: TripReason, silent = false): void {
    const from = this.#view;
    this.#view = to;
    this.#viewEpoch++;
    this.#busyUntil = 0;
    if (silent || this.#mode !== 'fleet' || !this.#onStateChange.active) return;
    this.#onStateChange.emit(
      to === 'open' && reason !== undefined
        ? { from, to, reason, mode: 'fleet' }
        : { from, to, mode: 'fleet' },
    );
  }

  /** Redis failed: the local breaker takes over, starting from the fleet's last state. */
  #toLocal(event: FleetRedisErrorEvent): void {
    if (this.#mode === 'local' || this.#closed) return;
    const from = this.state;
    const now = this.#o.breaker.clock.now();
    const snapshot = this.#local.toJSON();
    const openRemainingMs =
      from === 'open' ? Math.min(this.#openUntil - now, longestOpenMs(this.#o.breaker.backoff)) : 0;
    this.#mode = 'local';
    this.#quiet = true;
    try {
      this.#local.restore({
        ...snapshot,
        state: from,
        openRemainingMs: Math.max(0, openRemainingMs),
        openings: this.#openings,
        consecutiveFailures: 0,
      });
    } finally {
      this.#quiet = false;
    }
    // The local breaker now stands where the fleet stood: no state change to report.
    if (this.#onModeChange.active) {
      this.#onModeChange.emit({ mode: 'local', reason: event.kind, error: event.error });
    }
  }

  /** A sync succeeded in local mode: back to the fleet's state. */
  #toFleet(view: FleetView, now: number): void {
    const from = this.#local.state;
    this.#mode = 'fleet';
    this.#quiet = true;
    try {
      this.#local.metricsOnly();
    } finally {
      this.#quiet = false;
    }
    this.#apply(view, now, true);
    if (this.#onModeChange.active) this.#onModeChange.emit({ mode: 'fleet', reason: 'resynced' });
    const to = this.#view;
    if (to !== from && this.#onStateChange.active) {
      this.#onStateChange.emit(
        to === 'open' && view.reason !== undefined
          ? { from, to, reason: view.reason, mode: 'fleet' }
          : { from, to, mode: 'fleet' },
      );
    }
  }

  /** Runs a script through the guarded client; a failure (counted there) is reported. */
  async #script(
    operation: FleetRedisOperation,
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<Outcome> {
    const outcome = await this.#redis.run(operation, async (client, call) =>
      parseReply(await evalScript(client, operation, script, keys, args, call)),
    );
    if (!outcome.ok && this.#onError.active) this.#onError.emit(outcome.event);
    return outcome;
  }

  /** A failure outside the guarded calls (a sync that threw): counted and reported. */
  readonly #fail = (event: FleetRedisErrorEvent): void => {
    this.#redis.count(event);
    if (this.#onError.active) this.#onError.emit(event);
  };

  async #shutdown(): Promise<void> {
    // The last sync pushes what is pending; it runs after any sync already queued, after
    // the calls whose function has already settled have recorded their outcome (one turn
    // of the event loop), and, on a client still connecting, once it is ready (waiting
    // at most `redisTimeoutMs`).
    const last = this.#chain
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => this.#waitUntilStarted())
      .then(() => {
        this.#started = true; // a client still not ready now is an outage: reported
        return this.#syncOnce();
      })
      .catch(this.#failedSync);
    this.#chain = last;
    this.#closed = true;
    clearTimeout(this.#timer);
    await last;
    this.#stopListening();
    await this.#redis.drain();
  }

  /** Resolves once the client is no longer making its first connection, or after `redisTimeoutMs`. */
  #waitUntilStarted(): Promise<void> {
    if (!this.#starting()) return Promise.resolve();
    const redis = this.#o.redis;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        onClient(redis, 'off', done);
        resolve();
      };
      const timer = setTimeout(done, this.#o.redisTimeoutMs);
      timer.unref();
      onClient(redis, 'once', done);
    });
  }

  #stopListening(): void {
    if (this.#readyListener === undefined) return;
    onClient(this.#o.redis, 'off', this.#readyListener);
    this.#readyListener = undefined;
  }
}

/** Adds or removes a `'ready'` listener on the client, if it is an event emitter. */
function onClient(redis: RedisClient, method: 'once' | 'off', listener: () => void): void {
  const emitter = redis as unknown as Partial<Record<'once' | 'off', unknown>>;
  const fn = emitter[method];
  if (typeof fn === 'function') fn.call(redis, 'ready', listener);
}
