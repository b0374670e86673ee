import { type Backoff, backoffDelay, checkBackoff } from '@breakwater/core';
import { createManualClock, type RedisServerHandle, startRedis } from '@breakwater/testing';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BreakerRejectEvent } from '../circuit-breaker.js';
import { BreakerOpenError } from '../errors.js';
import {
  boom,
  caught,
  fleetFactory,
  fleetRules,
  uniqueName,
} from './fleet-test-support.fixture.js';
import { OPEN_MS_LUA } from './scripts.js';

let server: RedisServerHandle;
let client: Redis;
const fleet = fleetFactory();

beforeAll(async () => {
  server = await startRedis();
  client = server.client();
  await client.ping();
});

afterEach(() => fleet.closeAll());

afterAll(() => server?.stop());

describe('FleetCircuitBreaker durations', () => {
  it('are whole milliseconds with a clock that reads fractions', async () => {
    const clock = createManualClock(1_700_000_000_000.3);
    const breaker = fleet.create(client, fleetRules(uniqueName(), clock));
    await breaker.sync();
    for (let i = 0; i < 10; i++) await caught(breaker.execute(boom));
    await breaker.sync();
    clock.advance(0.45);
    expect(breaker.stats().fleet.syncedAgoMs).toBe(1);
    const rejects: BreakerRejectEvent[] = [];
    breaker.onReject((event) => rejects.push(event));
    const error = await caught(breaker.execute(boom));
    expect(error).toBeInstanceOf(BreakerOpenError);
    const retryAfterMs = (error as BreakerOpenError).retryAfterMs;
    expect(Number.isInteger(retryAfterMs)).toBe(true);
    expect(retryAfterMs).toBeGreaterThan(59_000);
    expect(rejects).toEqual([{ state: 'open', retryAfterMs }]);
  });
});

/** ARGV[8] the openings so far; answers the exact duration as text (Redis truncates numbers). */
const OPEN_MS = `${OPEN_MS_LUA}\nreturn string.format('%.17g', openMs(tonumber(ARGV[8])))`;

const backoffs: fc.Arbitrary<Backoff> = fc.oneof(
  fc.record({ type: fc.constant('constant' as const), delayMs: fc.integer({ min: 1, max: 1e6 }) }),
  fc
    .record({
      type: fc.constant('exponential' as const),
      initialDelayMs: fc.double({ min: 0.5, max: 1e4, noNaN: true }),
      spanMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
      multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
      jitter: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
    })
    .map(({ spanMs, ...rest }) => ({ ...rest, maxDelayMs: rest.initialDelayMs + spanMs })),
  fc
    .record({
      type: fc.constant('decorrelated-jitter' as const),
      initialDelayMs: fc.double({ min: 0.5, max: 1e4, noNaN: true }),
      spanMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
    })
    .map(({ spanMs, ...rest }) => ({ ...rest, maxDelayMs: rest.initialDelayMs + spanMs })),
);

describe('the fleet breaker open duration', () => {
  it("computes in Lua what core's backoffDelay computes, from the same random draw", async () => {
    const key = `open-ms-${process.pid}`;
    await fc.assert(
      fc.asyncProperty(
        backoffs,
        fc.integer({ min: 0, max: 40 }),
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        async (raw, openings, lastMs, random) => {
          const backoff = checkBackoff('openDurationMs', raw, { positive: true });
          const [first, longest, multiplier, jitter] =
            backoff.type === 'constant'
              ? [backoff.delayMs, backoff.delayMs, 1, 0]
              : backoff.type === 'exponential'
                ? [backoff.initialDelayMs, backoff.maxDelayMs, backoff.multiplier, backoff.jitter]
                : [backoff.initialDelayMs, backoff.maxDelayMs, 1, 0];
          await client.hset(key, 'last', String(lastMs));
          const args = [backoff.type, first, longest, multiplier, jitter, random, 60_000, openings];
          const text = await client.eval(OPEN_MS, 1, key, ...args);
          const expected = backoffDelay(backoff, openings + 1, lastMs, () => random);
          // Same formula, step by step; only `^` (C's pow) and `**` (V8's) may round the last
          // bit differently for a fractional multiplier.
          expect(Math.abs(Number(text) - expected)).toBeLessThanOrEqual(expected * 1e-12);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('only shortens the open duration with jitter, drawing from the random option', async () => {
    const name = uniqueName('jitter');
    const a = fleet.create(client, {
      ...fleetRules(name),
      openDurationMs: { type: 'exponential', initialDelayMs: 1000, maxDelayMs: 1000, jitter: 0.5 },
      random: () => 0.5,
    });
    await a.sync();
    for (let i = 0; i < 10; i++) await caught(a.execute(boom));
    await a.sync();
    expect(a.state).toBe('open');
    // 1000 × (1 − 0.5 × (1 − 0.5)) = 750 ms, never more than the backoff's 1000.
    const left = await client.pttl(`bw:breaker:{${name}}:open`);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(750);
  });

  it('draws a decorrelated-jitter duration from the last one kept in Redis', async () => {
    const name = uniqueName('decorrelated');
    const a = fleet.create(client, {
      ...fleetRules(name),
      openDurationMs: { type: 'decorrelated-jitter', initialDelayMs: 100, maxDelayMs: 10_000 },
      random: () => 0.5,
    });
    await a.sync();
    for (let i = 0; i < 10; i++) await caught(a.execute(boom));
    await a.sync();
    // The first opening: 100 + 0.5 × (300 − 100).
    expect(await client.hget(`bw:breaker:{${name}}:state`, 'last')).toBe('200');
  });
});
