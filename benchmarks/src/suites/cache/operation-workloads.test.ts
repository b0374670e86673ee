import { describe, expect, it } from 'vitest';
import { buildWorkload, keySpace, mixWriteShare, ringLength } from './operation-workloads.js';

const size = 1_000;
const space = keySpace('string', 2 * size);
const resident = new Set(space.slice(0, size));

describe('operation workloads', () => {
  it('builds distinct string or integer keys', () => {
    expect(keySpace('string', 3)).toEqual(['user:0', 'user:1', 'user:2']);
    expect(keySpace('integer', 3)).toEqual([0, 1, 2]);
  });

  it('walks rings of at least the cache size and at least 2^16 accesses', () => {
    expect(ringLength(10)).toBe(65_536);
    expect(ringLength(1_000_000)).toBe(1_000_000);
  });

  it('get hit draws only resident keys, spread over all of them', () => {
    const { keys, start } = buildWorkload('get hit', space, size);
    expect(keys).toHaveLength(ringLength(size));
    expect(keys.every((key) => resident.has(key as string))).toBe(true);
    expect(new Set(keys).size).toBe(size);
    expect(start).toBe(0);
  });

  it('get miss draws only keys that are never inserted', () => {
    const { keys } = buildWorkload('get miss', space, size);
    expect(keys.some((key) => resident.has(key as string))).toBe(false);
    expect(new Set(keys).size).toBe(size);
  });

  it('set evicting walks all keys from the first absent one', () => {
    const { keys, start } = buildWorkload('set evicting', space, size);
    expect(keys).toEqual(space);
    expect(start).toBe(size);
  });

  it('zipf mix writes about 10%, favours a few keys and is the same on every build', () => {
    const first = buildWorkload('zipf mix', space, size);
    const second = buildWorkload('zipf mix', space, size);
    expect(second).toEqual(first);
    const writes = first.writes.reduce((sum, bit) => sum + bit, 0);
    expect(writes / first.writes.length).toBeCloseTo(mixWriteShare, 2);
    const counts = new Map<unknown, number>();
    for (const key of first.keys) {
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const sorted = [...counts.values()].sort((a, b) => b - a);
    const top = sorted.slice(0, 20).reduce((sum, n) => sum + n, 0);
    expect(top / first.keys.length).toBeGreaterThan(0.3);
    expect(new Set(first.keys).size).toBeGreaterThan(size);
  });

  it('needs twice as many keys as the cache holds', () => {
    expect(() => buildWorkload('get hit', space.slice(0, 10), size)).toThrow(
      'Expected at least 2000 keys, got 10',
    );
  });
});
