import { describe, expect, it } from 'vitest';
import type { PolicyFactory } from './eviction-policy.js';
import { LruPolicy } from './lru-policy.js';
import {
  hitRatio,
  loopTrace,
  PolicyDriver,
  random,
  slidingTrace,
  zipfTrace,
} from './policy-driver.fixture.js';
import { TinyLfuPolicy } from './tinylfu-policy.js';

const lru: PolicyFactory = (links) => new LruPolicy(links);
const adaptive =
  (seed: number): PolicyFactory =>
  (links, max) =>
    new TinyLfuPolicy(links, max, { seed });
const fixed =
  (seed: number): PolicyFactory =>
  (links, max) =>
    new TinyLfuPolicy(links, max, { seed, adaptive: false });

/** Replays `keys` and returns the hit ratio and the window the climber ended with. */
function replay(factory: PolicyFactory, max: number, keys: Iterable<number>) {
  const driver = new PolicyDriver(factory, max);
  for (const key of keys) driver.access(key);
  return {
    ratio: driver.hits / (driver.hits + driver.misses),
    window: (driver.policy as TinyLfuPolicy).windowMax,
  };
}

/** Zipf(0.9) over 20,000 keys with a scan of 2,000 new keys every 10,000 accesses. */
function* scansOverZipf(count: number, seed: number): Generator<number> {
  const base = zipfTrace(20_000, 0.9, count, seed);
  let fresh = 1_000_000;
  for (let i = 0; i < count; i++) {
    if (i % 12_000 < 10_000) yield base.next().value as number;
    else yield fresh++;
  }
}

/** A working set of `width` keys drifting one key every `every` accesses, newest the hottest. */
function* drifting(width: number, every: number, count: number, seed: number): Generator<number> {
  const next = random(seed);
  for (let i = 0; i < count; i++) {
    const r = next();
    yield Math.floor(i / every) + width - 1 - Math.floor(r * r * width);
  }
}

/**
 * Sweeps up and down `length` keys, each sweep a little shorter than the last by a random
 * amount: right after a turn the most recent keys come back first, then the sweep runs on
 * into keys not seen for a whole round trip.
 */
function* zigzag(length: number, count: number, seed: number): Generator<number> {
  const next = random(seed);
  let up = true;
  let at = 0;
  let produced = 0;
  while (produced < count) {
    const span = length - Math.floor(next() * (length / 20));
    for (let i = 0; i < span && produced < count; i++, produced++) {
      yield at;
      at = up ? Math.min(length - 1, at + 1) : Math.max(0, at - 1);
    }
    up = !up;
  }
}

// Seeds none of the tuning used: the climber is checked on traces it has not seen.
const seeds = [101, 202];

describe('TinyLfuPolicy hill climber', () => {
  it('keeps the 1% window when not adaptive, where the adaptive one grows', () => {
    const trace = () => slidingTrace(900, 2, 60_000, 3);
    const still = replay(fixed(3), 1000, trace());
    const moving = replay(adaptive(3), 1000, trace());
    expect(still.window).toBe(10);
    expect(moving.window).toBeGreaterThan(900);
    expect(moving.ratio).toBeGreaterThan(still.ratio + 0.3);
  });

  it('grows to at most all of the cache but 0.5% on pure recency', () => {
    for (const [max, width] of [
      [1000, 900],
      [500, 450],
    ] as const) {
      const driver = new PolicyDriver(adaptive(1), max);
      let largest = 0;
      for (const key of slidingTrace(width, 2, 100_000, 1)) {
        driver.access(key);
        largest = Math.max(largest, (driver.policy as TinyLfuPolicy).windowMax);
      }
      expect(largest).toBe(Math.floor(max * 0.995));
    }
  });

  it('stays within half a point of LRU on sliding and drifting working sets (held-out seeds)', () => {
    for (const seed of seeds) {
      const cases = [
        { name: 'sliding', max: 1000, trace: () => slidingTrace(900, 2, 150_000, seed) },
        { name: 'drifting', max: 500, trace: () => drifting(800, 4, 150_000, seed) },
        { name: 'drifting', max: 1000, trace: () => drifting(800, 4, 150_000, seed) },
      ];
      for (const { name, max, trace } of cases) {
        const plain = hitRatio(lru, max, trace());
        const { ratio } = replay(adaptive(seed), max, trace());
        expect(ratio, `${name}@${max}, seed ${seed}`).toBeGreaterThan(plain - 0.005);
        expect(ratio).toBeGreaterThan(hitRatio(fixed(seed), max, trace()));
      }
    }
  });

  it('does not swing its window on a zigzag sweep, and keeps close to LRU and the static window there', () => {
    for (const seed of seeds) {
      const max = 500;
      const trace = () => zigzag(1100, 200_000, seed);
      const driver = new PolicyDriver(adaptive(seed), max);
      let accesses = 0;
      let wide = 0;
      for (const key of trace()) {
        driver.access(key);
        if (++accesses > 20_000 && (driver.policy as TinyLfuPolicy).windowMax > max * 0.1) wide++;
      }
      const ratio = driver.hits / (driver.hits + driver.misses);
      // Each turn of the sweep brings a batch of window regrets, and the sweep in between
      // main evidence: the window stays small, it does not jump at every turn.
      expect(wide, `seed ${seed}`).toBeLessThan(accesses / 20);
      expect(ratio).toBeGreaterThan(hitRatio(lru, max, trace()) - 0.015);
      expect(ratio).toBeGreaterThan(hitRatio(fixed(seed), max, trace()) - 0.01);
    }
  });

  it('does at least as well as the static window where frequency pays (held-out seeds)', () => {
    for (const seed of seeds) {
      const cases = [
        { name: 'scans over zipf', max: 500, trace: () => scansOverZipf(120_000, seed) },
        { name: 'loop', max: 1000, trace: () => loopTrace(2000, 60) },
      ];
      for (const { name, max, trace } of cases) {
        const still = hitRatio(fixed(seed), max, trace());
        const { ratio, window } = replay(adaptive(seed), max, trace());
        expect(ratio, `${name}@${max}, seed ${seed}`).toBeGreaterThan(still - 0.005);
        expect(ratio).toBeGreaterThan(hitRatio(lru, max, trace()) + 0.05);
        expect(window).toBeLessThanOrEqual(5);
      }
    }
  });
});
