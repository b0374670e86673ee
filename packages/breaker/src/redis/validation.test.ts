import { describe, expect, it } from 'vitest';
import { FleetCircuitBreaker } from './fleet-circuit-breaker.js';
import type { FleetCircuitBreakerOptions } from './options.js';

/** Enough of a client to pass validation; never ready, so nothing is ever sent. */
const redis = {
  status: 'wait',
  evalsha: () => Promise.reject(new Error('not connected')),
  eval: () => Promise.reject(new Error('not connected')),
} as unknown as FleetCircuitBreakerOptions['redis'];

function build(options: Record<string, unknown>) {
  return () => new FleetCircuitBreaker({ redis, name: 'svc', ...options } as never);
}

describe('FleetCircuitBreaker option validation', () => {
  it.each([
    [
      { redis: undefined },
      TypeError,
      'Expected `redis` to be an ioredis Redis or Cluster instance',
    ],
    [{ redis: { status: 'ready' } }, TypeError, '`redis`'],
    [{ name: undefined }, TypeError, 'Expected `name` to be a non-empty string, got `undefined`'],
    [{ name: '' }, RangeError, '`name`'],
    [{ name: 'a{b}' }, RangeError, 'Expected `name` to be a non-empty string without `{` or `}`'],
    [{ prefix: 'x}' }, RangeError, '`prefix`'],
    [{ prefix: 5 }, TypeError, '`prefix`'],
    [
      { consecutiveFailures: 3 },
      TypeError,
      'Expected `consecutiveFailures` to be undefined (a fleet breaker trips on rates over its shared time window), got `3` (number)',
    ],
    [
      { window: { type: 'count', size: 10 } },
      RangeError,
      'Expected `window.type` to be one of "time", got `"count"` (string)',
    ],
    [{ window: 5 }, TypeError, '`window`'],
    [{ window: { type: 'time', durationMs: 0 } }, RangeError, '`window.durationMs`'],
    [
      { window: { type: 'time', durationMs: 0.001 } },
      RangeError,
      'Expected `window.durationMs` to be a finite number >= `window.buckets` (10) so that each bucket spans at least 1 ms, got `0.001` (number)',
    ],
    [
      { window: { type: 'time', durationMs: 1000, buckets: 101 } },
      RangeError,
      'Expected `window.buckets` to be an integer >= 1 and <= 100, got `101` (number)',
    ],
    [{ failureRateThreshold: 0 }, RangeError, '`failureRateThreshold`'],
    [{ slowCallRateThreshold: 0.5 }, TypeError, '`slowCallDurationMs`'],
    [{ minimumCalls: 0 }, RangeError, '`minimumCalls`'],
    [{ openDurationMs: -1 }, RangeError, '`openDurationMs`'],
    [
      { openDurationMs: 1e18 },
      RangeError,
      'Expected `openDurationMs` to be a finite number > 0 and <= 2147483647, got `1000000000000000000` (number)',
    ],
    [
      { openDurationMs: 2 ** 31 },
      RangeError,
      '`openDurationMs` to be a finite number > 0 and <= 2147483647',
    ],
    [
      { openDurationMs: { type: 'constant', delayMs: 2 ** 31 } },
      RangeError,
      '`openDurationMs.delayMs`',
    ],
    [{ permittedCallsInHalfOpen: 1.5 }, RangeError, '`permittedCallsInHalfOpen`'],
    [{ timeoutMs: 0 }, RangeError, '`timeoutMs`'],
    [{ isFailure: 1 }, TypeError, '`isFailure`'],
    [{ isResultFailure: 'no' }, TypeError, '`isResultFailure`'],
    [{ clock: Date }, TypeError, '`clock`'],
    [{ random: 0.1 }, TypeError, '`random`'],
    [
      { syncIntervalMs: 0 },
      RangeError,
      'Expected `syncIntervalMs` to be a finite number > 0 and <= 2147483647, got `0` (number)',
    ],
    [{ syncIntervalMs: '100' }, TypeError, '`syncIntervalMs`'],
    [{ redisTimeoutMs: Number.POSITIVE_INFINITY }, RangeError, '`redisTimeoutMs`'],
    [
      { maxInFlight: 0 },
      RangeError,
      'Expected `maxInFlight` to be an integer >= 1, got `0` (number)',
    ],
    [{ maxInFlight: '64' }, TypeError, '`maxInFlight`'],
    [{ redisTimeoutMs: 2 ** 31 }, RangeError, '`redisTimeoutMs`'],
    [{ probeLeaseMs: -5 }, RangeError, '`probeLeaseMs`'],
  ])('rejects %j', (options, type, message) => {
    expect(build(options)).toThrow(type);
    expect(build(options)).toThrow(message);
  });

  it('rejects a missing options object', () => {
    expect(() => new FleetCircuitBreaker(undefined as never)).toThrow(
      'Expected `redis` to be an ioredis Redis or Cluster instance, got `undefined`',
    );
    expect(() => new FleetCircuitBreaker(7 as never)).toThrow(TypeError);
  });

  it('accepts the documented options and leaves the caller object alone', async () => {
    const options = {
      redis,
      name: 'payments',
      prefix: 'app:',
      slowCallRateThreshold: 0.8,
      slowCallDurationMs: 500,
      window: { type: 'time' as const, durationMs: 5_000, buckets: 5 },
      openDurationMs: {
        type: 'exponential' as const,
        initialDelayMs: 100,
        maxDelayMs: 1_000,
        jitter: 0.1,
      },
      permittedCallsInHalfOpen: 3,
      timeoutMs: 1_000,
      syncIntervalMs: 100,
      redisTimeoutMs: 50,
      probeLeaseMs: 2_000,
    };
    const copy = structuredClone({ ...options, redis: undefined });
    const breaker = new FleetCircuitBreaker(options);
    expect(breaker.name).toBe('payments');
    expect({ ...options, redis: undefined }).toEqual(copy);
    await breaker.close();
  });
});

describe('FleetCircuitBreaker unknown options', () => {
  it('are refused, naming the key; a window with a count field too', () => {
    expect(build({ failureRateThreshold: 0.5, syncInterval: 5 } as never)).toThrow(
      /Unknown option `syncInterval` in `options`/,
    );
    expect(
      build({
        failureRateThreshold: 0.5,
        window: { type: 'time', durationMs: 1_000, size: 5 } as never,
      }),
    ).toThrow(/Unknown option `size` in `window`/);
  });
});

describe('FleetCircuitBreaker per-call options', () => {
  it('refuses a key that is not an option before the function runs', async () => {
    const breaker = build({})();
    let ran = false;
    await expect(
      breaker.execute(
        () => {
          ran = true;
        },
        { tiemoutMs: 1 } as never,
      ),
    ).rejects.toThrow(
      new TypeError(
        'Unknown option `tiemoutMs` in `options`; the options are `signal`, `timeoutMs`',
      ),
    );
    expect(ran).toBe(false);
    await breaker.close();
  });
});
