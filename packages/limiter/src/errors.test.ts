import { BreakwaterError } from '@breakwater/core';
import { describe, expect, it, vi } from 'vitest';
import {
  isRateLimitedError,
  isRateLimiterClosedError,
  RateLimitedError,
  RateLimiterClosedError,
} from './errors.js';
import type { RateLimitResult } from './rate-limiter.js';

const result: RateLimitResult = {
  allowed: false,
  limit: 5,
  remaining: 0,
  resetAfterMs: 1000,
  retryAfterMs: 250,
};

describe('limiter error guards', () => {
  it('recognise their own error and nothing else', () => {
    const limited = new RateLimitedError('k', result);
    const closed = new RateLimiterClosedError();
    expect(isRateLimitedError(limited)).toBe(true);
    expect(isRateLimitedError(closed)).toBe(false);
    expect(isRateLimiterClosedError(closed)).toBe(true);
    expect(isRateLimiterClosedError(limited)).toBe(false);
    for (const guard of [isRateLimitedError, isRateLimiterClosedError]) {
      expect(guard(new BreakwaterError('OTHER', 'x'))).toBe(false);
      expect(guard({ code: 'BREAKWATER_RATE_LIMITED' })).toBe(false);
      expect(guard({ code: 'BREAKWATER_RATE_LIMITER_CLOSED' })).toBe(false);
      expect(guard(null)).toBe(false);
    }
  });

  it('recognise errors thrown by a duplicate copy of the package', async () => {
    // A fresh module instance stands in for a second copy of the package in node_modules.
    vi.resetModules();
    const copy = await import('./errors.js');
    expect(copy.RateLimitedError).not.toBe(RateLimitedError);
    const limited = new copy.RateLimitedError('k', result);
    const closed = new copy.RateLimiterClosedError();
    expect(limited).not.toBeInstanceOf(RateLimitedError);
    expect(isRateLimitedError(limited)).toBe(true);
    expect(isRateLimiterClosedError(closed)).toBe(true);
  });
});
