import fc from 'fast-check';
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
import { FIRST_SLOT, SlotLinks } from './slot-links.js';
import { TinyLfuPolicy } from './tinylfu-policy.js';

const lru: PolicyFactory = (links) => new LruPolicy(links);
const tinyLfu =
  (seed = 7): PolicyFactory =>
  (links, max) =>
    new TinyLfuPolicy(links, max, { seed });

function tinyDriver(max: number, seed = 7, maxSize?: number): PolicyDriver {
  return new PolicyDriver(tinyLfu(seed), max, maxSize);
}

function windowMax(driver: PolicyDriver): number {
  return (driver.policy as TinyLfuPolicy).windowMax;
}

/** Every live slot in exactly one list, nothing else in the lists, `order()` the same set. */
function expectConsistent(driver: PolicyDriver): void {
  const lists = driver.lists();
  const listed = lists.flat();
  const live = driver.liveSlots().sort((a, b) => a - b);
  expect([...listed].sort((a, b) => a - b)).toEqual(live);
  expect(new Set(listed).size).toBe(listed.length);
  expect(
    driver.policy
      .order()
      .slice()
      .sort((a, b) => a - b),
  ).toEqual(live);
  expect(lists[0]!.length).toBeLessThanOrEqual(windowMax(driver));
}

describe('TinyLfuPolicy', () => {
  it('is built like any policy, from the links and the entry limit', () => {
    const policy = new TinyLfuPolicy(new SlotLinks(16), 100);
    expect(policy.usesHashes).toBe(true);
    expect(policy.windowMax).toBe(1);
    expect(new TinyLfuPolicy(new SlotLinks(16), 1000).windowMax).toBe(10);
    expect(new TinyLfuPolicy(new SlotLinks(16), 0).windowMax).toBe(0);
    expect(policy.order()).toEqual([]);
  });

  it('returns a sentinel from victim() only when it holds nothing', () => {
    const policy = new TinyLfuPolicy(new SlotLinks(16), 10, { seed: 1 });
    expect(policy.victim()).toBeLessThan(FIRST_SLOT);
    policy.insert(FIRST_SLOT, 123);
    expect(policy.victim()).toBe(FIRST_SLOT);
  });

  it('lists the window first, then protected, then probation, and evicts from probation', () => {
    const driver = tinyDriver(100);
    for (let key = 0; key < 100; key++) driver.access(key);
    for (let key = 0; key < 10; key++) driver.access(key);
    const [window, probation, protectedList] = driver.lists();
    expect(window).toHaveLength(1);
    expect(protectedList).toHaveLength(10);
    expect(driver.policy.order()).toEqual([...window!, ...protectedList!, ...probation!]);
    // The pending candidate (probation's head) ties with probation's tail and loses.
    expect(driver.policy.victim(() => 1)).toBe(probation![0]);
    driver.set(1000);
    expect(driver.has(1000)).toBe(true);
    expect(driver.lists()[1]!.at(-1)).toBe(probation!.at(-1));
  });

  it('admits a newcomer over a victim that was used more rarely', () => {
    const driver = tinyDriver(10);
    for (let key = 0; key < 10; key++) driver.access(key);
    // Key 100 is asked for three times (missing each time) before it is finally kept.
    for (let round = 0; round < 3; round++) driver.get(100);
    driver.set(100);
    driver.set(101);
    expect(driver.has(100)).toBe(true);
    expect(driver.size).toBe(10);
  });

  it('keeps a popular working set through a scan of one-off keys', () => {
    const driver = tinyDriver(100);
    for (let round = 0; round < 5; round++) {
      for (let key = 0; key < 80; key++) driver.access(key);
    }
    for (let key = 1000; key < 11_000; key++) driver.access(key);
    let kept = 0;
    for (let key = 0; key < 80; key++) if (driver.has(key)) kept++;
    expect(kept).toBeGreaterThanOrEqual(75);
    const plain = new PolicyDriver(lru, 100);
    for (let round = 0; round < 5; round++) for (let key = 0; key < 80; key++) plain.access(key);
    for (let key = 1000; key < 11_000; key++) plain.access(key);
    expect([...Array(80).keys()].some((key) => plain.has(key))).toBe(false);
  });

  /**
   * One contest per fresh policy (max 2: a one-entry window and a one-entry main space):
   * the victim V is seen `victimCount` times, the candidate C `candidateCount` times,
   * then a newcomer pushes C out of the window. True when C was admitted.
   */
  function contest(seed: number, victimCount: number, candidateCount: number): boolean {
    const links = new SlotLinks(8);
    const policy = new TinyLfuPolicy(links, 2, { seed });
    const [v, c, n] = [FIRST_SLOT, FIRST_SLOT + 1, FIRST_SLOT + 2];
    policy.insert(v, 1);
    for (let i = 1; i < victimCount; i++) policy.touch(v);
    policy.insert(c, 2);
    for (let i = 1; i < candidateCount; i++) policy.touch(c);
    policy.insert(n, 3);
    const loser = policy.victim();
    expect([v, c]).toContain(loser);
    return loser === v;
  }

  function admissions(victimCount: number, candidateCount: number): number {
    let admitted = 0;
    for (let seed = 0; seed < 2000; seed++)
      if (contest(seed, victimCount, candidateCount)) admitted++;
    return admitted;
  }

  it('admits a candidate seen more often than the victim, and rejects one seen as often', () => {
    expect(admissions(3, 4)).toBe(2000);
    expect(admissions(3, 3)).toBe(0);
    expect(admissions(5, 4)).toBe(0);
  });

  it('lets a popular candidate that does not beat the victim in about once in 128 times', () => {
    // Frequencies 8 and 7: within one sketch sample (20 increments for max 2), no aging.
    const admitted = admissions(8, 7);
    expect(admitted).toBeGreaterThan(2000 / 128 / 3);
    expect(admitted).toBeLessThan((2000 / 128) * 3);
    // Below the threshold of 6 the coin is never tossed.
    expect(admissions(8, 5)).toBe(0);
  });

  it('stays consistent under random reads, writes, deletes, resizes and clears', () => {
    const key = fc.integer({ min: 0, max: 40 });
    const command = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('get' as const), key }) },
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constant('set' as const),
          key,
          weight: fc.integer({ min: 1, max: 6 }),
        }),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('resize' as const),
          max: fc.integer({ min: 1, max: 24 }),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const) }) },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.option(fc.integer({ min: 6, max: 40 }), { nil: undefined }),
        fc.integer(),
        fc.array(command, { maxLength: 400 }),
        (initialMax, maxSize, seed, commands) => {
          const driver = tinyDriver(initialMax, seed, maxSize ?? Number.POSITIVE_INFINITY);
          let max = initialMax;
          for (const c of commands) {
            if (c.kind === 'get') driver.get(c.key);
            else if (c.kind === 'set') driver.set(c.key, c.weight);
            else if (c.kind === 'delete') driver.delete(c.key);
            else if (c.kind === 'resize') {
              max = c.max;
              driver.resize(max);
            } else driver.clear();
            expect(driver.size).toBeLessThanOrEqual(max);
            if (maxSize !== undefined) expect(driver.totalWeight).toBeLessThanOrEqual(maxSize);
            expectConsistent(driver);
            if (driver.size > 0) {
              expect(driver.liveSlots()).toContain(driver.policy.victim(() => 1));
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('finds a victim in whichever segment still holds entries after deletes', () => {
    for (const keep of [0, 1, 2]) {
      const driver = tinyDriver(20);
      for (let i = 0; i < 90; i++) driver.access(i % 25);
      for (let i = 0; i < 30; i++) driver.access(i % 12);
      const lists = driver.lists();
      expect(lists.every((slots) => slots.length > 0)).toBe(true);
      lists.forEach((slots, list) => {
        if (list !== keep) for (const slot of slots) driver.delete(driver.keyOf(slot)!);
      });
      expectConsistent(driver);
      for (let key = 100; key < 160; key++) {
        driver.set(key, 1 + (key % 3));
        expectConsistent(driver);
      }
      expect(driver.size).toBe(20);
    }
    const heavy = tinyDriver(10, 3, 30);
    for (let key = 0; key < 200; key++) {
      heavy.set(key, key % 7 === 0 ? 25 : 1);
      expect(heavy.totalWeight).toBeLessThanOrEqual(30);
      expectConsistent(heavy);
    }
  });

  it('grows its per-slot state when the cache hands out slots beyond it', () => {
    const links = new SlotLinks(4);
    const policy = new TinyLfuPolicy(links, 1000, { seed: 1 });
    for (let slot = FIRST_SLOT; slot < 600; slot++) {
      links.grow(slot + 1, 2000);
      policy.insert(slot, slot * 7919);
    }
    for (let slot = FIRST_SLOT; slot < 600; slot++) policy.touch(slot);
    expect(policy.order()).toHaveLength(600 - FIRST_SLOT);
  });

  it('starts over empty after clear and keeps working', () => {
    const driver = tinyDriver(50);
    for (let key = 0; key < 200; key++) driver.access(key % 70);
    driver.clear();
    expect(driver.lists()).toEqual([[], [], []]);
    expect(driver.policy.order()).toEqual([]);
    for (let key = 0; key < 200; key++) driver.access(key % 70);
    expect(driver.size).toBe(50);
    expectConsistent(driver);
  });

  it('scales its window with resize and evicts down to the new limit', () => {
    const driver = tinyDriver(1000);
    for (let key = 0; key < 3000; key++) driver.access(key);
    expect(windowMax(driver)).toBe(10);
    driver.resize(100);
    expect(driver.size).toBe(100);
    expect(windowMax(driver)).toBe(1);
    expectConsistent(driver);
    driver.resize(5000);
    expect(windowMax(driver)).toBe(50);
    for (let key = 0; key < 10_000; key++) driver.access(key);
    expect(driver.size).toBe(5000);
    expectConsistent(driver);
  });
});

describe('TinyLfuPolicy hit ratio (synthetic traces, get and set on a miss)', () => {
  it('keeps most of a loop slightly larger than the cache, where LRU keeps nothing', () => {
    const trace = () => loopTrace(1100, 60);
    const plain = hitRatio(lru, 1000, trace());
    const driver = tinyDriver(1000);
    for (const key of trace()) driver.access(key);
    const ratio = driver.hits / (driver.hits + driver.misses);
    expect(plain).toBe(0);
    expect(ratio).toBeGreaterThan(0.8);
    // Frequency pays here, recency does not: the window shrinks.
    expect(windowMax(driver)).toBeLessThanOrEqual(10);
  });

  it('comes close to the optimum on a loop twice the size of the cache', () => {
    // Belady keeps max - 1 fixed keys of a loop of L > max keys: (max - 1) / L.
    const ratio = hitRatio(tinyLfu(), 500, loopTrace(1000, 100));
    expect(ratio).toBeGreaterThan(0.499 - 0.02);
  });

  it('beats LRU clearly on a skewed (Zipf) workload', () => {
    const trace = () => zipfTrace(10_000, 0.8, 200_000, 11);
    const plain = hitRatio(lru, 1000, trace());
    const ratio = hitRatio(tinyLfu(), 1000, trace());
    expect(ratio).toBeGreaterThan(plain + 0.05);
    const small = () => zipfTrace(1000, 1, 50_000, 12);
    expect(hitRatio(tinyLfu(), 100, small())).toBeGreaterThan(hitRatio(lru, 100, small()) + 0.05);
  });

  it('grows its window and stays within a point of LRU on sliding working sets', () => {
    const cases = [
      { width: 500, every: 1, max: 1000 },
      { width: 900, every: 2, max: 1000 },
      { width: 1200, every: 1, max: 1000 },
      { width: 400, every: 8, max: 1000 },
      { width: 80, every: 1, max: 100 },
    ];
    for (const { width, every, max } of cases) {
      const trace = () => slidingTrace(width, every, 200_000, 5);
      const plain = hitRatio(lru, max, trace());
      const driver = tinyDriver(max);
      for (const key of trace()) driver.access(key);
      const ratio = driver.hits / (driver.hits + driver.misses);
      expect(ratio, `width ${width}, every ${every}, max ${max}`).toBeGreaterThan(plain - 0.01);
      expect(windowMax(driver)).toBeGreaterThan(max * 0.3);
    }
  });

  it('shrinks its window again when a recency phase gives way to a skewed one', () => {
    const driver = tinyDriver(1000);
    for (const key of slidingTrace(900, 2, 200_000, 3)) driver.access(key);
    expect(windowMax(driver)).toBeGreaterThan(900);
    const hits = driver.hits;
    const misses = driver.misses;
    const skewed = () => zipfTrace(10_000, 0.8, 200_000, 4);
    for (const key of skewed()) driver.access(10_000_000 + key);
    const ratio = (driver.hits - hits) / (driver.hits - hits + driver.misses - misses);
    expect(windowMax(driver)).toBeLessThan(100);
    expect(ratio).toBeGreaterThan(hitRatio(lru, 1000, skewed()) + 0.05);
  });

  it('never falls more than a point below LRU on random mixes of recency and frequency', () => {
    const next = random(99);
    for (let trial = 0; trial < 4; trial++) {
      const seed = Math.floor(next() * 1000);
      const trace = function* () {
        const skewed = zipfTrace(5000, 0.9, 60_000, seed);
        const sliding = slidingTrace(300, 3, 60_000, seed + 1);
        const pick = random(seed + 2);
        for (let i = 0; i < 60_000; i++) {
          const fromSkewed = pick() < 0.5;
          const a = skewed.next().value as number;
          const b = sliding.next().value as number;
          yield fromSkewed ? a : 1_000_000 + b;
        }
      };
      const plain = hitRatio(lru, 500, trace());
      expect(hitRatio(tinyLfu(seed), 500, trace())).toBeGreaterThan(plain - 0.01);
    }
  });
});
