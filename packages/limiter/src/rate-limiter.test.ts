import { createManualClock } from '@breakwater/testing';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { isRateLimitedError, RateLimitedError } from './errors.js';
import { type Algorithm, type LimitRule, RateLimiter } from './index.js';
import { rateLimitHeaders } from './rate-limit-headers.js';

describe('RateLimiter: GCRA', () => {
  it('allows a burst of limit, then the steady rate, with exact retryAfterMs', () => {
    const clock = createManualClock();
    const limiter = new RateLimiter({ limits: { limit: 10, windowMs: 1000 }, clock });
    for (let i = 9; i >= 0; i--) {
      expect(limiter.consume('k')).toMatchObject({ allowed: true, remaining: i, limit: 10 });
    }
    expect(limiter.consume('k')).toEqual({
      allowed: false,
      limit: 10,
      remaining: 0,
      retryAfterMs: 100,
      resetAfterMs: 1000,
    });
    clock.advance(100);
    expect(limiter.consume('k').allowed).toBe(true);
    expect(limiter.consume('k').allowed).toBe(false);
  });

  it('honours a smaller burst and costs above one', () => {
    const clock = createManualClock();
    const limiter = new RateLimiter({ limits: { limit: 10, windowMs: 1000, burst: 2 }, clock });
    expect(limiter.consume('k', 2)).toMatchObject({ allowed: true, remaining: 0 });
    expect(limiter.consume('k')).toMatchObject({ allowed: false, retryAfterMs: 100 });
    expect(() => limiter.consume('k', 3)).toThrow(
      new RangeError(
        'Expected `cost` to be an integer <= 2 (it could never be allowed), got `3` (number)',
      ),
    );
  });

  it('admits exactly the ideal count for a steady stream of requests', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 20 }),
        (limit, step) => {
          const clock = createManualClock();
          const limiter = new RateLimiter({ limits: { limit, windowMs: 1000 }, clock });
          let admitted = 0;
          let requests = 0;
          for (let t = 0; t < 10_000; t += step) {
            requests++;
            if (limiter.consume('k').allowed) admitted++;
            clock.advance(step);
          }
          // The burst first, then one per emission interval (1000 / limit ms) — or every
          // request when they come no faster than that.
          const ideal = Math.min(requests, limit + Math.floor((10_000 - step) / (1000 / limit)));
          expect(Math.abs(admitted - ideal)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe('RateLimiter: never more than the limit in any window', () => {
  for (const algorithm of ['gcra', 'token-bucket', 'sliding-window', 'fixed-window'] as const) {
    it(`${algorithm}: admitted units in every window stay within limit (+ burst allowance)`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 10 }),
          fc.integer({ min: 10, max: 500 }),
          fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 3 })), {
            maxLength: 200,
          }),
          (limit, windowMs, arrivals) => {
            const clock = createManualClock();
            const limiter = new RateLimiter({ limits: { limit, windowMs }, algorithm, clock });
            const admitted: Array<[number, number]> = [];
            for (const [gap, cost] of arrivals) {
              clock.advance(gap);
              if (cost > limiter.maxCost) continue;
              if (limiter.consume('k', cost).allowed) admitted.push([clock.now(), cost]);
            }
            for (const [start] of admitted) {
              const inWindow = admitted
                .filter(([t]) => t >= start && t < start + windowMs)
                .reduce((sum, [, c]) => sum + c, 0);
              // A full burst plus what refills within the window (GCRA), or two adjacent
              // fixed windows' worth across a boundary.
              expect(inWindow).toBeLessThanOrEqual(2 * limit);
            }
            if (algorithm === 'fixed-window' || algorithm === 'sliding-window') {
              const perWindow = new Map<number, number>();
              for (const [t, c] of admitted) {
                const w = Math.floor(t / windowMs);
                perWindow.set(w, (perWindow.get(w) ?? 0) + c);
              }
              for (const used of perWindow.values()) expect(used).toBeLessThanOrEqual(limit);
            }
          },
        ),
      );
    });
  }
});

describe('RateLimiter: multi-window quotas', () => {
  it('checks every limit and consumes from all or none', () => {
    const clock = createManualClock();
    const limiter = new RateLimiter({
      limits: [
        { limit: 3, windowMs: 1000 },
        { limit: 5, windowMs: 60_000 },
      ],
      clock,
    });
    for (let i = 0; i < 3; i++) expect(limiter.consume('k').allowed).toBe(true);
    const denied = limiter.consume('k');
    expect(denied).toMatchObject({ allowed: false, limit: 3 });
    clock.advance(1000);
    expect(limiter.consume('k', 2)).toMatchObject({ allowed: true, remaining: 0, limit: 5 });
    clock.advance(1000);
    const hourly = limiter.consume('k');
    expect(hourly).toMatchObject({ allowed: false, limit: 5 });
    expect(hourly.retryAfterMs).toBeGreaterThan(1000);
    // Nothing was consumed from the per-second limit by the denied request.
    clock.advance(60_000);
    for (let i = 0; i < 3; i++) expect(limiter.consume('k').allowed).toBe(true);
  });

  it('fixed windows reset at their boundaries, all-or-nothing across limits', () => {
    const clock = createManualClock();
    const limiter = new RateLimiter({
      limits: [
        { limit: 2, windowMs: 100 },
        { limit: 3, windowMs: 1000 },
      ],
      algorithm: 'fixed-window',
      clock,
    });
    expect(limiter.consume('k', 2)).toMatchObject({
      allowed: true,
      remaining: 0,
      resetAfterMs: 100,
    });
    expect(limiter.consume('k')).toMatchObject({ allowed: false, retryAfterMs: 100 });
    clock.advance(100);
    expect(limiter.consume('k')).toMatchObject({ allowed: true, remaining: 0, limit: 3 });
    clock.advance(100);
    expect(limiter.consume('k')).toMatchObject({ allowed: false, limit: 3, retryAfterMs: 800 });
  });
});

describe('RateLimiter: keys, errors and headers', () => {
  it('keeps keys apart and drops idle keys as decisions go by, without timers', () => {
    const clock = createManualClock();
    const limiter = new RateLimiter({ limits: { limit: 1, windowMs: 100 }, clock });
    for (let i = 0; i < 50; i++) expect(limiter.consume(`user:${i}`).allowed).toBe(true);
    expect(limiter.size).toBe(50);
    clock.advance(1000);
    for (let i = 0; i < 300; i++) limiter.consume('hot');
    expect(limiter.size).toBeLessThanOrEqual(1);
    limiter.reset('hot');
    expect(limiter.size).toBe(0);
  });

  it('limit() throws RateLimitedError with retryAfterMs', () => {
    const limiter = new RateLimiter({
      limits: { limit: 1, windowMs: 1000 },
      clock: createManualClock(),
    });
    limiter.limit('k');
    let error: unknown;
    try {
      limiter.limit('k');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(isRateLimitedError(error)).toBe(true);
    expect((error as RateLimitedError).retryAfterMs).toBe(1000);
    expect((error as Error).message).toBe('Rate limit of 1 exceeded for key "k"; retry in 1000 ms');
  });

  it('produces RateLimit-* and Retry-After headers', () => {
    const limiter = new RateLimiter({
      limits: { limit: 2, windowMs: 60_000 },
      clock: createManualClock(),
    });
    expect(rateLimitHeaders(limiter.consume('k'))).toEqual({
      'RateLimit-Limit': '2',
      'RateLimit-Remaining': '1',
      'RateLimit-Reset': '30',
    });
    limiter.consume('k');
    expect(rateLimitHeaders(limiter.consume('k'))).toEqual({
      'RateLimit-Limit': '2',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '60',
      'Retry-After': '30',
    });
  });
});

describe('RateLimiter: token bucket and sliding window', () => {
  it('token bucket: burst tokens at once, refilled at limit / windowMs', () => {
    const clock = createManualClock();
    const limiter = new RateLimiter({
      limits: { limit: 10, windowMs: 1000, burst: 3 },
      algorithm: 'token-bucket',
      clock,
    });
    expect(limiter.consume('k', 3)).toMatchObject({
      allowed: true,
      remaining: 0,
      resetAfterMs: 300,
    });
    expect(limiter.consume('k')).toMatchObject({ allowed: false, retryAfterMs: 100 });
    clock.advance(100);
    expect(limiter.consume('k')).toMatchObject({ allowed: true, remaining: 0 });
    clock.advance(10_000);
    expect(limiter.consume('k')).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('sliding window: weighs the previous window by its remaining overlap', () => {
    const clock = createManualClock();
    const limiter = new RateLimiter({
      limits: { limit: 10, windowMs: 1000 },
      algorithm: 'sliding-window',
      clock,
    });
    expect(limiter.consume('k', 10)).toMatchObject({ allowed: true, remaining: 0 });
    clock.advance(1500); // half of the previous window still overlaps: estimate 5
    expect(limiter.consume('k', 5)).toMatchObject({ allowed: true, remaining: 0 });
    const denied = limiter.consume('k');
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterMs).toBeGreaterThan(0);
    clock.advance(denied.retryAfterMs);
    expect(limiter.consume('k').allowed).toBe(true);
  });

  it('sliding window: waits for the next window when this one is full', () => {
    const clock = createManualClock();
    const limiter = new RateLimiter({
      limits: { limit: 4, windowMs: 1000 },
      algorithm: 'sliding-window',
      clock,
    });
    limiter.consume('k', 4);
    const denied = limiter.consume('k');
    expect(denied).toMatchObject({ allowed: false, retryAfterMs: 1250 });
    clock.advance(1250);
    expect(limiter.consume('k').allowed).toBe(true);
  });

  it('refund gives units back, never beyond a fresh allowance', () => {
    for (const algorithm of ['gcra', 'token-bucket', 'sliding-window', 'fixed-window'] as const) {
      const clock = createManualClock(5000);
      const limiter = new RateLimiter({ limits: { limit: 2, windowMs: 1000 }, algorithm, clock });
      limiter.consume('k', 2);
      expect(limiter.consume('k').allowed).toBe(false);
      limiter.refund('k');
      expect(limiter.consume('k').allowed).toBe(true);
      limiter.refund('k', 2);
      limiter.refund('k', 2);
      limiter.refund('unknown');
      expect(limiter.consume('k', 2).allowed).toBe(true);
      expect(limiter.consume('k').allowed).toBe(false);
    }
  });
});

describe('RateLimiter: acquire', () => {
  it('waits until allowed, serving one key in arrival order, with no timer left', async () => {
    vi.useFakeTimers();
    try {
      const limiter = new RateLimiter({ limits: { limit: 1, windowMs: 100 } });
      const order: string[] = [];
      await limiter.acquire('k');
      const a = limiter.acquire('k').then(() => order.push('a'));
      const b = limiter.acquire('k', { cost: 1 }).then(() => order.push('b'));
      await vi.advanceTimersByTimeAsync(99);
      expect(order).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(order).toEqual(['a']);
      await vi.advanceTimersByTimeAsync(100);
      await Promise.all([a, b]);
      expect(order).toEqual(['a', 'b']);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects at once when the wait would exceed maxWaitMs, and at the deadline while queued', async () => {
    vi.useFakeTimers();
    try {
      const limiter = new RateLimiter({ limits: { limit: 1, windowMs: 1000 } });
      await limiter.acquire('k');
      await expect(limiter.acquire('k', { maxWaitMs: 10 })).rejects.toSatisfy(isRateLimitedError);
      const first = limiter.acquire('k');
      const second = limiter.acquire('k', { maxWaitMs: 1500 });
      const secondOutcome = second.then(
        () => 'served',
        (e: unknown) => (isRateLimitedError(e) ? 'limited' : 'other'),
      );
      await vi.advanceTimersByTimeAsync(1000);
      await first;
      await vi.advanceTimersByTimeAsync(500);
      expect(await secondOutcome).toBe('limited');
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('an aborted waiter leaves the queue and the next one is served', async () => {
    vi.useFakeTimers();
    try {
      const limiter = new RateLimiter({ limits: { limit: 1, windowMs: 100 } });
      await limiter.acquire('k');
      const controller = new AbortController();
      const first = limiter.acquire('k', { signal: controller.signal });
      const second = limiter.acquire('k');
      controller.abort('gave up');
      await expect(first).rejects.toBe('gave up');
      await vi.advanceTimersByTimeAsync(100);
      await expect(second).resolves.toMatchObject({ allowed: true });
      await expect(limiter.acquire('k', { signal: AbortSignal.abort('early') })).rejects.toBe(
        'early',
      );
      await expect(limiter.acquire('k', { cost: 5 })).rejects.toThrow(RangeError);
      await expect(limiter.acquire('k', { maxWaitMs: -1 })).rejects.toThrow(RangeError);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('RateLimiter: acquire beyond the range of a timer', () => {
  it('a maxWaitMs above 2^31 - 1 ms does not fire at once', async () => {
    vi.useFakeTimers();
    try {
      const limiter = new RateLimiter({
        limits: { limit: 1, windowMs: 1_000 },
        clock: { now: () => Date.now() },
      });
      limiter.consume('k');
      let settled = '';
      const waiting = limiter.acquire('k', { maxWaitMs: 2 ** 31 }).then(
        () => {
          settled = 'allowed';
        },
        () => {
          settled = 'rejected';
        },
      );
      await vi.advanceTimersByTimeAsync(10);
      expect(settled).toBe('');
      await vi.advanceTimersByTimeAsync(1_000);
      await waiting;
      expect(settled).toBe('allowed');
    } finally {
      vi.useRealTimers();
    }
  });

  it('a wait above 2^31 - 1 ms sleeps in the longest timer, not in 1 ms polls', async () => {
    vi.useFakeTimers();
    try {
      let reads = 0;
      const limiter = new RateLimiter({
        limits: { limit: 1, windowMs: 1e11 },
        clock: {
          now: () => {
            reads++;
            return Date.now();
          },
        },
      });
      limiter.consume('k');
      const controller = new AbortController();
      const waiting = limiter.acquire('k', { signal: controller.signal }).catch((e: unknown) => e);
      const before = reads;
      await vi.advanceTimersByTimeAsync(100);
      expect(reads).toBe(before);
      controller.abort(new Error('stop'));
      expect(await waiting).toEqual(new Error('stop'));
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('RateLimiter: per-key storage', () => {
  const algorithms = ['gcra', 'token-bucket', 'sliding-window', 'fixed-window'] as const;

  it('one shared limiter decides every key as a limiter of its own would, through sweeps, slot reuse and resets', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...algorithms),
        fc.boolean(),
        fc.integer({ min: 0, max: 150 }), // keys seen once at first (then swept and compacted)
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 99 }), // key
            fc.constantFrom(0, 0, 0, 1, 7, 50, 400), // ms to wait before
            fc.integer({ min: 1, max: 2 }), // cost
            fc.constantFrom('consume', 'consume', 'consume', 'refund', 'reset'),
          ),
          { minLength: 250, maxLength: 400 },
        ),
        (algorithm, twoLimits, burst, ops) => {
          const limits = twoLimits
            ? [
                { limit: 3, windowMs: 100 },
                { limit: 5, windowMs: 300 },
              ]
            : { limit: 3, windowMs: 100 };
          const clock = createManualClock(1000);
          const shared = new RateLimiter({ limits, algorithm, clock });
          const own = new Map<number, RateLimiter>();
          const steps = [
            ...Array.from({ length: burst }, (_, k) => [k, 0, 1, 'consume'] as const),
            ...ops,
          ];
          for (const [k, wait, cost, op] of steps) {
            clock.advance(wait);
            let alone = own.get(k);
            if (alone === undefined) {
              alone = new RateLimiter({ limits, algorithm, clock });
              own.set(k, alone);
            }
            const key = `user:${k}`;
            if (op === 'consume')
              expect(shared.consume(key, cost)).toEqual(alone.consume(key, cost));
            else if (op === 'refund') {
              shared.refund(key, cost);
              alone.refund(key, cost);
            } else {
              shared.reset(key);
              alone.reset(key);
            }
          }
          let kept = 0;
          for (const alone of own.values()) kept += alone.size;
          expect(shared.size).toBeLessThanOrEqual(own.size);
          expect(kept).toBeLessThanOrEqual(own.size);
        },
      ),
    );
  });

  it('a limit given twice decides exactly as that limit alone (the one-limit fast path matches the general one)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...algorithms),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 10, max: 500 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 1, max: 3 })), {
          minLength: 20,
          maxLength: 150,
        }),
        (algorithm, limit, windowMs, arrivals) => {
          const clock = createManualClock();
          const rule = { limit, windowMs };
          const one = new RateLimiter({ limits: rule, algorithm, clock });
          const twice = new RateLimiter({ limits: [rule, rule], algorithm, clock });
          for (const [gap, cost] of arrivals) {
            clock.advance(gap);
            if (cost > one.maxCost) continue;
            expect(twice.consume('k', cost)).toEqual(one.consume('k', cost));
          }
        },
      ),
    );
  });

  it('reuses the slots of swept keys and compacts the store once most keys are gone, keeping the rest', () => {
    const clock = createManualClock();
    const limiter = new RateLimiter({
      limits: { limit: 10_000, windowMs: 100 },
      algorithm: 'fixed-window',
      clock,
    });
    for (let i = 0; i < 1000; i++) limiter.consume(`old:${i}`);
    clock.advance(150);
    expect(limiter.consume('keep', 3)).toMatchObject({ remaining: 9997 });
    // Every old key is idle now; sweeping drops them as decisions go by, then compacts.
    for (let i = 0; i < 3000; i++) limiter.consume('driver');
    expect(limiter.size).toBe(2);
    expect(limiter.consume('keep')).toMatchObject({ allowed: true, remaining: 9996 });
    expect(limiter.consume('driver')).toMatchObject({ allowed: true, remaining: 6999 });
    // New keys start fresh in the reused slots; the kept ones are untouched.
    for (let i = 0; i < 100; i++) {
      expect(limiter.consume(`new:${i}`, 2)).toMatchObject({ allowed: true, remaining: 9998 });
    }
    expect(limiter.consume('keep')).toMatchObject({ remaining: 9995 });
    expect(limiter.size).toBe(102);
    // Freed slots (not compacted: most keys are still in use) go to new keys.
    for (let i = 0; i < 50; i++) limiter.reset(`new:${i}`);
    for (let i = 0; i < 50; i++) {
      expect(limiter.consume(`newer:${i}`)).toMatchObject({ allowed: true, remaining: 9999 });
    }
    expect(limiter.consume('new:99')).toMatchObject({ remaining: 9997 });
    expect(limiter.consume('new:0')).toMatchObject({ remaining: 9999 });
  });

  it('a waiter behind others leaves at its maxWaitMs; the ones around it keep their turn', async () => {
    vi.useFakeTimers();
    try {
      const limiter = new RateLimiter({ limits: { limit: 1, windowMs: 1_000 } });
      await limiter.acquire('a');
      const order: string[] = [];
      const first = limiter.acquire('a').then(() => order.push('first'));
      const middle = limiter.acquire('a', { maxWaitMs: 500 }).catch((e: unknown) => e);
      const last = limiter.acquire('a').then(() => order.push('last'));
      await vi.advanceTimersByTimeAsync(500);
      const error = await middle;
      expect(isRateLimitedError(error)).toBe(true);
      expect((error as RateLimitedError).retryAfterMs).toBe(500);
      await vi.advanceTimersByTimeAsync(1_500);
      await Promise.all([first, last]);
      expect(order).toEqual(['first', 'last']);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a reset or a refund serves the waiters at once instead of after their wait', async () => {
    vi.useFakeTimers();
    try {
      const limiter = new RateLimiter({ limits: { limit: 1, windowMs: 3_600_000 } });
      await limiter.acquire('a');
      let first = '';
      const waiting = limiter.acquire('a').then(() => {
        first = 'served';
      });
      // Cannot fit within 500 ms even after a reset (one unit per hour): refused at once then.
      const second = limiter.acquire('a', { maxWaitMs: 500 }).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(10);
      expect(first).toBe('');
      limiter.reset('a');
      await vi.advanceTimersByTimeAsync(0);
      expect(first).toBe('served');
      expect(isRateLimitedError(await second)).toBe(true);
      await waiting;
      expect(vi.getTimerCount()).toBe(0);

      // A refund does the same for the next waiter.
      let third = '';
      const next = limiter.acquire('a').then(() => {
        third = 'served';
      });
      await vi.advanceTimersByTimeAsync(10);
      expect(third).toBe('');
      limiter.refund('a');
      await next;
      expect(third).toBe('served');
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('RateLimiter: edges found in review', () => {
  it('sliding window: a fractional window still counts the previous window', () => {
    const windowMs = 0.1;
    const clock = createManualClock(0.25); // window [0.2, 0.3)
    const limiter = new RateLimiter({
      limits: { limit: 1, windowMs },
      algorithm: 'sliding-window',
      clock,
    });
    expect(limiter.consume('k').allowed).toBe(true);
    clock.advance(0.050_000_001); // just into the next window: the previous one weighs ~1
    expect(limiter.consume('k')).toMatchObject({ allowed: false, remaining: 0 });
  });

  it('fixed window: the sweeper keeps a key whose fractional window is still the current one', () => {
    const clock = createManualClock(4.25);
    const limiter = new RateLimiter({
      limits: { limit: 2, windowMs: 0.1 },
      algorithm: 'fixed-window',
      clock,
    });
    expect(limiter.consume('a', 2).allowed).toBe(true);
    // 4.3 / 0.1 floors to 42 in doubles: still the window of 4.25, which 'a' has used up.
    clock.advance(0.05);
    expect(limiter.consume('a').allowed).toBe(false);
    for (let i = 0; i < 200; i++) limiter.consume(`other:${i}`);
    expect(limiter.consume('a').allowed).toBe(false);
  });

  it('sliding window: resetAfterMs counts the units just taken', () => {
    const clock = createManualClock();
    const limiter = new RateLimiter({
      limits: { limit: 2, windowMs: 1000 },
      algorithm: 'sliding-window',
      clock,
    });
    clock.advance(200);
    // The unit taken now still weighs in the next window: fully available at 2000.
    expect(limiter.consume('k')).toMatchObject({ allowed: true, resetAfterMs: 1800 });
    clock.advance(1800 - 1);
    expect(limiter.consume('k', 2).allowed).toBe(false);
  });

  it('acquire: a waiter whose wait equals maxWaitMs is served, not rejected at its deadline', async () => {
    vi.useFakeTimers();
    try {
      const limiter = new RateLimiter({ limits: { limit: 1, windowMs: 1000 } });
      await limiter.acquire('k');
      const waiting = limiter.acquire('k', { maxWaitMs: 1000 });
      const outcome = waiting.then(
        (r) => r.allowed,
        (e: unknown) => e,
      );
      await vi.advanceTimersByTimeAsync(1000);
      expect(await outcome).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('RateLimiter: GCRA on an epoch-ms clock', () => {
  it('a fresh key gets its whole burst at one instant, as at a small clock', () => {
    for (const limit of [6, 7]) {
      const clock = createManualClock(1_733_312_345_678);
      const limiter = new RateLimiter({ limits: { limit, windowMs: 1000 }, clock });
      for (let i = limit - 1; i >= 0; i--) {
        expect(limiter.consume('k')).toMatchObject({ allowed: true, remaining: i });
      }
      expect(limiter.consume('k').allowed).toBe(false);
    }
  });

  it('GCRA and token bucket at large limits admit at most the burst plus the steady rate since the first request', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Algorithm>('gcra', 'token-bucket'),
        fc.integer({ min: 1_000, max: 100_000_000 }),
        fc.oneof(
          fc.integer({ min: 1, max: 3_600_000 }),
          fc.double({ min: 0.01, max: 1e5, noNaN: true }),
        ),
        fc.oneof(
          fc.integer({ min: 1.6e12, max: 2e12 }),
          fc.double({ min: 1.6e12, max: 2e12, noNaN: true }),
        ),
        fc.array(
          fc.record({
            dt: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 5, noNaN: true })),
            cost: fc.integer({ min: 1, max: 1_000 }),
            times: fc.integer({ min: 1, max: 2_000 }),
          }),
          { minLength: 1, maxLength: 10 },
        ),
        (algorithm, limit, windowMs, start, steps) => {
          const clock = createManualClock(start);
          const limiter = new RateLimiter({ limits: { limit, windowMs }, algorithm, clock });
          let admitted = 0;
          for (const { dt, cost, times } of steps) {
            clock.advance(dt);
            for (let i = 0; i < times; i++) {
              if (limiter.consume('k', Math.min(cost, limit)).allowed)
                admitted += Math.min(cost, limit);
            }
            const released = ((clock.now() - start) * limit) / windowMs;
            expect(admitted).toBeLessThanOrEqual(limit + Math.floor(released + 1e-6));
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('RateLimiter: any configuration', () => {
  const extreme = (values: number[]) => fc.constantFrom(...values);
  const count = fc.oneof(
    fc.integer({ min: 1, max: 20 }),
    fc.integer({ min: 1, max: 1e9 }),
    extreme([0, 1.5, 1e9, 2 ** 53 - 1, 2 ** 53, 1e15, 1e21, 1e308, Number.MAX_VALUE]),
  );
  const duration = fc.oneof(
    fc.integer({ min: 1, max: 100_000 }),
    fc.double({ min: 1e-12, max: 1e6, noNaN: true }),
    extreme([1e-300, 1e-12, 1e-9, 1e-6, 0.001, 0.1, 1e12, 2 ** 52, 2 ** 53, 1e21, 1e300, 1e308]),
  );
  const start = fc.oneof(
    fc.constant(0),
    fc.double({ min: 0, max: 1e7, noNaN: true }),
    fc.double({ min: 1.6e12, max: 2e12, noNaN: true }),
  );

  it('is refused, or every decision has 0 <= remaining <= its burst (the limit by default) and durations in whole ms >= 0', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Algorithm>('gcra', 'token-bucket', 'sliding-window', 'fixed-window'),
        fc.array(
          fc.record({
            limit: count,
            windowMs: duration,
            burst: fc.option(count, { nil: undefined }),
          }),
          { minLength: 1, maxLength: 2 },
        ),
        start,
        fc.array(
          fc.record({
            // Steps in parts of the shortest window, or in ms.
            dt: fc.oneof(
              fc.double({ min: 0, max: 3, noNaN: true }),
              fc.double({ min: 0, max: 1e4, noNaN: true }),
            ),
            relative: fc.boolean(),
            cost: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 1e9 })),
            times: fc.integer({ min: 1, max: 5 }),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        (algorithm, drawn, at, steps) => {
          const bursty = algorithm === 'gcra' || algorithm === 'token-bucket';
          const limits = bursty ? drawn : drawn.map(({ limit, windowMs }) => ({ limit, windowMs }));
          const clock = createManualClock(at);
          let limiter: RateLimiter;
          try {
            limiter = new RateLimiter({ limits, algorithm, clock });
          } catch (error) {
            expect(error).toBeInstanceOf(RangeError);
            return;
          }
          const shortest = Math.min(...limits.map((l) => l.windowMs));
          for (const step of steps) {
            clock.advance(step.relative ? step.dt * shortest : step.dt);
            for (let i = 0; i < step.times; i++) {
              const result = limiter.consume('k', Math.min(step.cost, limiter.maxCost));
              const capacity = Math.max(
                ...limits
                  .filter((l) => l.limit === result.limit)
                  .map((l) => (bursty ? ((l as LimitRule).burst ?? l.limit) : l.limit)),
              );
              expect(Number.isInteger(result.remaining)).toBe(true);
              expect(result.remaining).toBeGreaterThanOrEqual(0);
              expect(result.remaining).toBeLessThanOrEqual(capacity);
              for (const ms of [result.retryAfterMs, result.resetAfterMs]) {
                expect(Number.isSafeInteger(ms)).toBe(true);
                expect(ms).toBeGreaterThanOrEqual(0);
              }
              if (!result.allowed) expect(result.retryAfterMs).toBeGreaterThan(0);
            }
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

describe('RateLimiter: durations', () => {
  it('are whole ms, rounded up, without float noise', () => {
    const clock = createManualClock(1_733_312_345_678);
    const gcra = new RateLimiter({ limits: { limit: 3, windowMs: 1_000 }, clock });
    // 3 × (1000 / 3) is 1000.0000000000001 in floating point; a third of a second is 333.33…
    expect(gcra.consume('k', 3)).toMatchObject({ allowed: true, resetAfterMs: 1_000 });
    expect(gcra.consume('k')).toMatchObject({ allowed: false, retryAfterMs: 334 });
    clock.advance(0.4);
    expect(gcra.consume('k')).toMatchObject({ allowed: false, retryAfterMs: 333 });
    const bucket = new RateLimiter({
      limits: { limit: 3, windowMs: 1_000 },
      algorithm: 'token-bucket',
      clock,
    });
    bucket.consume('k', 3);
    expect(bucket.consume('k')).toMatchObject({ retryAfterMs: 334, resetAfterMs: 1_000 });
    const fixed = new RateLimiter({
      limits: { limit: 1, windowMs: 0.3 },
      algorithm: 'fixed-window',
      clock: createManualClock(0.1),
    });
    // 0.2 ms to the end of the window: the wait of a denied request is at least 1 ms.
    expect(fixed.consume('k')).toMatchObject({ allowed: true, resetAfterMs: 1 });
    expect(fixed.consume('k')).toMatchObject({ allowed: false, retryAfterMs: 1, resetAfterMs: 1 });
    expect(rateLimitHeaders(gcra.consume('other'))).toMatchObject({ 'RateLimit-Reset': '1' });
  });

  it('sliding window: the first request of a 1 s window reports when its unit stops weighing, up to 2 s later', () => {
    const clock = createManualClock(0);
    const limiter = new RateLimiter({
      limits: { limit: 10, windowMs: 1_000 },
      algorithm: 'sliding-window',
      clock,
    });
    const first = limiter.consume('k');
    expect(first).toMatchObject({ remaining: 9, resetAfterMs: 2_000 });
    expect(rateLimitHeaders(first)['RateLimit-Reset']).toBe('2');
    // One second later the unit still counts, fully; only at 2 s is the whole limit back.
    clock.advance(1_000);
    expect(limiter.consume('k', 10).allowed).toBe(false);
    clock.advance(999);
    expect(limiter.consume('k', 10).allowed).toBe(false);
    clock.advance(1);
    expect(limiter.consume('k', 10).allowed).toBe(true);
  });
});
