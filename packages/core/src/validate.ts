import { describeValue } from './describe-value.js';

/**
 * Option validation with messages that name the option, the expected range and the
 * value received:
 *
 *     TypeError: Expected `ttl` to be a finite number >= 0, got `"10s"` (string)
 *
 * A value of the wrong type throws `TypeError`; a value of the right type outside the
 * allowed range throws `RangeError`. Nothing is clamped or coerced.
 */

/** Constraints for {@link checkNumber}. */
export interface NumberRule {
  /** Smallest allowed value (inclusive unless `exclusiveMin`). */
  min?: number | undefined;
  /** Largest allowed value (inclusive). */
  max?: number | undefined;
  /** Treat `min` as exclusive (`> min`). @default false */
  exclusiveMin?: boolean | undefined;
  /** Require an integer. @default false */
  integer?: boolean | undefined;
  /** Accept `Infinity` (for "no limit" options). @default false */
  allowInfinity?: boolean | undefined;
}

/** A rule plus the value to use when the option is `undefined`. */
export interface NumberOption extends NumberRule {
  /** Returned when the value is `undefined`; without it `undefined` is rejected. */
  default?: number | undefined;
}

function expectation(rule: NumberRule): string {
  let text = rule.integer === true ? 'an integer' : 'a finite number';
  if (rule.integer === true && rule.allowInfinity === true) text = 'an integer or Infinity';
  else if (rule.allowInfinity === true) text = 'a number';
  const bounds: string[] = [];
  if (rule.min !== undefined) bounds.push(`${rule.exclusiveMin === true ? '>' : '>='} ${rule.min}`);
  if (rule.max !== undefined) bounds.push(`<= ${rule.max}`);
  return bounds.length === 0 ? text : `${text} ${bounds.join(' and ')}`;
}

/** Builds the standard message: ``Expected `name` to be <what>, got <value>``. */
export function invalidMessage(name: string, what: string, value: unknown): string {
  return `Expected \`${name}\` to be ${what}, got ${describeValue(value)}`;
}

/**
 * Validates a numeric option and returns it (or `rule.default` when `undefined`).
 *
 * @throws TypeError when the value is not a number or is NaN.
 * @throws RangeError when it is infinite (unless allowed), fractional for an integer
 *   rule, or outside `min`/`max`.
 */
export function checkNumber(name: string, value: unknown, rule: NumberOption = {}): number {
  if (value === undefined && rule.default !== undefined) return rule.default;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(invalidMessage(name, expectation(rule), value));
  }
  const infinite = value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY;
  if (
    (infinite && rule.allowInfinity !== true) ||
    (rule.integer === true && !infinite && !Number.isInteger(value)) ||
    (rule.min !== undefined &&
      (rule.exclusiveMin === true ? value <= rule.min : value < rule.min)) ||
    (rule.max !== undefined && value > rule.max)
  ) {
    throw new RangeError(invalidMessage(name, expectation(rule), value));
  }
  return value;
}

/** {@link checkNumber} with `integer: true`. */
export function checkInteger(name: string, value: unknown, rule: NumberOption = {}): number {
  return checkNumber(name, value, { ...rule, integer: true });
}

/** Validates a boolean option; `undefined` gives `fallback` when one is passed. */
export function checkBoolean(name: string, value: unknown, fallback?: boolean): boolean {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(invalidMessage(name, 'a boolean', value));
  return value;
}

/** Validates that an option is a function. */
export function checkFunction<F extends (...args: never[]) => unknown>(
  name: string,
  value: unknown,
): F {
  if (typeof value !== 'function') throw new TypeError(invalidMessage(name, 'a function', value));
  return value as F;
}

/** Validates an optional function option: `undefined` passes through. */
export function checkOptionalFunction<F extends (...args: never[]) => unknown>(
  name: string,
  value: unknown,
): F | undefined {
  return value === undefined ? undefined : checkFunction<F>(name, value);
}

/** Validates that an option is one of a fixed set of strings. */
export function checkOneOf<const T extends string>(
  name: string,
  value: unknown,
  choices: readonly T[],
  fallback?: T,
): T {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value === 'string' && (choices as readonly string[]).includes(value))
    return value as T;
  const what = `one of ${choices.map((c) => `"${c}"`).join(', ')}`;
  const error = typeof value === 'string' ? RangeError : TypeError;
  throw new error(invalidMessage(name, what, value));
}

/** Validates a non-empty string option. */
export function checkString(name: string, value: unknown, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string')
    throw new TypeError(invalidMessage(name, 'a non-empty string', value));
  if (value === '') throw new RangeError(invalidMessage(name, 'a non-empty string', value));
  return value;
}

/**
 * Validates the options argument itself: `undefined` becomes an empty object, anything
 * but a non-array object is a `TypeError` naming `name` (e.g. `'options'`).
 */
export function checkOptions<T extends object>(name: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(invalidMessage(name, 'an options object', value));
  }
  return value;
}

/**
 * Refuses keys of an options object that are not options: a misspelt option in plain
 * JavaScript would otherwise be ignored without a word.
 * @throws TypeError naming the unknown key and the known ones.
 */
export function checkKnownKeys(name: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      const names = known.map((k) => `\`${k}\``).join(', ');
      throw new TypeError(`Unknown option \`${key}\` in \`${name}\`; the options are ${names}`);
    }
  }
}

/** Validates an optional `AbortSignal` option; `undefined` passes through. */
export function checkSignal(name: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) {
    throw new TypeError(invalidMessage(name, 'an AbortSignal', value));
  }
  return value;
}
