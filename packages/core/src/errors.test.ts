import { describe, expect, it, vi } from 'vitest';
import { BreakwaterError, errorGuard, isBreakwaterError } from './errors.js';

class PoolTimeoutError extends BreakwaterError {
  static readonly code = 'BREAKWATER_POOL_TIMEOUT';
  constructor(cause?: unknown) {
    super(PoolTimeoutError.code, 'Timed out after 10 ms', { cause });
  }
}
const isPoolTimeoutError = errorGuard(PoolTimeoutError);
const isPoolTimeoutCode = errorGuard<PoolTimeoutError>('BREAKWATER_POOL_TIMEOUT');

describe('BreakwaterError', () => {
  it('carries the subclass name, a stable code, the message and the cause', () => {
    const cause = new Error('socket closed');
    const error = new PoolTimeoutError(cause);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PoolTimeoutError');
    expect(error.code).toBe('BREAKWATER_POOL_TIMEOUT');
    expect(error.message).toBe('Timed out after 10 ms');
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('PoolTimeoutError: Timed out after 10 ms');
  });

  it('keeps name and brand out of enumerable properties', () => {
    const error = new BreakwaterError('X', 'x');
    expect(Object.keys(error)).toEqual(['code']);
    expect(JSON.parse(JSON.stringify(error))).toEqual({ code: 'X' });
  });

  it('is recognised by the guard, with or without a code', () => {
    const error = new PoolTimeoutError();
    expect(isBreakwaterError(error)).toBe(true);
    expect(isBreakwaterError(error, 'BREAKWATER_POOL_TIMEOUT')).toBe(true);
    expect(isBreakwaterError(error, 'OTHER')).toBe(false);
    expect(isPoolTimeoutError(error)).toBe(true);
    expect(isPoolTimeoutError(new BreakwaterError('OTHER', 'x'))).toBe(false);
  });

  it('is not confused with look-alikes and non-errors', () => {
    for (const value of [
      null,
      undefined,
      'BreakwaterError',
      42,
      new Error('plain'),
      { code: 'BREAKWATER_POOL_TIMEOUT', name: 'PoolTimeoutError' },
    ]) {
      expect(isBreakwaterError(value)).toBe(false);
    }
  });

  it('recognises errors from a duplicate copy of the package by their brand', async () => {
    // A second, independent module instance stands in for another copy in node_modules.
    vi.resetModules();
    const copy = await import('./errors.js');
    expect(copy.BreakwaterError).not.toBe(BreakwaterError);
    const foreign = new copy.BreakwaterError('BREAKWATER_POOL_TIMEOUT', 'from the copy');
    expect(foreign).not.toBeInstanceOf(BreakwaterError);
    expect(isBreakwaterError(foreign)).toBe(true);
    expect(isPoolTimeoutError(foreign)).toBe(true);
  });

  it('gets a guard from its class, typed by the class and checking its static code', () => {
    const guard: (value: unknown) => value is PoolTimeoutError = errorGuard(PoolTimeoutError);
    const error: unknown = new PoolTimeoutError();
    expect(guard(error)).toBe(true);
    if (guard(error)) expect(error.code).toBe('BREAKWATER_POOL_TIMEOUT');
    expect(guard(new BreakwaterError('OTHER', 'x'))).toBe(false);
    expect(guard({ code: 'BREAKWATER_POOL_TIMEOUT' })).toBe(false);
  });

  it('still gets a guard from a code alone', () => {
    expect(isPoolTimeoutCode(new PoolTimeoutError())).toBe(true);
    expect(isPoolTimeoutCode(new BreakwaterError('OTHER', 'x'))).toBe(false);
  });

  it('refuses to build a guard from a class without a static code', () => {
    class Uncoded extends BreakwaterError {}
    expect(() => errorGuard(Uncoded as never)).toThrow(
      new TypeError('Expected `errorClass.code` to be a string, got `undefined`'),
    );
  });
});
