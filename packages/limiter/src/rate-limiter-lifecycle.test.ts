import { createManualClock } from '@breakwater/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isRateLimiterClosedError, RateLimiterClosedError } from './errors.js';
import { type Algorithm, RateLimiter } from './index.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('RateLimiter: close', () => {
  it('rejects waiting acquire callers with RateLimiterClosedError and leaves no timer', async () => {
    vi.useFakeTimers();
    const limiter = new RateLimiter({ limits: { limit: 1, windowMs: 1_000 } });
    await limiter.acquire('a');
    await limiter.acquire('b');
    const waiting = [limiter.acquire('a'), limiter.acquire('a'), limiter.acquire('b')];
    const settled = Promise.allSettled(waiting);
    expect(limiter.stats().waiting).toBe(3);
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    await limiter.close();
    const results = await settled;
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(RateLimiterClosedError);
      expect(isRateLimiterClosedError(reason)).toBe(true);
      expect((reason as RateLimiterClosedError).code).toBe('BREAKWATER_RATE_LIMITER_CLOSED');
    }
    expect(vi.getTimerCount()).toBe(0);
    expect(limiter.stats().waiting).toBe(0);
  });

  it('refuses consume, limit and acquire afterwards, while get, reset, refund and stats keep working', async () => {
    const clock = createManualClock();
    const limiter = new RateLimiter({ limits: { limit: 2, windowMs: 1_000 }, clock });
    limiter.consume('k');
    await limiter[Symbol.asyncDispose]();
    expect(limiter.closed).toBe(true);
    expect(() => limiter.consume('k')).toThrow(RateLimiterClosedError);
    expect(() => limiter.limit('k')).toThrow(RateLimiterClosedError);
    await expect(limiter.acquire('k')).rejects.toThrow(RateLimiterClosedError);
    expect(limiter.get('k')).toMatchObject({ allowed: true, remaining: 1 });
    limiter.refund('k');
    expect(limiter.get('k')).toMatchObject({ remaining: 2 });
    limiter.reset('k');
    expect(limiter.size).toBe(0);
    expect(limiter.stats()).toEqual({ keys: 0, allowed: 1, denied: 0, waiting: 0 });
    // Validation still comes first.
    expect(() => limiter.consume('')).toThrow(RangeError);
  });

  it('settles a second close like the first', async () => {
    const limiter = new RateLimiter({ limits: { limit: 1, windowMs: 1_000 } });
    await expect(limiter.close()).resolves.toBeUndefined();
    await expect(limiter.close()).resolves.toBeUndefined();
  });
});

describe('RateLimiter: stats', () => {
  it('counts allowed and denied decisions, keys tracked and waiting acquirers', async () => {
    vi.useFakeTimers();
    const limiter = new RateLimiter({ limits: { limit: 2, windowMs: 1_000 } });
    expect(limiter.stats()).toEqual({ keys: 0, allowed: 0, denied: 0, waiting: 0 });
    limiter.consume('a');
    limiter.consume('a');
    limiter.consume('a');
    limiter.consume('b');
    expect(limiter.stats()).toEqual({ keys: 2, allowed: 3, denied: 1, waiting: 0 });
    const waiting = limiter.acquire('a');
    expect(limiter.stats()).toMatchObject({ waiting: 1 });
    await vi.advanceTimersByTimeAsync(500);
    await waiting;
    expect(limiter.stats()).toMatchObject({ allowed: 4, waiting: 0 });
    const aborted = new AbortController();
    const leaving = limiter.acquire('a', { signal: aborted.signal });
    expect(limiter.stats().waiting).toBe(1);
    aborted.abort();
    await expect(leaving).rejects.toThrow();
    expect(limiter.stats().waiting).toBe(0);
  });

  it('returns a fresh object each time', () => {
    const limiter = new RateLimiter({ limits: { limit: 1, windowMs: 1_000 } });
    const first = limiter.stats();
    first.allowed = 99;
    expect(limiter.stats().allowed).toBe(0);
  });
});

describe('RateLimiter: get', () => {
  const algorithms: Algorithm[] = ['gcra', 'token-bucket', 'sliding-window', 'fixed-window'];
  for (const algorithm of algorithms) {
    it(`reports what a cost-1 consume would decide without consuming (${algorithm})`, () => {
      const clock = createManualClock(10_000);
      const options = {
        limits: [
          { limit: 3, windowMs: 1_000 },
          { limit: 5, windowMs: 10_000 },
        ],
        algorithm,
        clock,
      };
      const limiter = new RateLimiter(options);
      const twin = new RateLimiter(options);
      expect(limiter.get('k')).toEqual({
        allowed: true,
        limit: 3,
        remaining: 3,
        retryAfterMs: 0,
        resetAfterMs: expect.any(Number),
      });
      expect(limiter.size).toBe(0);
      for (let step = 0; step < 12; step++) {
        const peeked = limiter.get('k');
        expect(limiter.get('k')).toEqual(peeked);
        const consumed = twin.consume('k');
        expect(peeked.allowed).toBe(consumed.allowed);
        expect(peeked.retryAfterMs).toBe(consumed.retryAfterMs);
        // `consume` reports what is left after taking its unit, `get` what is there now.
        expect(peeked.remaining).toBe(consumed.remaining + (consumed.allowed ? 1 : 0));
        limiter.consume('k');
        clock.advance(170);
      }
      expect(limiter.stats()).toEqual(twin.stats());
    });
  }

  it('refuses an empty key', () => {
    const limiter = new RateLimiter({ limits: { limit: 1, windowMs: 1_000 } });
    expect(() => limiter.get('')).toThrow(RangeError);
    expect(() => limiter.get(1 as unknown as string)).toThrow(TypeError);
  });
});
