import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isPoolTimeoutError, type PoolTimeoutError } from './errors.js';
import { Pool } from './pool.js';

/**
 * A create-failure storm: the backend refuses every connection while 50 callers wait.
 * The pool must not hammer it (attempts stay within the jittered exponential backoff),
 * must not give up either (it keeps probing), must fail every caller at its deadline with
 * the real create error as `cause`, and must serve again as soon as creates succeed.
 */

const WAITERS = 50;
const TIMEOUT_MS = 5_000;
const MAX = 5;
const BACKOFF = {
  type: 'exponential',
  initialDelayMs: 100,
  maxDelayMs: 1_000,
  jitter: 0.5,
} as const;
const STEP_MS = 100;

class ConnectionRefused extends Error {
  override readonly name = 'ConnectionRefused';
}

/**
 * Attempts that fit in `elapsedMs` when every delay is as short (`fastest`) or as long as
 * the jitter allows: after the `n`-th failure in a row the pool waits a delay in
 * [base / 2, base], with base = min(maxMs, initialMs * 2^(n-1)). The first `burst`
 * attempts start together, before any has failed. `slackMs` per retry covers the timer
 * rounding a fractional delay up to the next millisecond.
 */
function attemptsWithin(elapsedMs: number, burst: number, fastest: boolean, slackMs = 0): number {
  let attempts = burst;
  let at = 0;
  for (;;) {
    const base = Math.min(BACKOFF.maxDelayMs, BACKOFF.initialDelayMs * 2 ** (attempts - 1));
    at += (fastest ? base / 2 : base) + slackMs;
    if (at > elapsedMs) return attempts;
    attempts++;
  }
}

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

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Pool under a create-failure storm', () => {
  it.each([
    { jitter: 'the shortest delays', random: () => 0 },
    { jitter: 'the longest delays', random: () => 0.999_999 },
    { jitter: 'seeded random delays', random: seededRandom(42) },
  ])(
    'with $jitter: keeps create attempts within the exponential backoff, fails every waiter with the create error, then recovers',
    async ({ random }) => {
      const start = Date.now();
      let healthy = false;
      const errors: ConnectionRefused[] = [];
      let next = 0;
      const create = vi.fn(async () => {
        if (healthy) {
          // A real handshake takes a moment, so creates overlap.
          await new Promise((resolve) => setTimeout(resolve, 10));
          return { id: ++next };
        }
        const error = new ConnectionRefused(`connect ECONNREFUSED (attempt ${errors.length + 1})`);
        errors.push(error);
        throw error;
      });
      const pool = new Pool<{ id: number }>({
        create,
        max: MAX,
        createBackoff: BACKOFF,
        clock: { now: () => Date.now() },
        random,
      });

      const outcomes = Array.from({ length: WAITERS }, () => {
        const outcome: {
          error?: PoolTimeoutError;
          latestCreateError?: ConnectionRefused | undefined;
        } = {};
        pool.acquire({ timeoutMs: TIMEOUT_MS }).then(
          () => expect.unreachable('no resource can be made'),
          (error: unknown) => {
            if (!isPoolTimeoutError(error)) throw error;
            outcome.error = error;
            outcome.latestCreateError = errors.at(-1);
          },
        );
        return outcome;
      });

      // The first `MAX` creates start together, before any has failed; then the pool
      // probes one create at a time, backing off.
      const burst = Math.min(MAX, WAITERS);
      for (let elapsed = STEP_MS; elapsed < TIMEOUT_MS; elapsed += STEP_MS) {
        await vi.advanceTimersByTimeAsync(STEP_MS);
        expect(create.mock.calls.length).toBeLessThanOrEqual(attemptsWithin(elapsed, burst, true));
        expect(create.mock.calls.length).toBeGreaterThanOrEqual(
          attemptsWithin(elapsed, burst, false, 2),
        );
        // Retrying is one timer for the whole pool, not one per waiter (the others: at most
        // a deadline timer per waiter, and housekeeping).
        expect(vi.getTimerCount()).toBeLessThanOrEqual(WAITERS + 2);
        expect(pool.stats()).toMatchObject({ waiting: WAITERS, size: 0, timeouts: 0 });
        expect(pool.stats().creating).toBeLessThanOrEqual(1);
      }
      // Over the whole 5 s: far below one attempt per waiter, or per 50 ms.
      const attempts = create.mock.calls.length;
      expect(attempts).toBeLessThanOrEqual(attemptsWithin(TIMEOUT_MS, burst, true));
      expect(attempts).toBeLessThan(WAITERS);

      await vi.advanceTimersByTimeAsync(TIMEOUT_MS - (Date.now() - start));
      // Every waiter failed at its deadline, with the latest real create error as cause.
      for (const outcome of outcomes) {
        expect(outcome.error?.timeoutMs).toBe(TIMEOUT_MS);
        expect(outcome.error?.message).toMatch(/creating a resource failed \d+ time\(s\) in a row/);
        expect(outcome.error?.cause).toBeInstanceOf(ConnectionRefused);
        expect(outcome.error?.cause).toBe(outcome.latestCreateError);
      }
      expect(pool.stats()).toMatchObject({
        waiting: 0,
        timeouts: WAITERS,
        createErrors: errors.length,
        created: 0,
      });

      // The backend comes back: new callers are served within one backoff delay.
      healthy = true;
      const served: { id: number }[] = [];
      for (let i = 0; i < MAX; i++) {
        void pool.acquire({ timeoutMs: TIMEOUT_MS }).then((resource) => served.push(resource));
      }
      let overlapping = 0;
      for (let waited = 0; waited < BACKOFF.maxDelayMs + 100 && served.length < MAX; waited += 5) {
        await vi.advanceTimersByTimeAsync(5);
        overlapping = Math.max(overlapping, pool.stats().creating);
      }
      expect(served.map((r) => r.id).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
      // Once a create succeeds, the pool stops probing one at a time.
      expect(overlapping).toBeGreaterThan(1);
      expect(pool.stats()).toMatchObject({ borrowed: MAX, created: MAX, waiting: 0 });

      for (const resource of served) await pool.release(resource);
      await pool.close();
      expect(pool.stats()).toMatchObject({ size: 0, creating: 0, waiting: 0 });
      expect(vi.getTimerCount()).toBe(0);
    },
  );
});
