import { describe, expect, it } from 'vitest';
import { hashKey, mix32 } from './hash-key.js';

/** Counts per bucket of `bits` bits taken at `shift` from each hash. */
function buckets(hashes: number[], bits: number, shift: number): number[] {
  const counts = new Array<number>(1 << bits).fill(0);
  const mask = (1 << bits) - 1;
  for (const hash of hashes) counts[(hash >>> shift) & mask]!++;
  return counts;
}

/** Pearson's chi-square of bucket counts against a uniform spread. */
function chiSquare(counts: number[]): number {
  const total = counts.reduce((sum, count) => sum + count, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
}

/**
 * With 255 degrees of freedom the chi-square has mean 255 and deviation ~22.6: 400 is
 * over six deviations out, far beyond chance for a hash that spreads well.
 */
const CHI_SQUARE_LIMIT = 400;

function expectEvenSpread(hashes: number[]): void {
  for (const shift of [0, 8, 16, 24]) {
    expect(chiSquare(buckets(hashes, 8, shift))).toBeLessThan(CHI_SQUARE_LIMIT);
  }
}

const range = (count: number, map: (i: number) => unknown) =>
  Array.from({ length: count }, (_, i) => hashKey(map(i)));

describe('hashKey', () => {
  it('returns a signed 32-bit integer for every kind of key', () => {
    const keys = [0, -1, 1.5, 2 ** 40, 'a', '', 1n, 2n ** 100n, true, null, undefined, {}, []];
    for (const key of [...keys, Symbol('s'), Symbol.for('s'), () => 1]) {
      const hash = hashKey(key);
      expect(hash | 0).toBe(hash);
    }
  });

  it('hashes keys a Map treats as the same key equally', () => {
    expect(hashKey(0)).toBe(hashKey(-0));
    expect(hashKey(Number.NaN)).toBe(hashKey(0 / 0));
    expect(hashKey(Number.NaN)).toBe(hashKey(Number('not a number')));
    expect(hashKey(0.1 + 0.2)).toBe(hashKey(0.30000000000000004));
    expect(hashKey(2 ** 53)).toBe(hashKey(2 ** 53));
    expect(hashKey('ab'.repeat(50))).toBe(hashKey(['ab'].concat(Array(49).fill('ab')).join('')));
    expect(hashKey(12345678901234567890n)).toBe(hashKey(BigInt('12345678901234567890')));
    expect(hashKey(-(2n ** 70n))).toBe(hashKey(-(2n ** 70n)));
    expect(hashKey(Symbol.for('shared'))).toBe(hashKey(Symbol.for('shared')));
    expect(hashKey(true)).toBe(hashKey(!false));
    expect(hashKey(null)).toBe(hashKey(null));
    expect(hashKey(undefined)).toBe(hashKey(undefined));
  });

  it('hashes an object, function or symbol by identity, the same every time', () => {
    const object = { a: 1 };
    const fn = () => 1;
    const symbol = Symbol('local');
    expect(hashKey(object)).toBe(hashKey(object));
    expect(hashKey(fn)).toBe(hashKey(fn));
    expect(hashKey(symbol)).toBe(hashKey(symbol));
    expect(hashKey(object)).not.toBe(hashKey({ a: 1 }));
    expect(hashKey(symbol)).not.toBe(hashKey(Symbol('local')));
  });

  it('gives distinct objects distinct hashes', () => {
    const hashes = new Set(range(20_000, () => ({})));
    expect(hashes.size).toBe(20_000);
  });

  it('keeps equal-looking keys of different types apart', () => {
    const hashes = [1, '1', 1n, true, Symbol.for('1')].map(hashKey);
    expect(new Set(hashes).size).toBe(hashes.length);
    expect(hashKey(null)).not.toBe(hashKey(undefined));
    expect(hashKey(false)).not.toBe(hashKey(0));
  });

  it('tells apart keys that differ anywhere', () => {
    expect(hashKey('ab')).not.toBe(hashKey('ba'));
    expect(hashKey('abc')).not.toBe(hashKey('abd'));
    expect(hashKey('a')).not.toBe(hashKey('a\u0000'));
    expect(hashKey(2n ** 64n)).not.toBe(hashKey(2n ** 64n + 1n));
    expect(hashKey(2n ** 64n)).not.toBe(hashKey(-(2n ** 64n)));
    expect(hashKey(0.5)).not.toBe(hashKey(-0.5));
    expect(hashKey(Number.POSITIVE_INFINITY)).not.toBe(hashKey(Number.NEGATIVE_INFINITY));
  });

  it('spreads sequential integers evenly over every byte of the hash', () => {
    const hashes = range(65_536, (i) => i);
    expect(new Set(hashes).size).toBe(65_536);
    expectEvenSpread(hashes);
  });

  it('spreads integers that share their low bits evenly', () => {
    expectEvenSpread(range(65_536, (i) => i * 1024));
  });

  it('spreads fractional and huge numbers evenly', () => {
    expectEvenSpread(range(65_536, (i) => i / 8));
    expectEvenSpread(range(65_536, (i) => 2 ** 40 + i));
  });

  it('spreads similar strings evenly', () => {
    const hashes = range(65_536, (i) => `user:${i}`);
    expect(new Set(hashes).size).toBeGreaterThan(65_530);
    expectEvenSpread(hashes);
    expectEvenSpread(range(65_536, (i) => `https://example.com/items/${i}?page=1`));
  });

  it('spreads bigints and objects evenly', () => {
    expectEvenSpread(range(65_536, (i) => BigInt(i)));
    expectEvenSpread(range(65_536, (i) => 2n ** 80n + BigInt(i)));
    expectEvenSpread(range(65_536, () => ({})));
  });
});

describe('mix32', () => {
  it('is a bijection on small inputs and changes about half the bits per input bit', () => {
    const seen = new Set(Array.from({ length: 10_000 }, (_, i) => mix32(i)));
    expect(seen.size).toBe(10_000);
    let flipped = 0;
    const trials = 2_000;
    for (let i = 0; i < trials; i++) {
      const bit = i % 32;
      const difference = mix32(i * 7919) ^ mix32((i * 7919) ^ (1 << bit));
      for (let d = difference; d !== 0; d &= d - 1) flipped++;
    }
    const average = flipped / trials;
    expect(average).toBeGreaterThan(14);
    expect(average).toBeLessThan(18);
  });
});
