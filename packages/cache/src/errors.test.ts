import { BreakwaterError } from '@breakwater/core';
import { describe, expect, it, vi } from 'vitest';
import { CacheClosedError, isCacheClosedError, isNoLoaderError, NoLoaderError } from './errors.js';
import {
  CorruptValueError,
  isCorruptValueError,
  isReadyTimeoutError,
  ReadyTimeoutError,
} from './redis/errors.js';

const cases = [
  { make: () => new NoLoaderError(), guard: isNoLoaderError, code: 'BREAKWATER_CACHE_NO_LOADER' },
  {
    make: () => new CacheClosedError(),
    guard: isCacheClosedError,
    code: 'BREAKWATER_CACHE_CLOSED',
  },
  {
    make: () => new CorruptValueError('k', 'bad JSON'),
    guard: isCorruptValueError,
    code: 'BREAKWATER_CACHE_CORRUPT_VALUE',
  },
  {
    make: () => new ReadyTimeoutError(10, 'connecting', false),
    guard: isReadyTimeoutError,
    code: 'BREAKWATER_CACHE_READY_TIMEOUT',
  },
];

describe('cache error guards', () => {
  it.each(cases)('recognise their own error ($code) and nothing else', ({ make, guard, code }) => {
    const error = make();
    expect(error.code).toBe(code);
    expect(guard(error)).toBe(true);
    expect(guard(new BreakwaterError('OTHER', 'x'))).toBe(false);
    expect(guard({ code, name: error.name })).toBe(false);
    expect(guard(new Error(code))).toBe(false);
    for (const other of cases) if (other.code !== code) expect(other.guard(error)).toBe(false);
  });

  it('recognise errors thrown by a duplicate copy of the package', async () => {
    // Fresh module instances stand in for a second copy of the package in node_modules.
    vi.resetModules();
    const copy = await import('./errors.js');
    const redisCopy = await import('./redis/errors.js');
    expect(copy.CacheClosedError).not.toBe(CacheClosedError);
    const foreign = [
      new copy.NoLoaderError(),
      new copy.CacheClosedError(),
      new redisCopy.CorruptValueError('k', 'bad JSON'),
      new redisCopy.ReadyTimeoutError(10, 'connecting', false),
    ];
    expect(foreign[1]).not.toBeInstanceOf(CacheClosedError);
    cases.forEach(({ guard }, i) => {
      expect(guard(foreign[i])).toBe(true);
    });
  });
});
