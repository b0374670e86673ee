/**
 * Type tests, compiled by `typecheck` and never run: every optional option accepts an
 * explicit `undefined`, so `{ timeoutMs: config.timeoutMs }` compiles under
 * `exactOptionalPropertyTypes` when the value may be missing.
 */
import type { Redis } from 'ioredis';
import { bulkhead } from './bulkhead.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { fallback } from './fallback.js';
import type { CircuitBreakerOptions, WindowOptions } from './options.js';
import type { FleetCircuitBreakerOptions, FleetWindowOptions } from './redis/options.js';
import { retry } from './retry.js';

/** The options the fleet breaker shares with the local one. */
const shared = {
  slowCallRateThreshold: undefined,
  slowCallDurationMs: undefined,
  minimumCalls: undefined,
  openDurationMs: undefined,
  timeoutMs: undefined,
  isFailure: undefined,
  isResultFailure: undefined,
  random: undefined,
} as const;

export const breakerOptions: CircuitBreakerOptions = {
  ...shared,
  name: undefined,
  consecutiveFailures: undefined,
  failureRateThreshold: undefined,
  window: undefined,
  permittedCallsInHalfOpen: undefined,
  clock: undefined,
};
export const breaker = new CircuitBreaker(breakerOptions);

export const openBackoff: CircuitBreakerOptions['openDurationMs'] = {
  type: 'exponential',
  initialDelayMs: 1000,
  maxDelayMs: 60_000,
  multiplier: undefined,
  jitter: undefined,
};
export const timeWindow: WindowOptions = { type: 'time', durationMs: 10_000, buckets: undefined };
export const fleetWindow: FleetWindowOptions = {
  type: 'time',
  durationMs: 10_000,
  buckets: undefined,
};

declare const redis: Redis;
export const fleetOptions: FleetCircuitBreakerOptions = {
  redis,
  ...shared,
  name: 'payments',
  prefix: undefined,
  failureRateThreshold: undefined,
  window: undefined,
  permittedCallsInHalfOpen: undefined,
  clock: undefined,
  syncIntervalMs: undefined,
  probeLeaseMs: undefined,
  redisTimeoutMs: undefined,
  maxInFlight: undefined,
};

export const bulkheadPolicy = bulkhead({ maxConcurrent: 4, maxQueue: undefined });
export const retryPolicy = retry({
  maxAttempts: 3,
  backoff: { type: 'constant', delayMs: 100 },
  shouldRetry: undefined,
  random: undefined,
});
export const fallbackPolicy = fallback('default', { shouldHandle: undefined });
export const callResult = breaker.execute(async () => 1, {
  signal: undefined,
  timeoutMs: undefined,
});
