import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisCoalescer, type RedisCoalescerOptions } from './index.js';

const client = new Redis({ lazyConnect: true, port: 1 }); // never connects;
const make = (options: Partial<RedisCoalescerOptions>) =>
  new RedisCoalescer({ client, ...options } as RedisCoalescerOptions);

describe('RedisCoalescer options', () => {
  it('accepts the defaults and explicit undefined', () => {
    expect(() => make({})).not.toThrow();
    expect(() =>
      make({
        keyPrefix: undefined,
        lockTtlMs: undefined,
        waitTimeoutMs: undefined,
        resultTtlMs: undefined,
        pollIntervalMs: undefined,
        serializer: undefined,
        clock: undefined,
        redisTimeoutMs: undefined,
        maxInFlight: undefined,
      }),
    ).not.toThrow();
  });

  it('refuses a missing or wrong client', () => {
    expect(() => new RedisCoalescer(undefined as unknown as RedisCoalescerOptions)).toThrow(
      /Expected `client` to be an ioredis Redis or Cluster instance/,
    );
    expect(() => make({ client: {} as Redis })).toThrow(TypeError);
  });

  it('refuses unknown keys', () => {
    expect(() => make({ prefix: 'x' } as Partial<RedisCoalescerOptions>)).toThrow(
      /Unknown option `prefix` in `options`/,
    );
  });

  it('checks the durations and their ranges', () => {
    expect(() => make({ lockTtlMs: 9 })).toThrow(
      'Expected `lockTtlMs` to be an integer >= 10 and <= 2147483647, got `9` (number)',
    );
    expect(() => make({ lockTtlMs: 2 ** 31 })).toThrow(RangeError);
    expect(() => make({ waitTimeoutMs: 0 })).toThrow(RangeError);
    expect(() => make({ waitTimeoutMs: 1.5 })).toThrow(RangeError);
    expect(() => make({ pollIntervalMs: 0 })).toThrow(RangeError);
    expect(() => make({ resultTtlMs: 99, pollIntervalMs: 50 })).toThrow(
      'Expected `resultTtlMs` to be at least 2 × `pollIntervalMs` (100), so that waiting processes see it, got `99` (number)',
    );
    expect(() => make({ resultTtlMs: 'x' as unknown as number })).toThrow(TypeError);
    expect(() => make({ redisTimeoutMs: 0 })).toThrow(/redisTimeoutMs/);
    expect(() => make({ maxInFlight: 0 })).toThrow(/maxInFlight/);
  });

  it('checks keyPrefix, serializer and clock', () => {
    expect(() => make({ keyPrefix: '' })).toThrow(RangeError);
    expect(() => make({ serializer: 1 as never })).toThrow(
      /Expected `serializer` to be an object with serialize\(\) and deserialize\(\)/,
    );
    expect(() => make({ serializer: { serialize: () => '' } as never })).toThrow(
      /Expected `serializer.deserialize` to be a function/,
    );
    expect(() => make({ clock: {} as never })).toThrow(/`clock`/);
  });

  it('checks per-call options like Coalescer', async () => {
    const c = make({});
    await expect(c.run('k', () => 1, { signal: 1 } as never)).rejects.toThrow(
      /Expected `signal` to be an AbortSignal/,
    );
    await expect(c.run('k', () => 1, { x: 1 } as never)).rejects.toThrow(/Unknown option `x`/);
  });
});
