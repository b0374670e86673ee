import { describe, expect, it } from 'vitest';
import * as testing from './index.js';

describe('the package entry point', () => {
  it('exports the public API and nothing internal', () => {
    expect(Object.keys(testing).sort()).toEqual([
      'BreakwaterTestingError',
      'RedisNotInstalledError',
      'RedisServerStoppedError',
      'RedisStartError',
      'createManualClock',
      'eventually',
      'getFreePort',
      'startRedis',
      'startRedisCluster',
    ]);
  });
});
