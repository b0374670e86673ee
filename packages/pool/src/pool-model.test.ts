import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  isCreateTimeoutError,
  isInvalidResourceError,
  isNotBorrowedError,
  isPoolClosedError,
  isPoolCloseTimeoutError,
  isPoolFullError,
  isPoolTimeoutError,
} from './errors.js';
import { Pool } from './pool.js';

/**
 * A model-based test of the pool's bookkeeping. Random operations (acquires with random
 * timeouts and priorities, some aborted; releases and destroys, some repeated; `use` with
 * callbacks that throw or mark the resource broken; fake time passing) run against a
 * pool with random options whose `create`, `validate` and `destroy` follow random fault
 * scripts: resolving (at once or later), rejecting, throwing, hanging forever, or (for
 * `create`) delivering only when the test says so, possibly long after the pool gave up,
 * delivering `undefined`, or delivering a resource the pool has already lent out.
 *
 * After every step: created = destroyed + size; size + creating <= max; borrowed and
 * pending match what the test holds and awaits; every resource `create` delivered is
 * counted or destroyed as late, and exactly the pool's `size` of them are not destroyed;
 * none is destroyed twice, lent twice, lent or validated after its destroy, or destroyed
 * or validated while a caller holds it; a returned resource is validated before reuse;
 * nobody waits while a resource sits idle or while the pool has room and is not backing
 * off; no acquire outlives its deadline or its abort. At the end, `close()` (with callers
 * waiting and, sometimes, resources lent past its timeout) leaves no resource, no caller
 * and no timer, and every delivered resource was destroyed exactly once.
 */

interface Resource {
  readonly id: number;
}

type CreateFault =
  | 'resolve'
  | 'resolve-sync'
  | 'slow'
  | 'reject'
  | 'throw'
  | 'hang'
  | 'late'
  // Misbehaving factories: `undefined` (a forgotten `return`) and a resource already lent.
  | 'missing'
  | 'duplicate';
type ValidateFault = 'valid' | 'slow-valid' | 'invalid' | 'reject' | 'throw' | 'hang';
type DestroyFault = 'resolve' | 'slow' | 'reject' | 'throw' | 'hang';
type UseOutcome = 'return' | 'throw' | 'broken' | 'broken-throw';

type Op =
  | { kind: 'acquire'; timeoutMs: number | undefined; abortable: boolean; priority: number }
  | { kind: 'use'; timeoutMs: number | undefined; outcome: UseOutcome }
  | { kind: 'release'; pick: number; twice: boolean }
  | { kind: 'destroy'; pick: number; twice: boolean }
  | { kind: 'abort'; pick: number }
  | { kind: 'deliver'; pick: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'release-foreign' };

interface Config {
  min: number;
  max: number;
  maxWaiting: number | undefined;
  acquireTimeoutMs: number;
  createTimeoutMs: number;
  destroyTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  idleTimeoutMs: number;
  maxLifetimeMs: number;
  lifetimeJitter: number;
  keepaliveMs: number;
  leakDetectionMs: number;
  housekeepingIntervalMs: number;
  reuse: 'lifo' | 'fifo';
  validate: boolean;
  validateOnReturn: boolean;
  seed: number;
  creates: CreateFault[];
  validations: ValidateFault[];
  destroys: DestroyFault[];
  /** Keep some resources lent through a `close({ timeoutMs })` and return them after. */
  holdThroughClose: boolean;
  closeTimeoutMs: number;
  /** Callers still waiting when `close()` is called. */
  waitersAtClose: number;
}

class CreateFailure extends Error {
  override readonly name = 'CreateFailure';
}
class UseFailure extends Error {
  override readonly name = 'UseFailure';
}

/** A small seeded PRNG (mulberry32) for the pool's jitter, so a failing run replays. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** How long a 'slow' create, validate or destroy takes (less than any timeout used). */
const SLOW_MS = 15;
const after = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Lets every queued promise reaction run (the pool's chains are a few links deep). */
async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

function cycle<T>(script: readonly T[]): () => T {
  let i = 0;
  return () => script[i++ % script.length]!;
}

/** One caller waiting for a resource: an `acquire`, or the acquire half of a `use`. */
interface Wait {
  readonly deadline: number;
  readonly controller: AbortController | undefined;
  settled: boolean;
}

const isAborted = (wait: Wait): boolean => wait.controller?.signal.aborted === true;

/** The pool plus everything the test knows about the resources it has seen. */
class World {
  readonly pool: Pool<Resource>;
  /** Every resource `create` delivered, with how often `destroy` was called for it. */
  readonly ledger = new Map<number, { destroyCalls: number }>();
  /** Resources the test holds from `acquire`, in the order they were lent. */
  readonly held = new Map<number, Resource>();
  /** Resources inside a running `use` callback. */
  readonly inUse = new Set<number>();
  /** Resources returned to the pool and not validated since (when there is a validate). */
  readonly unchecked = new Set<number>();
  readonly waits: Wait[] = [];
  readonly uses: { settled: boolean }[] = [];
  readonly returns: { settled: boolean }[] = [];
  readonly late: { deliver(): void; delivered: boolean }[] = [];
  readonly problems: string[] = [];
  lateDestroys = 0;
  /** Whether the last create failed (so the pool may be backing off). */
  failing = false;
  closed = false;
  #nextId = 0;
  #lastCreateAt = Number.NaN;
  #createsThisInstant = 0;

  constructor(readonly config: Config) {
    const nextCreate = cycle(config.creates);
    const nextValidate = cycle(config.validations);
    const nextDestroy = cycle(config.destroys);
    this.pool = new Pool<Resource>({
      create: (signal) => this.#create(nextCreate(), signal),
      validate: config.validate
        ? (resource) => this.#validate(nextValidate(), resource)
        : undefined,
      destroy: (resource) => this.#destroy(nextDestroy(), resource),
      validateOnReturn: config.validateOnReturn,
      min: config.min,
      max: config.max,
      maxWaiting: config.maxWaiting,
      acquireTimeoutMs: config.acquireTimeoutMs,
      createTimeoutMs: config.createTimeoutMs,
      destroyTimeoutMs: config.destroyTimeoutMs,
      createBackoff: {
        type: 'exponential',
        initialDelayMs: config.backoffInitialMs,
        maxDelayMs: config.backoffMaxMs,
        jitter: 0.5,
      },
      idleTimeoutMs: config.idleTimeoutMs,
      maxLifetimeMs: config.maxLifetimeMs,
      lifetimeJitter: config.lifetimeJitter,
      keepaliveMs: config.keepaliveMs,
      leakDetectionMs: config.leakDetectionMs,
      housekeepingIntervalMs: config.housekeepingIntervalMs,
      reuse: config.reuse,
      clock: { now: () => Date.now() },
      random: seededRandom(config.seed),
    });
    this.pool.onDestroy((event) => {
      if (event.reason === 'late') this.lateDestroys++;
    });
    this.pool.onCreate(() => {
      this.failing = false;
    });
    this.pool.onCreateError(() => {
      this.failing = true;
    });
  }

  // ------------------------------------------------------------ the fault-injected factory

  #deliver(): Resource {
    const resource = { id: ++this.#nextId };
    this.ledger.set(resource.id, { destroyCalls: 0 });
    return resource;
  }

  #create(fault: CreateFault, signal: AbortSignal): Resource | Promise<Resource> {
    // Hundreds of creates without time passing is a storm that would starve the event
    // loop (and hang this test): report it and stop feeding it.
    const now = Date.now();
    this.#createsThisInstant = now === this.#lastCreateAt ? this.#createsThisInstant + 1 : 1;
    this.#lastCreateAt = now;
    if (this.#createsThisInstant > 200) {
      if (this.#createsThisInstant === 201) this.problems.push(`create storm at ${now}`);
      return new Promise<Resource>(() => {});
    }
    switch (fault) {
      case 'resolve':
        return Promise.resolve().then(() => this.#deliver());
      case 'resolve-sync':
        return this.#deliver();
      case 'slow':
        return after(SLOW_MS).then(() => this.#deliver());
      case 'reject':
        return Promise.reject(new CreateFailure('create rejected'));
      case 'throw':
        throw new CreateFailure('create threw');
      case 'hang':
        // Never settles on its own; gives up only when the pool aborts it.
        return new Promise<Resource>((_, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      case 'missing':
        return Promise.resolve(undefined as unknown as Resource);
      case 'duplicate': {
        // A value the pool holds right now (lent to the test), or else a fresh one.
        const lent = [...this.held.values()][0];
        return Promise.resolve(lent ?? this.#deliver());
      }
      case 'late':
        // Ignores the signal and delivers whenever the test says so.
        return new Promise<Resource>((resolve) => {
          const entry = {
            delivered: false,
            deliver: () => {
              entry.delivered = true;
              resolve(this.#deliver());
            },
          };
          this.late.push(entry);
        });
    }
  }

  #validate(fault: ValidateFault, resource: Resource): boolean | Promise<boolean> {
    this.#expectPoolOwns(resource, 'validate');
    if (fault === 'valid' || fault === 'slow-valid') this.unchecked.delete(resource.id);
    switch (fault) {
      case 'valid':
        return Promise.resolve(true);
      case 'slow-valid':
        return after(SLOW_MS).then(() => true);
      case 'invalid':
        return false;
      case 'reject':
        return Promise.reject(new Error('validate rejected'));
      case 'throw':
        throw new Error('validate threw');
      case 'hang':
        return new Promise<boolean>(() => {});
    }
  }

  #destroy(fault: DestroyFault, resource: Resource): void | Promise<void> {
    if (resource === undefined || resource === null) {
      this.problems.push(`destroy(${String(resource)})`);
      return;
    }
    const entry = this.ledger.get(resource.id);
    if (entry === undefined) this.problems.push(`destroy(#${resource.id}): never created`);
    else if (++entry.destroyCalls > 1) this.problems.push(`destroy(#${resource.id}) twice`);
    if (this.held.has(resource.id) || this.inUse.has(resource.id)) {
      this.problems.push(`destroy(#${resource.id}) while a caller holds it`);
    }
    switch (fault) {
      case 'resolve':
        return Promise.resolve();
      case 'slow':
        return after(SLOW_MS);
      case 'reject':
        return Promise.reject(new Error('destroy rejected'));
      case 'throw':
        throw new Error('destroy threw');
      case 'hang':
        return new Promise<void>(() => {});
    }
  }

  #expectPoolOwns(resource: Resource, action: string): void {
    if (resource === undefined || resource === null) {
      this.problems.push(`${action}(${String(resource)})`);
      return;
    }
    const entry = this.ledger.get(resource.id);
    if (entry === undefined) this.problems.push(`${action}(#${resource.id}): never created`);
    else if (entry.destroyCalls > 0) this.problems.push(`${action}(#${resource.id}): destroyed`);
    if (this.held.has(resource.id) || this.inUse.has(resource.id)) {
      this.problems.push(`${action}(#${resource.id}) while a caller holds it`);
    }
  }

  // ------------------------------------------------------------ operations

  async run(op: Op): Promise<void> {
    switch (op.kind) {
      case 'acquire':
        this.#acquire(op.timeoutMs, op.abortable, op.priority);
        break;
      case 'use':
        this.#use(op.timeoutMs, op.outcome);
        break;
      case 'release':
      case 'destroy': {
        const resource = [...this.held.values()][op.pick % Math.max(1, this.held.size)];
        if (resource === undefined) break;
        this.#returned(resource);
        // With a caller waiting, a release may hand the resource straight to that caller;
        // a second release would then (undetectably) return the new holder's lease.
        const reusable = op.kind === 'release' && this.pool.stats().waiting > 0;
        this.#expectSettles(
          op.kind === 'release' ? this.pool.release(resource) : this.pool.destroy(resource),
        );
        if (op.twice && !reusable) this.#expectNotBorrowed(resource, op.kind);
        break;
      }
      case 'release-foreign':
        this.#expectNotBorrowed({ id: -1 }, 'release');
        break;
      case 'abort': {
        const open = this.waits.filter((w) => !w.settled && w.controller !== undefined);
        open[op.pick % Math.max(1, open.length)]?.controller?.abort(new Error('caller gave up'));
        break;
      }
      case 'deliver': {
        const open = this.late.filter((entry) => !entry.delivered);
        open[op.pick % Math.max(1, open.length)]?.deliver();
        break;
      }
      case 'advance':
        await vi.advanceTimersByTimeAsync(op.ms);
        break;
    }
    await flushMicrotasks();
  }

  #acquire(timeoutMs: number | undefined, abortable: boolean, priority: number): void {
    const wait = this.#newWait(timeoutMs, abortable);
    this.pool.acquire({ timeoutMs, signal: wait.controller?.signal, priority }).then(
      (resource) => {
        wait.settled = true;
        this.#expectLendable(resource);
        if (resource !== undefined && resource !== null) this.held.set(resource.id, resource);
      },
      (error: unknown) => {
        wait.settled = true;
        this.#expectAcquireError(error, wait);
      },
    );
  }

  #use(timeoutMs: number | undefined, outcome: UseOutcome): void {
    const wait = this.#newWait(timeoutMs, false);
    const use = { settled: false };
    this.uses.push(use);
    const throws = outcome === 'throw' || outcome === 'broken-throw';
    const failure = new UseFailure('use callback failed');
    this.pool
      .use(
        async (resource, context) => {
          wait.settled = true;
          this.#expectLendable(resource);
          this.inUse.add(resource.id);
          await Promise.resolve();
          this.#returned(resource);
          if (outcome === 'broken' || outcome === 'broken-throw') context.markBroken();
          if (throws) throw failure;
          return resource.id;
        },
        { timeoutMs },
      )
      .then(
        () => {
          use.settled = true;
          if (throws) this.problems.push('use resolved although its callback threw');
        },
        (error: unknown) => {
          use.settled = true;
          if (!wait.settled) {
            wait.settled = true;
            this.#expectAcquireError(error, wait);
          } else if (error !== failure) {
            this.problems.push(`use rejected with ${String(error)} instead of the callback error`);
          }
        },
      );
  }

  #newWait(timeoutMs: number | undefined, abortable: boolean): Wait {
    const wait: Wait = {
      deadline: Date.now() + (timeoutMs ?? this.config.acquireTimeoutMs),
      controller: abortable ? new AbortController() : undefined,
      settled: false,
    };
    this.waits.push(wait);
    return wait;
  }

  #expectLendable(resource: Resource): void {
    this.#expectPoolOwns(resource, 'lend');
    if (this.unchecked.has(resource.id)) {
      this.problems.push(`lent #${resource.id} again without validating it`);
    }
  }

  /** Hands a resource back to the pool; with a validate, it must pass again before reuse. */
  #returned(resource: Resource): void {
    this.held.delete(resource.id);
    this.inUse.delete(resource.id);
    if (this.config.validate) this.unchecked.add(resource.id);
  }

  #expectAcquireError(error: unknown, wait: Wait): void {
    if (isPoolTimeoutError(error)) {
      if (Date.now() < wait.deadline) this.problems.push('an acquire timed out early');
      const cause = error.cause;
      if (
        cause !== undefined &&
        !(cause instanceof CreateFailure) &&
        !isCreateTimeoutError(cause) &&
        !isInvalidResourceError(cause)
      ) {
        this.problems.push(`timeout cause is not a create error: ${String(cause)}`);
      }
    } else if (isPoolFullError(error)) {
      if (this.config.maxWaiting === undefined) this.problems.push('PoolFullError without a limit');
    } else if (isPoolClosedError(error)) {
      if (!this.closed) this.problems.push('PoolClosedError before close()');
    } else if (wait.controller === undefined || error !== wait.controller.signal.reason) {
      this.problems.push(`acquire rejected with ${String(error)}`);
    }
  }

  #expectSettles(promise: Promise<void>): void {
    const entry = { settled: false };
    this.returns.push(entry);
    promise.then(
      () => {
        entry.settled = true;
      },
      (error: unknown) => {
        entry.settled = true;
        this.problems.push(`release/destroy rejected with ${String(error)}`);
      },
    );
  }

  #expectNotBorrowed(resource: Resource, action: 'release' | 'destroy'): void {
    const entry = { settled: false };
    this.returns.push(entry);
    this.pool[action](resource).then(
      () => {
        entry.settled = true;
        this.problems.push(`${action}(#${resource.id}) of a resource not lent out resolved`);
      },
      (error: unknown) => {
        entry.settled = true;
        if (!isNotBorrowedError(error)) this.problems.push(`${action} rejected with ${error}`);
      },
    );
  }

  // ------------------------------------------------------------ invariants

  /** What must hold after every step, once the microtasks have run. */
  checkInvariants(): void {
    expect(this.problems).toEqual([]);
    const s = this.pool.stats();
    // Accounting: everything created is destroyed, idle, lent or being validated.
    expect(s.created).toBe(s.destroyed + s.size);
    expect(s.size - s.idle - s.borrowed).toBeGreaterThanOrEqual(0); // being validated
    // Never more than max resources, counting the ones being created.
    expect(s.size + s.creating).toBeLessThanOrEqual(this.config.max);
    // The pool lends exactly what callers hold, and waits for exactly those who wait.
    expect(s.borrowed).toBe(this.held.size + this.inUse.size);
    expect(s.waiting).toBe(this.waits.filter((w) => !w.settled).length);
    // Nothing leaks: each delivered resource is counted by the pool or destroyed as late,
    // and the ones not yet destroyed are exactly the pool's current size.
    expect(this.ledger.size).toBe(s.created + this.lateDestroys);
    const alive = [...this.ledger.values()].filter((entry) => entry.destroyCalls === 0).length;
    expect(alive).toBe(s.size);
    // Nobody waits while a resource sits idle, nor while the pool could be creating one
    // (unless it is backing off after a failed create).
    if (s.waiting > 0 && !this.closed) {
      const checking = s.size - s.idle - s.borrowed;
      expect(s.idle === 0 || checking >= s.waiting, 'a caller waits while a resource is idle').toBe(
        true,
      );
      const busy = s.creating > 0 || checking > 0 || s.size >= this.config.max;
      expect(busy || this.failing, 'a caller waits while the pool has room and does nothing').toBe(
        true,
      );
    }
    // No caller waits past its deadline, nor after giving up.
    const now = Date.now();
    for (const wait of this.waits) {
      if (!wait.settled) expect(wait.deadline).toBeGreaterThan(now);
      if (isAborted(wait)) expect(wait.settled, 'an aborted acquire is still waiting').toBe(true);
    }
  }

  /**
   * Lets every deadline pass, closes with callers still waiting (and, when configured,
   * resources still lent), returns everything and checks that nothing is left.
   */
  async finish(): Promise<void> {
    const c = this.config;
    const bound = c.createTimeoutMs + c.destroyTimeoutMs + 1;
    const kept = new Set(c.holdThroughClose ? this.held.keys() : []);
    const returnAll = (): void => {
      for (const resource of [...this.held.values()]) {
        if (kept.has(resource.id)) continue;
        this.#returned(resource);
        this.#expectSettles(this.pool.release(resource));
      }
    };
    returnAll();
    // Past every acquire deadline (and any create, validate or destroy in flight):
    // every caller has been served or rejected.
    const lastDeadline = Math.max(Date.now(), ...this.waits.map((w) => w.deadline));
    await vi.advanceTimersByTimeAsync(lastDeadline - Date.now() + bound);
    await flushMicrotasks();
    expect(this.waits.filter((w) => !w.settled)).toEqual([]);
    returnAll(); // what the last waiters got
    await vi.advanceTimersByTimeAsync(bound);
    await flushMicrotasks();
    this.checkInvariants();

    // Callers that will still be waiting when close() is called.
    for (let i = 0; i < c.waitersAtClose; i++) this.#acquire(600_000, false, 0);
    await flushMicrotasks();
    for (const id of this.held.keys()) kept.add(id);

    this.closed = true;
    let closed = false;
    let closeError: unknown;
    void this.pool.close({ timeoutMs: c.holdThroughClose ? c.closeTimeoutMs : undefined }).then(
      () => {
        closed = true;
      },
      (error: unknown) => {
        closed = true;
        closeError = error;
      },
    );
    await flushMicrotasks();
    // Waiting callers are rejected at once (with PoolClosedError, checked as they settle),
    // and creates in flight are aborted.
    expect(this.waits.filter((w) => !w.settled)).toEqual([]);
    expect(this.pool.stats().creating).toBe(0);
    if (c.holdThroughClose) {
      // close() gives up waiting for lent resources at its timeout, and says how many...
      await vi.advanceTimersByTimeAsync(c.closeTimeoutMs);
      await flushMicrotasks();
      expect(closed).toBe(true);
      expect(this.pool.stats().borrowed).toBe(this.held.size);
      if (this.held.size > 0) {
        expect(isPoolCloseTimeoutError(closeError)).toBe(true);
        expect(closeError).toMatchObject({ borrowed: this.held.size });
      } else {
        expect(closeError).toBeUndefined();
      }
    }
    // ...and resources returned late, or while close() waits, are destroyed.
    kept.clear();
    returnAll();
    // Without a timeout, close() returns once drained: within the create/validate and
    // destroy timeouts.
    await vi.advanceTimersByTimeAsync(bound);
    await flushMicrotasks();
    expect(closed).toBe(true);
    // ...and resolves when nothing is lent by then.
    if (!c.holdThroughClose) expect(closeError).toBeUndefined();

    expect(this.pool.stats()).toMatchObject({
      size: 0,
      idle: 0,
      borrowed: 0,
      creating: 0,
      waiting: 0,
    });
    this.checkInvariants();
    await expect(this.pool.acquire()).rejects.toSatisfy(isPoolClosedError);
    expect(this.uses.filter((u) => !u.settled)).toEqual([]);
    expect(this.returns.filter((r) => !r.settled)).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);

    // Creates the pool gave up on may still deliver after close: each is destroyed once.
    for (const entry of this.late) if (!entry.delivered) entry.deliver();
    await flushMicrotasks();
    await vi.advanceTimersByTimeAsync(c.destroyTimeoutMs + 1);
    await flushMicrotasks();
    expect(this.problems).toEqual([]);
    for (const [id, entry] of this.ledger) {
      expect({ id, destroyCalls: entry.destroyCalls }).toEqual({ id, destroyCalls: 1 });
    }
    expect(this.pool.stats().created).toBe(this.pool.stats().destroyed);
    expect(vi.getTimerCount()).toBe(0);
  }
}

// ------------------------------------------------------------ arbitraries

const createFault = fc.oneof(
  { arbitrary: fc.constantFrom<CreateFault>('resolve', 'resolve-sync', 'slow'), weight: 6 },
  { arbitrary: fc.constantFrom<CreateFault>('reject', 'throw', 'hang', 'late'), weight: 4 },
  { arbitrary: fc.constantFrom<CreateFault>('missing', 'duplicate'), weight: 1 },
);
const validateFault = fc.oneof(
  { arbitrary: fc.constantFrom<ValidateFault>('valid', 'slow-valid'), weight: 6 },
  { arbitrary: fc.constantFrom<ValidateFault>('invalid', 'reject', 'throw', 'hang'), weight: 4 },
);
const destroyFault = fc.oneof(
  { arbitrary: fc.constantFrom<DestroyFault>('resolve', 'slow'), weight: 6 },
  { arbitrary: fc.constantFrom<DestroyFault>('reject', 'throw', 'hang', 'hang'), weight: 4 },
);
const offOr = (min: number, max: number) => fc.oneof(fc.constant(0), fc.integer({ min, max }));

const configArbitrary: fc.Arbitrary<Config> = fc
  .record({
    max: fc.integer({ min: 1, max: 3 }),
    minShare: fc.integer({ min: 0, max: 3 }),
    maxWaiting: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
    acquireTimeoutMs: fc.integer({ min: 50, max: 1_000 }),
    createTimeoutMs: fc.integer({ min: 20, max: 800 }),
    destroyTimeoutMs: fc.integer({ min: 20, max: 800 }),
    backoffInitialMs: fc.integer({ min: 5, max: 200 }),
    backoffFactor: fc.integer({ min: 1, max: 10 }),
    idleTimeoutMs: offOr(50, 2_000),
    maxLifetimeMs: offOr(50, 2_000),
    lifetimeJitter: fc.double({ min: 0, max: 0.5, noNaN: true }),
    keepaliveMs: offOr(50, 2_000),
    leakDetectionMs: offOr(20, 1_000),
    housekeepingIntervalMs: fc.integer({ min: 10, max: 500 }),
    reuse: fc.constantFrom<'lifo' | 'fifo'>('lifo', 'fifo'),
    validate: fc.boolean(),
    validateOnReturn: fc.boolean(),
    seed: fc.integer(),
    creates: fc.array(createFault, { minLength: 1, maxLength: 12 }),
    validations: fc.array(validateFault, { minLength: 1, maxLength: 12 }),
    destroys: fc.array(destroyFault, { minLength: 1, maxLength: 12 }),
    holdThroughClose: fc.boolean(),
    closeTimeoutMs: fc.integer({ min: 0, max: 500 }),
    waitersAtClose: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ minShare, backoffFactor, ...rest }) => ({
    ...rest,
    // Both need a validate (the pool refuses them without one).
    keepaliveMs: rest.validate ? rest.keepaliveMs : 0,
    validateOnReturn: rest.validate && rest.validateOnReturn,
    min: Math.min(minShare, rest.max),
    backoffMaxMs: rest.backoffInitialMs * backoffFactor,
  }));

const timeoutArbitrary = fc.option(fc.integer({ min: 1, max: 600 }), { nil: undefined });
const pick = fc.nat({ max: 7 });

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('acquire' as const),
      timeoutMs: timeoutArbitrary,
      abortable: fc.boolean(),
      priority: fc.integer({ min: -1, max: 1 }),
    }),
    weight: 6,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('use' as const),
      timeoutMs: timeoutArbitrary,
      outcome: fc.constantFrom<UseOutcome>('return', 'throw', 'broken', 'broken-throw'),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('release' as const), pick, twice: fc.boolean() }),
    weight: 3,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('destroy' as const), pick, twice: fc.boolean() }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('abort' as const), pick }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('deliver' as const), pick }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.integer({ min: 1, max: 400 }),
    }),
    weight: 4,
  },
  { arbitrary: fc.constant({ kind: 'release-foreign' as const }), weight: 1 },
);

// A fixed seed keeps CI deterministic; set POOL_MODEL_SEED and POOL_MODEL_RUNS to explore.
const { POOL_MODEL_SEED, POOL_MODEL_RUNS } = process.env;

describe('Pool against a ledger of every resource, under random operations and faults', () => {
  it('keeps its accounting, never leaks or double-destroys, never strands a waiter, and closes clean', async () => {
    await fc.assert(
      fc.asyncProperty(
        configArbitrary,
        fc.array(opArbitrary, { minLength: 5, maxLength: 80 }),
        async (config, ops) => {
          vi.useFakeTimers();
          try {
            const world = new World(config);
            await flushMicrotasks();
            world.checkInvariants();
            for (const op of ops) {
              await world.run(op);
              world.checkInvariants();
            }
            await world.finish();
          } finally {
            vi.clearAllTimers();
            vi.useRealTimers();
          }
        },
      ),
      { seed: Number(POOL_MODEL_SEED ?? 20_251_123), numRuns: Number(POOL_MODEL_RUNS ?? 500) },
    );
  });
});

// ------------------------------------------------------------ regressions

/** Watches a promise without awaiting it, so a test can look at it under fake timers. */
function track<T>(promise: Promise<T>): { settled: boolean; value?: T; error?: unknown } {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

describe('Pool: edge cases the model test found', () => {
  const clock = { now: () => Date.now() };

  it('replaces a resource retired on release at once, without waiting for its destroy', async () => {
    vi.useFakeTimers();
    try {
      let next = 0;
      const pool = new Pool<Resource>({
        create: () => ({ id: ++next }),
        destroy: () => new Promise<void>(() => {}), // a slow disconnect
        max: 1,
        maxLifetimeMs: 1_000,
        lifetimeJitter: 0,
        idleTimeoutMs: 0,
        destroyTimeoutMs: 5_000,
        clock,
      });
      const old = await pool.acquire();
      await vi.advanceTimersByTimeAsync(1_000);
      const waiting = track(pool.acquire({ timeoutMs: 2_000 }));
      void pool.release(old); // past its lifetime: destroyed, which frees the only slot
      await vi.advanceTimersByTimeAsync(10);
      expect(waiting).toEqual({ settled: true, value: { id: 2 } });
    } finally {
      vi.useRealTimers();
    }
  });

  it('lets every concurrent close() return once the pool is drained', async () => {
    vi.useFakeTimers();
    try {
      const pool = new Pool<Resource>({ create: () => ({ id: 1 }) });
      const lent = await pool.acquire();
      await flushMicrotasks(); // the create's bookkeeping is done: only the lent one is left
      const first = track(pool.close()); // e.g. a shutdown hook...
      const second = track(pool.close()); // ...and `await using` both closing the pool
      await pool.release(lent);
      await vi.advanceTimersByTimeAsync(10);
      expect({ first: first.settled, second: second.settled }).toEqual({
        first: true,
        second: true,
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('destroys a resource whose create delivers in the same tick as close()', async () => {
    let deliver!: (resource: Resource) => void;
    const made = new Promise<Resource>((resolve) => {
      deliver = resolve;
    });
    const destroyed: number[] = [];
    const pool = new Pool<Resource>({
      create: () => made,
      destroy: (resource) => {
        destroyed.push(resource.id);
      },
    });
    const waiting = pool.acquire().catch((error: unknown) => error);
    // Code that reacts to the same connection promise shuts the pool down.
    let closing: Promise<void> | undefined;
    void made.then(() => {
      closing = pool.close();
    });
    deliver({ id: 7 });
    expect(isPoolClosedError(await waiting)).toBe(true);
    await closing;
    expect(destroyed).toEqual([7]);
    expect(pool.stats().created).toBe(pool.stats().destroyed);
  });

  it('does not create and destroy in a tight loop when validation always fails', async () => {
    vi.useFakeTimers();
    try {
      let creates = 0;
      const pool = new Pool<Resource>({
        create: () => {
          creates++;
          // Stop feeding a storm after 1000 creates, or it would starve the event loop.
          return creates > 1_000 ? new Promise<Resource>(() => {}) : { id: creates };
        },
        validate: () => false, // e.g. every connection lands on a read-only replica
        max: 1,
        clock,
      });
      const waiting = track(pool.acquire({ timeoutMs: 100 }));
      await vi.advanceTimersByTimeAsync(100);
      expect(waiting.settled).toBe(true);
      expect(creates).toBeLessThan(10);
      if (waiting.value !== undefined) await pool.release(waiting.value);
      await pool.close({ timeoutMs: 0 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('validates one idle resource per waiter, not every idle resource', async () => {
    vi.useFakeTimers();
    try {
      let next = 0;
      let validations = 0;
      const pool = new Pool<Resource>({
        create: () => ({ id: ++next }),
        validate: () => {
          validations++;
          return true;
        },
        min: 5,
        max: 5,
        clock,
      });
      await vi.advanceTimersByTimeAsync(0);
      expect(pool.stats().idle).toBe(5);
      const lent = await pool.acquire();
      expect(validations).toBe(1);
      await pool.release(lent);
      await pool.close({ timeoutMs: 0 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses or honours timeouts beyond the 32-bit timer range, never firing them at once', async () => {
    vi.useFakeTimers();
    try {
      const tooLong = 2 ** 31; // setTimeout turns this into 1 ms
      let pool: Pool<Resource>;
      try {
        pool = new Pool<Resource>({
          create: () => new Promise<Resource>(() => {}),
          createTimeoutMs: tooLong,
          clock,
        });
      } catch (error) {
        expect(error).toBeInstanceOf(RangeError);
        pool = new Pool<Resource>({ create: () => new Promise<Resource>(() => {}), clock });
      }
      const createErrors: unknown[] = [];
      pool.onCreateError((event) => createErrors.push(event.error));
      const waiting = track(pool.acquire({ timeoutMs: tooLong }));
      await vi.advanceTimersByTimeAsync(10);
      const outcome = !waiting.settled
        ? 'still waiting'
        : waiting.error instanceof RangeError
          ? 'refused'
          : String(waiting.error);
      expect(outcome).toMatch(/^(still waiting|refused)$/);
      expect(createErrors).toEqual([]);
      await pool.close({ timeoutMs: 0 });
    } finally {
      vi.useRealTimers();
    }
  });
});
