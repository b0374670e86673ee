import { describe, expect, it } from 'vitest';
import * as root from './index.js';
import * as redis from './redis/index.js';

describe('the entries of @breakwater/core', () => {
  it('keeps everything Redis out of the root entry, in the /redis subpath', () => {
    expect(Object.keys(root).filter((name) => /redis/i.test(name))).toEqual([]);
    expect(Object.keys(redis)).toEqual(
      expect.arrayContaining(['RedisCalls', 'RedisGuard', 'luaScript', 'checkRedisClient']),
    );
  });
});
