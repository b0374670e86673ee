import { createManualClock, type RedisServerHandle, startRedis } from '@breakwater/testing';
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
