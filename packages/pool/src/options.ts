import {
  type Backoff,
  type Clock,
  checkBackoff,
  checkBoolean,
  checkClock,
  checkFunction,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOneOf,
  checkOptionalFunction,
  checkOptions,
  invalidMessage,
  MAX_TIMER_MS,
  type ResolvedBackoff,
} from '@breakwater/core';

export { MAX_TIMER_MS };

/** Failed creates wait 100 ms, doubling up to 10 s, each wait jittered to [½, 1]×. */
const DEFAULT_CREATE_BACKOFF = checkBackoff('createBackoff', {
  type: 'exponential',
  initialDelayMs: 100,
  maxDelayMs: 10_000,
  multiplier: 2,
  jitter: 0.5,
});

/** Options of `new Pool(options)`. Durations in ms; `0` turns a feature off. */
export interface PoolOptions<T> {
  /** Makes a resource; abort `signal` means give up (the create timed out or the pool closed). */
  create: (signal: AbortSignal) => T | PromiseLike<T>;
  /**
   * Disposes of a resource; what it returns is ignored (a promise is awaited, up to
   * `destroyTimeoutMs`), so `(client) => client.quit()` fits as it is. @default nothing
   */
  destroy?: ((resource: T) => unknown) | undefined;
  /**
   * Whether a resource is still usable; checked before lending one that sat idle. Returning
   * (or resolving to) `false`, throwing, rejecting or taking longer than `createTimeoutMs`
   * destroys the resource; any other result keeps it, so `(client) => client.ping()` fits.
   * `signal` aborts when the check times out.
   */
  validate?: ((resource: T, signal: AbortSignal) => unknown) | undefined;
  /** Also validate on `release` (needs `validate`). @default false */
  validateOnReturn?: boolean | undefined;
  /** Resources kept even when idle; created at start and after evictions. @default 0 */
  min?: number | undefined;
  /** Most resources at once (idle + lent + being created). @default 10 */
  max?: number | undefined;
  /** Most callers waiting; beyond it `acquire` rejects at once with `PoolFullError`. @default Infinity */
  maxWaiting?: number | undefined;
  /** Default `acquire` timeout. @default 30_000 */
  acquireTimeoutMs?: number | undefined;
  /** How long one `create` may take before it is aborted. @default 10_000 */
  createTimeoutMs?: number | undefined;
  /** How long one `destroy` may take before the pool stops waiting for it. @default 5_000 */
  destroyTimeoutMs?: number | undefined;
  /**
   * Wait after failed creates in a row before the next attempt (core's `Backoff`; a
   * constant wait must be > 0).
   * @default { type: 'exponential', initialDelayMs: 100, maxDelayMs: 10_000, multiplier: 2, jitter: 0.5 }
   */
  createBackoff?: Backoff | undefined;
  /** Destroy resources idle this long (down to `min`). @default 30_000 */
  idleTimeoutMs?: number | undefined;
  /** Retire resources this old (lent ones on return), ± `lifetimeJitter`. @default 1_800_000 */
  maxLifetimeMs?: number | undefined;
  /** Random share, in [0, 1), taken off each resource's lifetime. @default 0.1 */
  lifetimeJitter?: number | undefined;
  /** Validate idle resources this often in the background (needs `validate`). @default 0 */
  keepaliveMs?: number | undefined;
  /** Report a resource lent for longer than this (with its acquire stack). @default 0 */
  leakDetectionMs?: number | undefined;
  /** `'lifo'` lends the most recently returned idle resource, `'fifo'` the oldest. @default 'lifo' */
  reuse?: 'lifo' | 'fifo' | undefined;
  /** How often the housekeeping (idle, lifetime, keepalive) runs. @default 1_000 */
  housekeepingIntervalMs?: number | undefined;
  /** Time source. @default monotonicClock */
  clock?: Clock | undefined;
  /** Random numbers in [0, 1) for jitter. @default Math.random */
  random?: (() => number) | undefined;
}

export interface ResolvedPoolOptions<T> {
  readonly create: (signal: AbortSignal) => T | PromiseLike<T>;
  readonly destroy: ((resource: T) => unknown) | undefined;
  readonly validate: ((resource: T, signal: AbortSignal) => unknown) | undefined;
  readonly validateOnReturn: boolean;
  readonly min: number;
  readonly max: number;
  readonly maxWaiting: number;
  readonly acquireTimeoutMs: number;
  readonly createTimeoutMs: number;
  readonly destroyTimeoutMs: number;
  readonly createBackoff: ResolvedBackoff;
  readonly idleTimeoutMs: number;
  readonly maxLifetimeMs: number;
  readonly lifetimeJitter: number;
  readonly keepaliveMs: number;
  readonly leakDetectionMs: number;
  readonly reuse: 'lifo' | 'fifo';
  readonly housekeepingIntervalMs: number;
  readonly clock: Clock;
  readonly random: () => number;
}

const DURATION = { min: 0, max: MAX_TIMER_MS } as const;
const POSITIVE = { min: 0, exclusiveMin: true, max: MAX_TIMER_MS } as const;

/** Every option, checked by the compiler against `PoolOptions` (none missing, none extra). */
export const OPTION_KEYS = Object.keys({
  create: true,
  destroy: true,
  validate: true,
  validateOnReturn: true,
  min: true,
  max: true,
  maxWaiting: true,
  acquireTimeoutMs: true,
  createTimeoutMs: true,
  destroyTimeoutMs: true,
  createBackoff: true,
  idleTimeoutMs: true,
  maxLifetimeMs: true,
  lifetimeJitter: true,
  keepaliveMs: true,
  leakDetectionMs: true,
  reuse: true,
  housekeepingIntervalMs: true,
  clock: true,
  random: true,
} satisfies Record<keyof PoolOptions<unknown>, true>);

export function resolvePoolOptions<T>(options: PoolOptions<T>): ResolvedPoolOptions<T> {
  const raw = checkOptions('options', options);
  checkKnownKeys('options', raw, OPTION_KEYS);
  const max = checkInteger('max', raw.max, { min: 1, default: 10 });
  const min = checkInteger('min', raw.min, { min: 0, default: 0 });
  if (min > max) {
    throw new RangeError(invalidMessage('min', `an integer <= max (${max})`, min));
  }
  const validate = checkOptionalFunction<(resource: T, signal: AbortSignal) => unknown>(
    'validate',
    raw.validate,
  );
  const keepaliveMs = checkNumber('keepaliveMs', raw.keepaliveMs, { ...DURATION, default: 0 });
  const validateOnReturn = checkBoolean('validateOnReturn', raw.validateOnReturn, false);
  // Both work through `validate`: without one they would do nothing, silently.
  if (validate === undefined && keepaliveMs > 0) {
    throw new RangeError(
      invalidMessage(
        'keepaliveMs',
        '0 without a `validate` function (keepalive validates idle resources with it)',
        keepaliveMs,
      ),
    );
  }
  if (validate === undefined && validateOnReturn) {
    throw new RangeError(
      invalidMessage(
        'validateOnReturn',
        'false without a `validate` function (it validates returned resources with it)',
        validateOnReturn,
      ),
    );
  }
  return Object.freeze({
    create: checkFunction<(signal: AbortSignal) => T | PromiseLike<T>>('create', raw.create),
    destroy: checkOptionalFunction<(resource: T) => unknown>('destroy', raw.destroy),
    validate,
    validateOnReturn,
    min,
    max,
    maxWaiting: checkInteger('maxWaiting', raw.maxWaiting, {
      min: 0,
      allowInfinity: true,
      default: Number.POSITIVE_INFINITY,
    }),
    acquireTimeoutMs: checkNumber('acquireTimeoutMs', raw.acquireTimeoutMs, {
      ...POSITIVE,
      default: 30_000,
    }),
    createTimeoutMs: checkNumber('createTimeoutMs', raw.createTimeoutMs, {
      ...POSITIVE,
      default: 10_000,
    }),
    destroyTimeoutMs: checkNumber('destroyTimeoutMs', raw.destroyTimeoutMs, {
      ...POSITIVE,
      default: 5_000,
    }),
    createBackoff:
      raw.createBackoff === undefined
        ? DEFAULT_CREATE_BACKOFF
        : checkBackoff('createBackoff', raw.createBackoff, { positive: true }),
    idleTimeoutMs: checkNumber('idleTimeoutMs', raw.idleTimeoutMs, {
      ...DURATION,
      default: 30_000,
    }),
    maxLifetimeMs: checkNumber('maxLifetimeMs', raw.maxLifetimeMs, {
      ...DURATION,
      default: 1_800_000,
    }),
    lifetimeJitter: checkNumber('lifetimeJitter', raw.lifetimeJitter, {
      min: 0,
      max: 0.99,
      default: 0.1,
    }),
    keepaliveMs,
    leakDetectionMs: checkNumber('leakDetectionMs', raw.leakDetectionMs, {
      ...DURATION,
      default: 0,
    }),
    reuse: checkOneOf('reuse', raw.reuse, ['lifo', 'fifo'], 'lifo'),
    housekeepingIntervalMs: checkNumber('housekeepingIntervalMs', raw.housekeepingIntervalMs, {
      ...POSITIVE,
      default: 1_000,
    }),
    clock: checkClock('clock', raw.clock),
    random: checkOptionalFunction<() => number>('random', raw.random) ?? Math.random,
  });
}
