import { MAX_TIMER_MS } from './timers.js';
import { checkKnownKeys, checkNumber, checkOneOf, checkOptions } from './validate.js';

/** The same wait every time. */
export interface ConstantBackoff {
  type: 'constant';
  /** Milliseconds to wait. */
  delayMs: number;
}

/**
 * `initialDelayMs × multiplier^(attempt − 1)`, capped at `maxDelayMs`, then shortened by
 * up to `jitter` of itself at random (each wait drawn uniformly from
 * `[wait × (1 − jitter), wait]`).
 */
export interface ExponentialBackoff {
  type: 'exponential';
  /** The first wait, in ms (> 0). */
  initialDelayMs: number;
  /** Longest wait, in ms (>= `initialDelayMs`). */
  maxDelayMs: number;
  /** Growth factor between consecutive waits (>= 1). @default 2 */
  multiplier?: number | undefined;
  /** Share of each wait taken off at random, in [0, 1]; `0` waits exactly. @default 0 */
  jitter?: number | undefined;
}

/**
 * Decorrelated jitter: each wait is drawn uniformly between `initialDelayMs` and three
 * times the previous wait, capped at `maxDelayMs`. Spreads out the retries of many
 * clients that failed together.
 */
export interface DecorrelatedJitterBackoff {
  type: 'decorrelated-jitter';
  /** Lower bound of every wait, and the "previous wait" of the first draw, in ms (> 0). */
  initialDelayMs: number;
  /** Longest wait, in ms (>= `initialDelayMs`). */
  maxDelayMs: number;
}

/** How long to wait after consecutive failures: before a retry, an opening, a new create. */
export type Backoff = ConstantBackoff | ExponentialBackoff | DecorrelatedJitterBackoff;

/** A validated {@link Backoff} with its defaults filled in, from {@link checkBackoff}. */
export type ResolvedBackoff = Readonly<
  | { type: 'constant'; delayMs: number }
  | {
      type: 'exponential';
      initialDelayMs: number;
      maxDelayMs: number;
      multiplier: number;
      jitter: number;
    }
  | { type: 'decorrelated-jitter'; initialDelayMs: number; maxDelayMs: number }
>;

const BACKOFF_TYPES = ['constant', 'exponential', 'decorrelated-jitter'] as const;

/**
 * Validates a {@link Backoff} option called `name`. Every wait is bounded by
 * `MAX_TIMER_MS`; a constant wait may be `0` unless `positive` is set. With `number`
 * set, a plain number is also taken, as the constant wait, under the same rule.
 * @throws TypeError / RangeError naming the first invalid field (`name.field`, or
 * `name` for a plain number).
 */
export function checkBackoff(
  name: string,
  value: unknown,
  rule: { positive?: boolean | undefined; number?: boolean | undefined } = {},
): ResolvedBackoff {
  if (rule.number === true && typeof value === 'number') {
    return Object.freeze({ type: 'constant', delayMs: checkConstantDelay(name, value, rule) });
  }
  type Fields = Record<
    'type' | 'delayMs' | 'initialDelayMs' | 'maxDelayMs' | 'multiplier' | 'jitter',
    unknown
  >;
  const raw = checkOptions(name, value as Partial<Fields> | undefined);
  const type = checkOneOf(`${name}.type`, raw.type, BACKOFF_TYPES);
  checkKnownKeys(
    name,
    raw,
    type === 'constant'
      ? ['type', 'delayMs']
      : type === 'exponential'
        ? ['type', 'initialDelayMs', 'maxDelayMs', 'multiplier', 'jitter']
        : ['type', 'initialDelayMs', 'maxDelayMs'],
  );
  if (type === 'constant') {
    const delayMs = checkConstantDelay(`${name}.delayMs`, raw.delayMs, rule);
    return Object.freeze({ type, delayMs });
  }
  const initialDelayMs = checkNumber(`${name}.initialDelayMs`, raw.initialDelayMs, {
    min: 0,
    exclusiveMin: true,
    max: MAX_TIMER_MS,
  });
  const maxDelayMs = checkNumber(`${name}.maxDelayMs`, raw.maxDelayMs, {
    min: initialDelayMs,
    max: MAX_TIMER_MS,
  });
  if (type === 'decorrelated-jitter') return Object.freeze({ type, initialDelayMs, maxDelayMs });
  return Object.freeze({
    type,
    initialDelayMs,
    maxDelayMs,
    multiplier: checkNumber(`${name}.multiplier`, raw.multiplier, { min: 1, default: 2 }),
    jitter: checkNumber(`${name}.jitter`, raw.jitter, { min: 0, max: 1, default: 0 }),
  });
}

/** A constant wait: in [0, MAX_TIMER_MS], or (0, MAX_TIMER_MS] when `positive` is set. */
function checkConstantDelay(
  name: string,
  value: unknown,
  rule: { positive?: boolean | undefined },
): number {
  return checkNumber(name, value, {
    min: 0,
    exclusiveMin: rule.positive === true,
    max: MAX_TIMER_MS,
  });
}

/**
 * The wait after failure number `attempt` (from 1) in a row, given the previous wait
 * (used by decorrelated jitter). `random` (numbers in [0, 1)) is called only when the
 * backoff is random; the caller checks what it returns if it comes from user code.
 */
export function backoffDelay(
  backoff: ResolvedBackoff,
  attempt: number,
  previousMs: number,
  random: () => number,
): number {
  switch (backoff.type) {
    case 'constant':
      return backoff.delayMs;
    case 'exponential': {
      const wait = Math.min(
        backoff.maxDelayMs,
        backoff.initialDelayMs * backoff.multiplier ** (attempt - 1),
      );
      if (backoff.jitter === 0) return wait;
      return wait * (1 - backoff.jitter * (1 - random()));
    }
    case 'decorrelated-jitter': {
      const low = backoff.initialDelayMs;
      const high = Math.max(low, (attempt === 1 ? low : previousMs) * 3);
      return Math.min(backoff.maxDelayMs, low + random() * (high - low));
    }
  }
}
