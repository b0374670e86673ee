import { describe, expect, it } from 'vitest';
import {
  resolveStartRedisClusterOptions,
  resolveStartRedisOptions,
  resolveTimeout,
} from './options.js';
import { startRedisCluster } from './redis-cluster.js';
import { startRedis } from './redis-server.js';

describe('startRedis options', () => {
  it('defaults to no extra args and a 10 s start timeout, leaving the input untouched', () => {
    const input = Object.freeze({});

    expect(resolveStartRedisOptions(input)).toEqual({ args: [], startTimeoutMs: 10_000 });
    expect(input).toEqual({});
  });

  it('rejects a start timeout that is not a finite number > 0', async () => {
    await expect(startRedis({ startTimeoutMs: 0 })).rejects.toThrow(
      'Expected `startTimeoutMs` to be a finite number > 0, got `0` (number)',
    );
    await expect(startRedis({ startTimeoutMs: Number.NaN })).rejects.toThrow(RangeError);
  });

  it('rejects args that are not an array of strings', async () => {
    await expect(startRedis({ args: '--maxmemory 1mb' as unknown as string[] })).rejects.toThrow(
      'Expected `args` to be an array of strings, got `--maxmemory 1mb` (string)',
    );
    await expect(startRedis({ args: [1] as unknown as string[] })).rejects.toThrow(
      'got `[1]` (array)',
    );
  });

  it('rejects args that would move the server away from its handle', async () => {
    await expect(startRedis({ args: ['--port', '6379'] })).rejects.toThrow(
      'Expected `args` not to contain `--port`',
    );
  });
});

describe('startRedisCluster options', () => {
  it('defaults to 3 masters and a 30 s start timeout', () => {
    expect(resolveStartRedisClusterOptions({})).toEqual({ masters: 3, startTimeoutMs: 30_000 });
  });

  it('rejects fewer than 3 masters or a fractional count', async () => {
    await expect(startRedisCluster({ masters: 2 })).rejects.toThrow(
      'Expected `masters` to be an integer >= 3, got `2` (number)',
    );
    await expect(startRedisCluster({ masters: 3.5 })).rejects.toThrow(RangeError);
  });

  it('names the option in timeout errors', () => {
    expect(() => resolveTimeout(-5, 1_000, 'timeoutMs')).toThrow(
      'Expected `timeoutMs` to be a finite number > 0, got `-5` (number)',
    );
    expect(resolveTimeout(undefined, 1_000)).toBe(1_000);
  });
});
