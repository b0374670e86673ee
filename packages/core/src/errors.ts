import { invalidMessage } from './validate.js';

/**
 * The brand every Breakwater error carries. `Symbol.for` makes it the same symbol in
 * every copy of this package loaded into one process, so the guards below recognise
 * errors thrown by a duplicate copy (two versions in node_modules, or ESM next to a
 * bundled copy) where `instanceof` would not.
 */
const BRAND = Symbol.for('@breakwater/core/error');

/** Options accepted by every Breakwater error constructor. */
export interface BreakwaterErrorOptions {
  /** The underlying error, kept on `error.cause`. */
  cause?: unknown;
}

/**
 * Base class of every error a Breakwater package throws on purpose.
 *
 * - `name` is the subclass name (`'BreakerOpenError'`, ...);
 * - `code` is a stable string (`'BREAKWATER_BREAKER_OPEN'`, ...) safe to switch on
 *   across versions;
 * - `cause` carries the underlying error when there is one.
 *
 * Use {@link isBreakwaterError} rather than `instanceof` when the error may come from
 * another copy of a package.
 */
export class BreakwaterError extends Error {
  /** Stable, documented identifier of the failure mode. */
  readonly code: string;

  constructor(code: string, message: string, options?: BreakwaterErrorOptions) {
    super(message, options);
    this.code = code;
    // Non-enumerable like Error's own `name`, so logs show the code, not the name twice.
    Object.defineProperty(this, 'name', {
      value: new.target.name,
      configurable: true,
      writable: true,
    });
  }
}

// The brand lives on the prototype: non-enumerable, invisible to JSON and to the types.
Object.defineProperty(BreakwaterError.prototype, BRAND, { value: true });

/**
 * True when `value` is an error thrown by any copy of a Breakwater package, optionally
 * with the given `code`. Works across duplicate package copies, unlike `instanceof`.
 */
export function isBreakwaterError(value: unknown, code?: string): value is BreakwaterError {
  if (typeof value !== 'object' || value === null) return false;
  if ((value as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (value as { code?: unknown }).code === code;
}

/** An error class with its stable code as a static `code`, as every Breakwater error has. */
export interface BreakwaterErrorClass<E extends BreakwaterError> {
  readonly code: string;
  readonly prototype: E;
}

/**
 * Builds the typed guard of an error class: `errorGuard(PoolTimeoutError)` is
 * `(value) => value is PoolTimeoutError`. It checks the brand and the class's static
 * `code`, not `instanceof`, so it recognises errors thrown by another copy of the package.
 * @throws TypeError when the class has no string `code`.
 */
export function errorGuard<E extends BreakwaterError>(
  errorClass: BreakwaterErrorClass<E>,
): (value: unknown) => value is E;
/** Builds the typed guard of the errors carrying `code`; for a class without a static `code`. */
export function errorGuard<E extends BreakwaterError>(code: string): (value: unknown) => value is E;
export function errorGuard<E extends BreakwaterError>(
  classOrCode: BreakwaterErrorClass<E> | string,
): (value: unknown) => value is E {
  const code = typeof classOrCode === 'string' ? classOrCode : classOrCode.code;
  if (typeof code !== 'string') {
    throw new TypeError(invalidMessage('errorClass.code', 'a string', code));
  }
  return (value: unknown): value is E => isBreakwaterError(value, code);
}
