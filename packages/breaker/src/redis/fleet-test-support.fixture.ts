import { createManualClock, type ManualClock } from '@breakwater/testing';
import type { Cluster, Redis } from 'ioredis';
import { FleetCircuitBreaker } from './fleet-circuit-breaker.js';
import type { FleetCircuitBreakerOptions } from './options.js';

export { eventually } from '@breakwater/testing';
export { boom, caught, ok } from '../breaker-test-support.fixture.js';

/** A function whose calls the test settles by hand; `calls` counts the calls that ran. */
export function gated<T = string>() {
  const waiting: Array<{ resolve(value: T): void; reject(error: unknown): void }> = [];
  const fn = () =>
    new Promise<T>((resolve, reject) => {
      waiting.push({ resolve, reject });
    });
  return {
    fn,
    get calls() {
      return waiting.length;
    },
    waiting,
  };
}

/** Tracks promises expected to settle, counting those that did. */
export function settling(promises: Array<Promise<unknown>>) {
  const results: Array<{ ok: boolean; value: unknown }> = [];
  for (const promise of promises) {
    promise.then(
      (value) => results.push({ ok: true, value }),
      (error: unknown) => results.push({ ok: false, value: error }),
    );
  }
  return results;
}

let names = 0;
/** A breaker name no other test uses. */
export function uniqueName(label = 'svc'): string {
  return `${label}-${process.pid}-${++names}`;
}

/**
 * Builds fleet breakers sharing `name`, a manual clock and a long sync interval, so that
 * only `sync()` calls (and the first sync at construction) talk to Redis. `closeAll()`
 * closes every breaker made.
 */
export function fleetFactory() {
  const made: FleetCircuitBreaker[] = [];
  const create = (
    redis: Redis | Cluster,
    options: Omit<FleetCircuitBreakerOptions, 'redis'>,
  ): FleetCircuitBreaker => {
    const breaker = new FleetCircuitBreaker({ syncIntervalMs: 60_000, ...options, redis });
    made.push(breaker);
    return breaker;
  };
  const closeAll = async () => {
    await Promise.all(made.splice(0).map((breaker) => breaker.close()));
  };
  return { create, closeAll };
}

/** A manual clock far from 0, so bucket numbers are large and positive. */
export function testClock(): ManualClock {
  return createManualClock(1_700_000_000_000);
}

/**
 * Base options of the fleet tests: a 60 s window (a manual clock never leaves it), rules
 * at 50% failures over at least 10 calls, and Redis calls that may take 5 s, so that a
 * loaded machine does not turn a fleet decision into a local one (outage tests set their
 * own `redisTimeoutMs`).
 */
export function fleetRules(name: string, clock = testClock(), openDurationMs = 60_000) {
  return {
    name,
    clock,
    failureRateThreshold: 0.5,
    minimumCalls: 10,
    window: { type: 'time' as const, durationMs: 60_000, buckets: 6 },
    openDurationMs,
    redisTimeoutMs: 5_000,
  };
}
