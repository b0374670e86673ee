import { describe, expect, it } from 'vitest';
import { FrequencySketch } from './frequency-sketch.js';
import { hashKey } from './hash-key.js';

const SEED = 42;
// Number keys only: their hashes (unlike strings') are the same in every process, so
// with a fixed seed every collision in these tests is the same on every run.

function incrementTimes(sketch: FrequencySketch, hash: number, times: number): void {
  for (let i = 0; i < times; i++) sketch.increment(hash);
}

describe('FrequencySketch', () => {
  it('counts a key from 0 and stops at 15', () => {
    const sketch = new FrequencySketch(1000, SEED);
    const hash = hashKey(-1);
    expect(sketch.frequency(hash)).toBe(0);
    sketch.increment(hash);
    expect(sketch.frequency(hash)).toBe(1);
    incrementTimes(sketch, hash, 4);
    expect(sketch.frequency(hash)).toBe(5);
    incrementTimes(sketch, hash, 30);
    expect(sketch.frequency(hash)).toBe(15);
  });

  it('keeps keys apart: one key counted often leaves others near zero', () => {
    const sketch = new FrequencySketch(1024, SEED);
    sketch.ensureCapacity(1024);
    incrementTimes(sketch, hashKey(-2), 15);
    let overestimated = 0;
    for (let i = 0; i < 1000; i++) if (sketch.frequency(hashKey(i)) > 0) overestimated++;
    expect(overestimated).toBeLessThan(5);
  });

  it('overestimates rarely when as many keys as entries are counted once', () => {
    const sketch = new FrequencySketch(1000, SEED);
    sketch.ensureCapacity(1000);
    for (let i = 0; i < 1000; i++) sketch.increment(hashKey(i));
    let exact = 0;
    for (let i = 0; i < 1000; i++) {
      const frequency = sketch.frequency(hashKey(i));
      expect(frequency).toBeGreaterThanOrEqual(1);
      if (frequency === 1) exact++;
    }
    expect(exact).toBeGreaterThan(950);
  });

  it('halves every counter after sampleSize effective increments', () => {
    const sketch = new FrequencySketch(1024, SEED);
    sketch.ensureCapacity(1024);
    expect(sketch.sampleSize).toBe(10_240);
    const hot = hashKey(-2);
    incrementTimes(sketch, hot, 15);
    const warm = hashKey(-3);
    incrementTimes(sketch, warm, 6);
    // Increments of a saturated key change nothing and do not count.
    incrementTimes(sketch, hot, 100);
    let increments = 0;
    while (sketch.frequency(hot) === 15) {
      sketch.increment(hashKey(increments % 2000));
      increments++;
    }
    // 21 counted before; a few cold increments may hit saturated counters only.
    expect(increments).toBeGreaterThanOrEqual(10_240 - 21);
    expect(increments).toBeLessThan(10_240 - 21 + 20);
    expect(sketch.frequency(hot)).toBe(7);
    expect(sketch.frequency(warm)).toBe(3);
  });

  it('ages again within a sample, because the halved counts still count', () => {
    const sketch = new FrequencySketch(64, SEED);
    sketch.ensureCapacity(64);
    const hot = hashKey(-2);
    incrementTimes(sketch, hot, 15);
    let i = 0;
    while (sketch.frequency(hot) === 15) sketch.increment(hashKey(i++));
    expect(sketch.frequency(hot)).toBe(7);
    incrementTimes(sketch, hot, 8);
    expect(sketch.frequency(hot)).toBe(15);
    let more = 0;
    while (sketch.frequency(hot) === 15) sketch.increment(hashKey(100_000 + more++));
    expect(more).toBeGreaterThan(sketch.sampleSize / 4);
    expect(more).toBeLessThan(sketch.sampleSize);
  });

  it('starts small for a large maximum and grows as the cache fills, up to the maximum', () => {
    const sketch = new FrequencySketch(1_000_000, SEED);
    expect(sketch.byteLength).toBeLessThanOrEqual(256);
    expect(sketch.capacity).toBe(16);
    sketch.ensureCapacity(10);
    expect(sketch.capacity).toBe(16);
    sketch.ensureCapacity(17);
    expect(sketch.capacity).toBe(32);
    expect(sketch.sampleSize).toBe(320);
    sketch.ensureCapacity(5000);
    expect(sketch.capacity).toBe(8192);
    sketch.ensureCapacity(10_000_000);
    expect(sketch.capacity).toBe(1_048_576);
    expect(sketch.sampleSize).toBe(10_000_000);
    expect(sketch.byteLength).toBe(1_048_576 * 8);
    sketch.ensureCapacity(20_000_000);
    expect(sketch.capacity).toBe(1_048_576);
  });

  it('keeps every count when it grows', () => {
    const sketch = new FrequencySketch(100_000, SEED);
    const hashes = Array.from({ length: 200 }, (_, i) => hashKey(i * 31));
    hashes.forEach((hash, i) => {
      incrementTimes(sketch, hash, 1 + (i % 15));
    });
    const before = hashes.map((hash) => sketch.frequency(hash));
    sketch.ensureCapacity(50_000);
    expect(hashes.map((hash) => sketch.frequency(hash))).toEqual(before);
  });

  it('never allocates more than a tiny cache needs', () => {
    const sketch = new FrequencySketch(3, SEED);
    sketch.ensureCapacity(3);
    expect(sketch.capacity).toBe(8);
    expect(sketch.byteLength).toBe(64);
    expect(sketch.sampleSize).toBe(30);
    const one = new FrequencySketch(0, SEED);
    expect(one.maximum).toBe(1);
    one.increment(hashKey(-5));
    expect(one.frequency(hashKey(-5))).toBe(1);
  });

  it('follows a new maximum: grows further after a raise, starts over after a cut', () => {
    const sketch = new FrequencySketch(100, SEED);
    sketch.ensureCapacity(100);
    expect(sketch.capacity).toBe(128);
    sketch.setMaximum(1000);
    expect(sketch.maximum).toBe(1000);
    sketch.ensureCapacity(1000);
    expect(sketch.capacity).toBe(1024);
    expect(sketch.sampleSize).toBe(10_000);
    const hash = hashKey(-4);
    incrementTimes(sketch, hash, 3);
    sketch.setMaximum(500);
    expect(sketch.capacity).toBe(16);
    expect(sketch.frequency(hash)).toBe(0);
    sketch.setMaximum(512);
    expect(sketch.sampleSize).toBe(160);
  });

  it('forgets every count on clear', () => {
    const sketch = new FrequencySketch(100, SEED);
    incrementTimes(sketch, hashKey(1), 5);
    sketch.clear();
    expect(sketch.frequency(hashKey(1))).toBe(0);
  });

  it('places keys differently under different seeds', () => {
    const a = new FrequencySketch(16, 1);
    const b = new FrequencySketch(16, 2);
    for (let i = 0; i < 64; i++) {
      a.increment(hashKey(i));
      b.increment(hashKey(i));
    }
    const spread = (sketch: FrequencySketch) =>
      Array.from({ length: 64 }, (_, i) => sketch.frequency(hashKey(i))).join();
    expect(spread(a)).not.toBe(spread(b));
    const unseeded = new FrequencySketch(16);
    unseeded.increment(hashKey(1));
    expect(unseeded.frequency(hashKey(1))).toBe(1);
  });
});
