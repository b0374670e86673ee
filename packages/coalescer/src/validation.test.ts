import { describe, expect, it, vi } from 'vitest';
import { Coalescer, type CoalescerOptions } from './index.js';

describe('constructor options', () => {
  it('accepts no options, an empty object and explicit undefined', () => {
    expect(() => new Coalescer()).not.toThrow();
    expect(() => new Coalescer({})).not.toThrow();
    expect(
      () => new Coalescer({ resultTtlMs: undefined, cacheErrors: undefined, clock: undefined }),
    ).not.toThrow();
    expect(() => new Coalescer({ resultTtlMs: Number.POSITIVE_INFINITY })).not.toThrow();
    expect(() => new Coalescer({ resultTtlMs: 2 ** 52 - 1 })).not.toThrow();
  });

  it('refuses an options value that is not an object', () => {
    expect(() => new Coalescer(null as unknown as CoalescerOptions)).toThrow(TypeError);
    expect(() => new Coalescer([] as unknown as CoalescerOptions)).toThrow(
      /Expected `options` to be an options object/,
    );
  });

  it('refuses unknown keys', () => {
    expect(() => new Coalescer({ ttlMs: 1 } as CoalescerOptions)).toThrow(
      'Unknown option `ttlMs` in `options`; the options are `resultTtlMs`, `cacheErrors`, `clock`',
    );
  });

  it('checks resultTtlMs: a number >= 0 and <= 2^52 - 1, or Infinity', () => {
    expect(() => new Coalescer({ resultTtlMs: -1 })).toThrow(RangeError);
    expect(() => new Coalescer({ resultTtlMs: -1 })).toThrow(
      'Expected `resultTtlMs` to be a number >= 0, got `-1` (number)',
    );
    expect(() => new Coalescer({ resultTtlMs: 2 ** 52 })).toThrow(
      /Expected `resultTtlMs` to be a number >= 0 and <= 4503599627370495, or Infinity/,
    );
    expect(() => new Coalescer({ resultTtlMs: '1' as unknown as number })).toThrow(TypeError);
    expect(() => new Coalescer({ resultTtlMs: Number.NaN })).toThrow(TypeError);
  });

  it('checks cacheErrors and clock', () => {
    expect(() => new Coalescer({ cacheErrors: 1 as unknown as boolean })).toThrow(
      /Expected `cacheErrors` to be a boolean/,
    );
    expect(() => new Coalescer({ clock: {} as unknown as CoalescerOptions['clock'] })).toThrow(
      /Expected `clock` to be a clock object/,
    );
  });
});

describe('run options', () => {
  const c = new Coalescer();

  it('refuses unknown keys, before anything runs', async () => {
    let ran = false;
    await expect(
      c.run('k', () => (ran = true), { sigal: undefined } as unknown as { signal?: AbortSignal }),
    ).rejects.toThrow('Unknown option `sigal` in `options`; the options are `signal`');
    expect(ran).toBe(false);
  });

  it('refuses a signal that is not an AbortSignal', async () => {
    await expect(c.run('k', () => 1, { signal: {} as AbortSignal })).rejects.toThrow(
      'Expected `signal` to be an AbortSignal, got',
    );
  });

  it('refuses an options value that is not an object', async () => {
    await expect(c.run('k', () => 1, null as unknown as {})).rejects.toThrow(
      /Expected `options` to be an options object/,
    );
  });

  it('accepts {} and { signal: undefined }', async () => {
    expect(await c.run('k', () => 1, {})).toBe(1);
    expect(await c.run('k', () => 2, { signal: undefined })).toBe(2);
  });

  it('refuses fn that is not a function', async () => {
    await expect(c.run('k', 1 as unknown as () => number)).rejects.toThrow(
      'Expected `fn` to be a function, got `1` (number)',
    );
  });

  it('checks the key and fn of a call without an options object too', async () => {
    const c = new Coalescer<unknown, number>();
    const fn = vi.fn(() => 1);
    await expect(c.run('k', 'nope' as never)).rejects.toThrow(TypeError);
    await expect(c.run(undefined, fn)).rejects.toThrow(TypeError);
    expect(fn).not.toHaveBeenCalled();
    expect(c.stats().calls).toBe(0);
  });
});
