import {
  backoffDelay,
  checkFunction,
  checkKnownKeys,
  checkNumber,
  checkOptions,
  checkSignal,
  type Deferred,
  deferred,
  Listeners,
  promiseTry,
  raceOperation,
  type Unsubscribe,
  Waiter,
  weakInterval,
} from '@breakwater/core';
import {
  CreateTimeoutError,
  InvalidResourceError,
  NotBorrowedError,
  PoolClosedError,
  PoolCloseTimeoutError,
  PoolFullError,
  PoolTimeoutError,
  ValidateTimeoutError,
} from './errors.js';
import {
  MAX_TIMER_MS,
  type PoolOptions,
  type ResolvedPoolOptions,
  resolvePoolOptions,
} from './options.js';

/** Options of `acquire`, `lease` and `use`. */
export interface PoolAcquireOptions {
  /** Gives up waiting when aborted (rejects with `signal.reason`). */
  signal?: AbortSignal | undefined;
  /** How long to wait for a resource. @default the pool's `acquireTimeoutMs` */
  timeoutMs?: number | undefined;
  /** Higher goes first; equal priorities are served in arrival order. @default 0 */
  priority?: number | undefined;
}

/** A lent resource that returns itself to the pool with `await using`. */
export interface Lease<T> extends AsyncDisposable {
  readonly resource: T;
  /** Returns the resource to the pool (idempotent). */
  release(): Promise<void>;
  /** Destroys the resource instead of returning it (idempotent). */
  destroy(): Promise<void>;
}

/** What `use`'s callback receives besides the resource. */
export interface UseContext {
  /** Destroy the resource afterwards instead of returning it. */
  markBroken(): void;
}

/** Why a resource was destroyed. */
export type DestroyReason = 'idle' | 'lifetime' | 'invalid' | 'broken' | 'closed' | 'late';

export interface CreateEvent<T> {
  resource: T;
}
export interface DestroyEvent<T> {
  resource: T;
  reason: DestroyReason;
}
export interface CreateErrorEvent {
  error: unknown;
  /** Failed creates in a row. */
  failures: number;
  /** Delay before the next create attempt. */
  retryInMs: number;
}
export interface LeakEvent<T> {
  resource: T;
  heldMs: number;
  /** Stack of the `acquire` call that took the resource. */
  stack: string | undefined;
}
export interface DestroyErrorEvent<T> {
  resource: T;
  error: unknown;
}

/** A snapshot of the pool's counters, from `stats()`. */
export interface PoolStats {
  /** Resources in existence: idle + borrowed + being validated. */
  size: number;
  idle: number;
  borrowed: number;
  /** Callers waiting for a resource. */
  waiting: number;
  /** Creates in flight. */
  creating: number;
  created: number;
  destroyed: number;
  createErrors: number;
  timeouts: number;
  leaks: number;
}

interface Entry<T> {
  readonly resource: T;
  readonly retireAt: number;
  /** When it was last returned (or made); `UNSTAMPED` until the housekeeping stamps it. */
  lastUsed: number;
  lastChecked: number;
  /** True while a caller holds it. */
  lent: boolean;
  lentAt: number;
  leakTimer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * A caller of `acquire` in the queue: its promise, and the abort listener (the waiter itself)
 * that takes it out of the queue when the caller's signal aborts. Settled once: whoever takes
 * it out of the queue settles it.
 */
class Queued<T> {
  readonly promise: Promise<T>;
  #resolve!: (value: T) => void;
  #reject!: (reason: unknown) => void;
  #signal: AbortSignal | undefined;
  readonly #leave: (waiter: Queued<T>) => void;

  constructor(
    readonly priority: number,
    readonly since: number,
    readonly deadline: number,
    readonly timeoutMs: number,
    readonly origin: Error | undefined,
    signal: AbortSignal | undefined,
    leave: (waiter: Queued<T>) => void,
  ) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#leave = leave;
    if (signal !== undefined) {
      this.#signal = signal;
      signal.addEventListener('abort', this, { once: true });
    }
  }

  resolve(value: T): void {
    this.#stopListening();
    this.#resolve(value);
  }

  reject(reason: unknown): void {
    this.#stopListening();
    this.#reject(reason);
  }

  #stopListening(): void {
    if (this.#signal === undefined) return;
    this.#signal.removeEventListener('abort', this);
    this.#signal = undefined;
  }

  /** @internal The abort listener: leaves the queue and rejects with the signal's reason. */
  handleEvent(): void {
    const signal = this.#signal;
    if (signal === undefined) return;
    this.#leave(this);
    this.reject(signal.reason);
  }
}

/**
 * An async resource pool that cannot hang: every `acquire` has a finite timeout, failed
 * creates back off exponentially (never a busy loop) and waiters that time out carry the
 * last create error as `cause`. Idle resources are evicted by default, resources retire
 * after a jittered lifetime, and `close()` leaves no resource and no timer behind.
 *
 * Accounting invariant: `created = destroyed + idle + borrowed + being validated`.
 */
export class Pool<T> implements AsyncDisposable {
  readonly #o: ResolvedPoolOptions<T>;
  readonly #idle: Entry<T>[] = [];
  /**
   * Every resource the pool holds (idle, lent or being validated) and its entry: refuses
   * duplicates, and finds the entry of a resource given back (lent ones have `lent` set).
   */
  readonly #live = new Map<T, Entry<T>>();
  /** Resources lent out now. */
  #borrowed = 0;
  /**
   * Waiting callers, highest priority first, arrival order within a priority, from `#head`
   * on: taking the first one moves `#head` (no shift), and the slots before it are reclaimed
   * in bulk.
   */
  readonly #queue: (Queued<T> | undefined)[] = [];
  #head = 0;
  readonly #leave = (waiter: Queued<T>): void => {
    this.#removeWaiter(waiter);
  };
  #creating = 0;
  #checking = 0;
  #closed = false;
  #createFailures = 0;
  /** The last create backoff delay (decorrelated jitter grows from it). */
  #retryDelay = 0;
  #retryAt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  #deadlineAt = 0;
  #lastCreateError: { error: unknown; at: number } | undefined;
  /**
   * The latest clock reading (never later than now): a returned resource whose `retireAt`
   * it has reached is retired without reading the clock again. The housekeeping reads the
   * clock every `housekeepingIntervalMs`, so a lent resource is retired on return at most
   * that long after its lifetime, or at the next housekeeping if it goes idle.
   */
  #seen = Number.NEGATIVE_INFINITY;
  readonly #housekeeping: ReturnType<typeof setInterval> | undefined;
  readonly #pendingWork = new Set<Promise<unknown>>();
  readonly #creates = new Set<AbortController>();
  readonly #drained = new Set<() => void>();

  #created = 0;
  #destroyed = 0;
  #createErrors = 0;
  #timeouts = 0;
  #leaks = 0;

  readonly #onCreate = new Listeners<CreateEvent<T>>();
  readonly #onDestroy = new Listeners<DestroyEvent<T>>();
  readonly #onCreateError = new Listeners<CreateErrorEvent>();
  readonly #onLeak = new Listeners<LeakEvent<T>>();
  readonly #onDestroyError = new Listeners<DestroyErrorEvent<T>>();

  constructor(options: PoolOptions<T>) {
    this.#o = resolvePoolOptions(options);
    const o = this.#o;
    if (o.idleTimeoutMs > 0 || o.maxLifetimeMs > 0 || o.keepaliveMs > 0 || o.min > 0) {
      this.#housekeeping = weakInterval(this, o.housekeepingIntervalMs, (pool) => pool.housekeep());
    }
    this.#fill();
  }

  // ------------------------------------------------------------------ borrowing

  /**
   * A resource, once one is free (or created). Rejects with `PoolTimeoutError` after
   * `timeoutMs`, with `PoolFullError` at once when `maxWaiting` callers already wait,
   * with `signal.reason` when aborted, and with `PoolClosedError` after `close()`.
   */
  acquire(options?: PoolAcquireOptions): Promise<T> {
    return this.#acquire(options);
  }

  /** Like `acquire`, as a `Lease` for `await using lease = await pool.lease()`. */
  async lease(options?: PoolAcquireOptions): Promise<Lease<T>> {
    const resource = await this.#acquire(options);
    let done: Promise<void> | undefined;
    const release = (): Promise<void> => {
      done ??= this.release(resource);
      return done;
    };
    return {
      resource,
      release,
      destroy: () => {
        done ??= this.destroy(resource);
        return done;
      },
      [Symbol.asyncDispose]: release,
    };
  }

  /**
   * Runs `fn` with a resource and returns it afterwards — also when `fn` throws an
   * ordinary error. The resource is destroyed only if `fn` calls `markBroken()` or
   * validation on return fails.
   */
  async use<R>(
    fn: (resource: T, context: UseContext) => R | PromiseLike<R>,
    options?: PoolAcquireOptions,
  ): Promise<R> {
    checkFunction('fn', fn);
    const resource = await this.acquire(options);
    let broken = false;
    const context: UseContext = {
      markBroken: () => {
        broken = true;
      },
    };
    try {
      return await fn(resource, context);
    } finally {
      await (broken ? this.destroy(resource) : this.release(resource));
    }
  }

  /**
   * Returns a lent resource. With `validateOnReturn` it is validated first (and
   * destroyed if invalid); past its lifetime it is destroyed and replaced.
   * @throws NotBorrowedError for a resource not lent out (double release, another pool's).
   */
  release(resource: T): Promise<void> {
    const entry = this.#live.get(resource);
    if (entry === undefined || !entry.lent) {
      return Promise.reject(new NotBorrowedError('release'));
    }
    this.#unlend(entry);
    if (this.#closed) return this.#destroy(entry, 'closed');
    const o = this.#o;
    if (o.validate === undefined) {
      // No clock read: the lifetime is judged by the last reading (see `#seen`), and an idle
      // resource gets its time of last use from the next housekeeping (see `housekeep`).
      if (this.#seen >= entry.retireAt) return this.#retire(entry);
      if (this.#waiting() > 0) {
        this.#handTo(entry, this.#nextWaiter()!);
      } else {
        entry.lastUsed = UNSTAMPED;
        this.#idle.push(entry);
      }
      return RESOLVED;
    }
    const now = this.#now();
    if (now >= entry.retireAt) return this.#retire(entry);
    entry.lastUsed = now;
    if (o.validateOnReturn) {
      return this.#check(entry).then(() => undefined);
    }
    this.#returnIdle(entry);
    return RESOLVED;
  }

  /** Destroys a returned resource past its lifetime and serves the waiters without it. */
  #retire(entry: Entry<T>): Promise<void> {
    const done = this.#destroy(entry, 'lifetime');
    this.#dispatch();
    return done;
  }

  /**
   * Destroys a lent resource that is broken, instead of returning it.
   * @throws NotBorrowedError for a resource not lent out.
   */
  destroy(resource: T): Promise<void> {
    const entry = this.#live.get(resource);
    if (entry === undefined || !entry.lent) {
      return Promise.reject(new NotBorrowedError('destroy'));
    }
    this.#unlend(entry);
    const done = this.#destroy(entry, 'broken');
    this.#dispatch();
    return done;
  }

  // ------------------------------------------------------------------ closing

  /**
   * Stops the pool: rejects waiting and later `acquire` calls with `PoolClosedError`,
   * destroys idle resources, waits up to `timeoutMs` (default 30 s; `0`: not at all) for
   * lent ones to come back (each is destroyed when it does) and for creates, validations
   * and destroys in flight. Keeps no timer.
   * @throws PoolCloseTimeoutError when resources are still lent at `timeoutMs` (the pool
   *   is closed all the same; each is destroyed when it is released). Creates, validations
   *   and destroys still running then are bounded by their own timeouts and end unwatched.
   */
  async close(options?: { timeoutMs?: number | undefined }): Promise<void> {
    const raw = checkOptions('options', options);
    checkKnownKeys('options', raw, ['timeoutMs']);
    const timeoutMs = checkNumber('timeoutMs', raw.timeoutMs, {
      min: 0,
      max: MAX_TIMER_MS,
      default: 30_000,
    });
    if (!this.#closed) {
      this.#closed = true;
      if (this.#housekeeping !== undefined) clearInterval(this.#housekeeping);
      if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
      if (this.#deadlineTimer !== undefined) clearTimeout(this.#deadlineTimer);
      this.#deadlineTimer = undefined;
      const waiting = this.#queue.splice(this.#head) as Queued<T>[];
      this.#queue.length = 0;
      this.#head = 0;
      for (const waiter of waiting) waiter.reject(new PoolClosedError());
      for (const entry of this.#idle.splice(0)) void this.#destroy(entry, 'closed');
      for (const controller of this.#creates) controller.abort(new PoolClosedError());
    }
    await this.#settleWithin(timeoutMs);
    if (this.#borrowed > 0) throw new PoolCloseTimeoutError(timeoutMs, this.#borrowed);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Waits until nothing is lent, created, validated or destroyed, or `timeoutMs`. */
  async #settleWithin(timeoutMs: number): Promise<void> {
    if (timeoutMs === 0) return;
    const deadline: Waiter<'timeout'> = new Waiter({
      timeoutMs,
      onTimeout: () => deadline.resolve('timeout'),
    });
    let drained: Deferred<void> | undefined;
    try {
      while (
        this.#borrowed > 0 ||
        this.#creating > 0 ||
        this.#checking > 0 ||
        this.#pendingWork.size > 0
      ) {
        if (drained !== undefined) this.#drained.delete(drained.resolve);
        drained = deferred<void>();
        this.#drained.add(drained.resolve);
        const outcome = await Promise.race([
          deadline.promise,
          this.#pendingWork.size > 0
            ? Promise.allSettled([...this.#pendingWork]).then(() => 'work' as const)
            : drained.promise.then(() => 'work' as const),
        ]);
        if (outcome === 'timeout') return;
      }
    } finally {
      deadline.stopWaiting();
      if (drained !== undefined) this.#drained.delete(drained.resolve);
    }
  }

  // ------------------------------------------------------------------ observing

  onCreate(listener: (event: CreateEvent<T>) => void): Unsubscribe {
    return this.#onCreate.on(listener);
  }
  onDestroy(listener: (event: DestroyEvent<T>) => void): Unsubscribe {
    return this.#onDestroy.on(listener);
  }
  onCreateError(listener: (event: CreateErrorEvent) => void): Unsubscribe {
    return this.#onCreateError.on(listener);
  }
  onLeak(listener: (event: LeakEvent<T>) => void): Unsubscribe {
    return this.#onLeak.on(listener);
  }
  onDestroyError(listener: (event: DestroyErrorEvent<T>) => void): Unsubscribe {
    return this.#onDestroyError.on(listener);
  }

  stats(): PoolStats {
    return {
      size: this.#idle.length + this.#borrowed + this.#checking,
      idle: this.#idle.length,
      borrowed: this.#borrowed,
      waiting: this.#waiting(),
      creating: this.#creating,
      created: this.#created,
      destroyed: this.#destroyed,
      createErrors: this.#createErrors,
      timeouts: this.#timeouts,
      leaks: this.#leaks,
    };
  }

  // ------------------------------------------------------------------ internals

  #acquire(options: PoolAcquireOptions | undefined): Promise<T> {
    if (this.#closed) return Promise.reject(new PoolClosedError());
    let timeoutMs = this.#o.acquireTimeoutMs;
    let priority = 0;
    let signal: AbortSignal | undefined;
    if (options !== undefined) {
      try {
        checkKnownKeys('options', checkOptions('options', options), [
          'signal',
          'timeoutMs',
          'priority',
        ]);
        signal = checkSignal('signal', options.signal);
        timeoutMs = checkNumber('timeoutMs', options.timeoutMs, {
          min: 0,
          exclusiveMin: true,
          max: MAX_TIMER_MS,
          default: timeoutMs,
        });
        priority = checkNumber('priority', options.priority, { default: 0 });
      } catch (error) {
        return Promise.reject(error);
      }
      if (signal?.aborted === true) return Promise.reject(signal.reason);
    }
    // Fast path: an idle resource, nobody ahead, nothing to validate.
    if (this.#waiting() === 0 && this.#idle.length > 0 && this.#o.validate === undefined) {
      const entry = this.#takeIdle()!;
      this.#lend(
        entry,
        this.#o.leakDetectionMs > 0 ? new Error('Resource acquired here') : undefined,
      );
      return Promise.resolve(entry.resource);
    }
    if (this.#waiting() >= this.#o.maxWaiting) {
      return Promise.reject(
        new PoolFullError(this.#borrowed, this.#o.max, this.#waiting(), this.#o.maxWaiting),
      );
    }
    const since = this.#now();
    const waiter = new Queued<T>(
      priority,
      since,
      since + timeoutMs,
      timeoutMs,
      this.#o.leakDetectionMs > 0 ? new Error('Resource acquired here') : undefined,
      signal,
      this.#leave,
    );
    this.#armDeadline(waiter.deadline, timeoutMs);
    this.#enqueue(waiter);
    this.#dispatch();
    return waiter.promise;
  }

  /**
   * One timer serves every waiter's deadline: it is set for the earliest one and, when it
   * fires, rejects the waiters whose time is up and re-arms for the next. A waiter that
   * gets a resource costs no timer work.
   */
  #armDeadline(deadline: number, delayMs: number): void {
    if (this.#deadlineTimer !== undefined && this.#deadlineAt <= deadline) return;
    if (this.#deadlineTimer !== undefined) clearTimeout(this.#deadlineTimer);
    this.#deadlineAt = deadline;
    this.#deadlineTimer = setTimeout(() => this.#expireWaiters(), delayMs);
  }

  #expireWaiters(): void {
    this.#deadlineTimer = undefined;
    // Trust the timer as much as the clock (an injected clock may not follow timers).
    const now = Math.max(this.#now(), this.#deadlineAt);
    let next = Number.POSITIVE_INFINITY;
    for (const waiter of this.#queue.slice(this.#head) as Queued<T>[]) {
      if (waiter.deadline <= now) {
        this.#removeWaiter(waiter);
        this.#timeouts++;
        waiter.reject(this.#timeoutError(waiter));
      } else if (waiter.deadline < next) {
        next = waiter.deadline;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.#armDeadline(next, next - now);
  }

  #timeoutError(waiter: Queued<T>): PoolTimeoutError {
    const failure = this.#lastCreateError;
    const detail = `${this.#borrowed}/${this.#o.max} in use, ${this.#waiting()} waiting`;
    if (failure !== undefined && failure.at >= waiter.since) {
      return new PoolTimeoutError(
        waiter.timeoutMs,
        `${detail}; creating a resource failed ${this.#createFailures} time(s) in a row`,
        failure.error,
      );
    }
    return new PoolTimeoutError(waiter.timeoutMs, detail);
  }

  /** Reads the clock, remembering the reading in `#seen`. */
  #now(): number {
    const now = this.#o.clock.now();
    this.#seen = now;
    return now;
  }

  /** Callers waiting now. */
  #waiting(): number {
    return this.#queue.length - this.#head;
  }

  /** Behind every waiter of the same or a higher priority: a push unless it overtakes some. */
  #enqueue(waiter: Queued<T>): void {
    const queue = this.#queue;
    let i = queue.length;
    while (i > this.#head && queue[i - 1]!.priority < waiter.priority) i--;
    if (i === queue.length) queue.push(waiter);
    else queue.splice(i, 0, waiter);
  }

  #removeWaiter(waiter: Queued<T>): boolean {
    const index = this.#queue.indexOf(waiter, this.#head);
    if (index < 0) return false;
    this.#queue.splice(index, 1);
    this.#noWaitersLeft();
    return true;
  }

  #nextWaiter(): Queued<T> | undefined {
    const queue = this.#queue;
    const head = this.#head;
    if (head === queue.length) return undefined;
    const waiter = queue[head];
    queue[head] = undefined;
    this.#head = head + 1;
    if (head + 1 === queue.length) {
      queue.length = 0;
      this.#head = 0;
    } else if (head >= COMPACT_AFTER && head * 2 >= queue.length) {
      queue.splice(0, head + 1);
      this.#head = 0;
    }
    this.#noWaitersLeft();
    return waiter;
  }

  /** With nobody waiting, the deadline timer must not hold the process open. */
  #noWaitersLeft(): void {
    if (this.#waiting() === 0 && this.#deadlineTimer !== undefined) {
      clearTimeout(this.#deadlineTimer);
      this.#deadlineTimer = undefined;
    }
  }

  #takeIdle(): Entry<T> | undefined {
    return this.#o.reuse === 'lifo' ? this.#idle.pop() : this.#idle.shift();
  }

  #lend(entry: Entry<T>, origin: Error | undefined): void {
    entry.lent = true;
    this.#borrowed++;
    const leakMs = this.#o.leakDetectionMs;
    if (leakMs > 0) {
      // Only a leak report reads when it was lent: without one, lending reads no clock.
      entry.lentAt = this.#now();
      const timer = setTimeout(() => {
        entry.leakTimer = undefined;
        this.#leaks++;
        if (this.#onLeak.active) {
          const heldMs = this.#o.clock.now() - entry.lentAt;
          this.#onLeak.emit({ resource: entry.resource, heldMs, stack: origin?.stack });
        }
      }, leakMs);
      timer.unref();
      entry.leakTimer = timer;
    }
  }

  #unlend(entry: Entry<T>): void {
    entry.lent = false;
    this.#borrowed--;
    if (entry.leakTimer !== undefined) {
      clearTimeout(entry.leakTimer);
      entry.leakTimer = undefined;
    }
    this.#maybeDrained();
  }

  #returnIdle(entry: Entry<T>): void {
    if (this.#waiting() > 0 && this.#o.validate === undefined) {
      this.#handTo(entry, this.#nextWaiter()!);
      return;
    }
    this.#idle.push(entry);
    // Nobody waits: nothing to serve, and no create is wanted.
    if (this.#waiting() > 0) this.#dispatch();
  }

  /** Serves waiters from idle resources, then starts the creates the rest need. */
  #dispatch(): void {
    if (this.#closed) return;
    const o = this.#o;
    while (this.#waiting() > 0 && this.#idle.length > 0) {
      if (o.validate !== undefined) {
        if (this.#checking >= this.#waiting()) break;
        void this.#check(this.#takeIdle()!);
        continue;
      }
      const entry = this.#takeIdle()!;
      this.#handTo(entry, this.#nextWaiter()!);
    }
    const wanted = this.#waiting() - this.#creating - this.#checking;
    const room = o.max - (this.#idle.length + this.#borrowed + this.#checking + this.#creating);
    this.#startCreates(Math.min(wanted, room));
  }

  /** Tops the pool up to `min`. */
  #fill(): void {
    if (this.#closed) return;
    const size = this.#idle.length + this.#borrowed + this.#checking + this.#creating;
    this.#startCreates(this.#o.min - size);
  }

  #startCreates(count: number): void {
    if (count <= 0) return;
    const now = this.#now();
    if (now < this.#retryAt) {
      this.#scheduleRetry(this.#retryAt - now);
      return;
    }
    // After a failure, probe with one create at a time until one succeeds.
    const allowed = this.#createFailures > 0 ? Math.min(count, 1 - this.#creating) : count;
    for (let i = 0; i < allowed; i++) this.#create();
  }

  #scheduleRetry(delayMs: number): void {
    if (this.#retryTimer !== undefined) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#dispatch();
      this.#fill();
    }, delayMs);
    this.#retryTimer.unref();
  }

  #create(): void {
    const o = this.#o;
    this.#creating++;
    const controller = new AbortController();
    this.#creates.add(controller);
    let made: Promise<T> | undefined;
    let kept = false;
    const work = raceOperation(
      (signal) => {
        made = promiseTry(o.create, signal);
        return made;
      },
      {
        signal: controller.signal,
        timeoutMs: o.createTimeoutMs,
        timeoutReason: () => new CreateTimeoutError(o.createTimeoutMs),
      },
    ).then(
      (resource) => {
        kept = true;
        const refused = this.#refuse(resource);
        if (refused !== undefined) {
          this.#createFailed(controller, refused);
          return;
        }
        this.#finishCreate(controller);
        const now = this.#now();
        const lifetime =
          o.maxLifetimeMs > 0
            ? o.maxLifetimeMs * (1 - o.lifetimeJitter * o.random())
            : Number.POSITIVE_INFINITY;
        const entry: Entry<T> = {
          resource,
          retireAt: now + lifetime,
          lastUsed: now,
          lastChecked: now,
          lent: false,
          lentAt: 0,
          leakTimer: undefined,
        };
        this.#created++;
        this.#live.set(resource, entry);
        this.#createFailures = 0;
        this.#retryAt = 0;
        if (this.#onCreate.active) this.#onCreate.emit({ resource });
        if (this.#closed) {
          void this.#destroy(entry, 'closed');
          return;
        }
        const waiter = this.#nextWaiter();
        if (waiter === undefined) this.#idle.push(entry);
        else this.#handTo(entry, waiter);
        this.#dispatch();
      },
      (error: unknown) => this.#createFailed(controller, error),
    );
    // A create that outlives its timeout may still deliver: never leak what it made.
    made?.then(
      (resource) =>
        work.then(() => {
          if (!kept) void this.#destroyLate(resource);
        }),
      () => {},
    );
    this.#track(work);
  }

  /**
   * Why a created value cannot be lent: `undefined`/`null`, or a value the pool already
   * holds (lending it would hand one resource to two callers).
   */
  #refuse(resource: T): InvalidResourceError | undefined {
    if (resource === undefined || resource === null) {
      return new InvalidResourceError('missing', resource);
    }
    return this.#live.has(resource) ? new InvalidResourceError('duplicate', resource) : undefined;
  }

  #createFailed(controller: AbortController, error: unknown): void {
    const o = this.#o;
    this.#finishCreate(controller);
    if (this.#closed) return;
    this.#createErrors++;
    this.#createFailures++;
    const now = this.#now();
    this.#lastCreateError = { error, at: now };
    const delay = backoffDelay(o.createBackoff, this.#createFailures, this.#retryDelay, o.random);
    this.#retryDelay = delay;
    this.#retryAt = now + delay;
    if (this.#onCreateError.active) {
      this.#onCreateError.emit({ error, failures: this.#createFailures, retryInMs: delay });
    }
    this.#dispatch();
    this.#fill();
  }

  #finishCreate(controller: AbortController): void {
    this.#creates.delete(controller);
    this.#creating--;
    this.#maybeDrained();
  }

  /** Validates an entry out of idle; valid ones go back through `#returnIdle`. */
  #check(entry: Entry<T>): Promise<boolean> {
    const o = this.#o;
    this.#checking++;
    // Only `false` (or a throw, rejection or timeout) condemns the resource: a ping that
    // answers 'PONG' or nothing at all says it is alive.
    const work = raceOperation((signal) => o.validate!(entry.resource, signal), {
      timeoutMs: o.createTimeoutMs,
      timeoutReason: () => new ValidateTimeoutError(o.createTimeoutMs),
    })
      .then(
        (answer) => answer !== false,
        () => false,
      )
      .then((ok) => {
        this.#checking--;
        if (ok && !this.#closed) {
          entry.lastChecked = this.#now();
          this.#waiting() > 0 ? this.#serveChecked(entry) : this.#idle.push(entry);
        } else {
          void this.#destroy(entry, ok ? 'closed' : 'invalid');
          this.#dispatch();
          this.#fill();
        }
        this.#maybeDrained();
        return ok;
      });
    this.#track(work);
    return work;
  }

  #serveChecked(entry: Entry<T>): void {
    this.#handTo(entry, this.#nextWaiter()!);
  }

  /** Lends `entry` to `waiter`, which has left the queue. */
  #handTo(entry: Entry<T>, waiter: Queued<T>): void {
    this.#lend(entry, waiter.origin);
    waiter.resolve(entry.resource);
  }

  #destroy(entry: Entry<T>, reason: DestroyReason): Promise<void> {
    this.#destroyed++;
    this.#live.delete(entry.resource);
    if (this.#onDestroy.active) this.#onDestroy.emit({ resource: entry.resource, reason });
    return this.#runDestroy(entry.resource);
  }

  /**
   * A resource made by a create that had already timed out: destroyed, never counted.
   * Nothing, or a value the pool holds, is left alone (see `#refuse`).
   */
  #destroyLate(resource: T): Promise<void> {
    if (this.#refuse(resource) !== undefined) return Promise.resolve();
    if (this.#onDestroy.active) this.#onDestroy.emit({ resource, reason: 'late' });
    return this.#runDestroy(resource);
  }

  #runDestroy(resource: T): Promise<void> {
    const destroy = this.#o.destroy;
    if (destroy === undefined) return Promise.resolve();
    // A destroy that outlives `destroyTimeoutMs` is left to finish unwatched, silently.
    const work = raceOperation(() => destroy(resource), {
      timeoutMs: this.#o.destroyTimeoutMs,
      timeoutReason: () => DESTROY_TIMED_OUT,
    }).then(
      () => undefined,
      (error: unknown) => {
        if (error !== DESTROY_TIMED_OUT && this.#onDestroyError.active) {
          this.#onDestroyError.emit({ resource, error });
        }
      },
    );
    this.#track(work);
    return work;
  }

  #track(work: Promise<unknown>): void {
    this.#pendingWork.add(work);
    void work.finally(() => {
      this.#pendingWork.delete(work);
      this.#maybeDrained();
    });
  }

  #maybeDrained(): void {
    if (
      this.#drained.size > 0 &&
      this.#borrowed === 0 &&
      this.#creating === 0 &&
      this.#checking === 0
    ) {
      const drained = [...this.#drained];
      this.#drained.clear();
      for (const resolve of drained) resolve();
    }
  }

  /** Idle eviction, retirement, keepalive validation and refilling to `min`. */
  housekeep(): void {
    if (this.#closed) return;
    const o = this.#o;
    const now = this.#now();
    const keep: Entry<T>[] = [];
    let size = this.#idle.length + this.#borrowed + this.#checking;
    // A resource returned since the last housekeeping was last used no later than now: it
    // is stamped now, so it is never evicted early (at most one interval late).
    for (const entry of this.#idle) if (Number.isNaN(entry.lastUsed)) entry.lastUsed = now;
    // Oldest-used first, so eviction down to `min` keeps the freshest.
    const idle = this.#idle.splice(0).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const entry of idle) {
      if (now >= entry.retireAt) {
        void this.#destroy(entry, 'lifetime');
        size--;
      } else if (o.idleTimeoutMs > 0 && now - entry.lastUsed >= o.idleTimeoutMs && size > o.min) {
        void this.#destroy(entry, 'idle');
        size--;
      } else if (
        o.keepaliveMs > 0 &&
        o.validate !== undefined &&
        now - entry.lastChecked >= o.keepaliveMs
      ) {
        void this.#check(entry);
      } else {
        keep.push(entry);
      }
    }
    // Restore the reuse order: most recently used at the end.
    keep.sort((a, b) => a.lastUsed - b.lastUsed);
    this.#idle.push(...keep);
    this.#fill();
  }
}

/** What `release` returns when it is done at once: one settled promise for every call. */
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * `lastUsed` of a resource returned without reading the clock (NaN, so it compares with
 * nothing): `housekeep` stamps it when it finds it idle.
 */
const UNSTAMPED = Number.NaN;

/** Taken slots at the front of the waiter queue beyond which they are reclaimed. */
const COMPACT_AFTER = 1024;

/** The reason a destroy's wait ends with when it outlives `destroyTimeoutMs`. */
const DESTROY_TIMED_OUT = Symbol('destroy timed out');
