import { seededRandom } from './seeded-random.js';
import { zipfSampler } from './zipf-sampler.js';

/** A seeded synthetic trace and the two cache sizes it is replayed at. */
export interface SyntheticWorkload {
  readonly name: string;
  /** What the trace does to a cache, shown under the table. */
  readonly description: string;
  readonly sizes: readonly [number, number];
  /** The same trace for the same seed. */
  generate(seed: number): number[];
}

/** Accesses per synthetic trace. */
export const syntheticLength = 200_000;

/** The seed of the traces the hit-ratio table shows; other seeds are for checking a policy. */
export const tableSeed = 1;

/** Keys of phase `phase` start here: phases never share keys. */
const PHASE_STRIDE = 1_000_000;

/**
 * Phase shifts: the hot set changes for good every `phaseLength` accesses. Each phase draws
 * Zipf(0.9) over `keys` keys of its own, so what was popular is useless after the shift.
 */
function phases(keys: number, phaseLength: number) {
  return (seed: number): number[] => {
    const random = seededRandom(seed);
    const draw = zipfSampler(keys, 0.9, random);
    // Each phase ranks its keys in its own order.
    const trace: number[] = [];
    for (let i = 0; i < syntheticLength; i++) {
      const phase = Math.floor(i / phaseLength);
      trace.push(phase * PHASE_STRIDE + ((draw() * 7919 + phase * 104_729) % keys));
    }
    return trace;
  };
}

/**
 * Alternating loops: `passes` passes over a loop of `small` keys, then over a disjoint loop
 * of `large` keys, and again, each loop a little larger than one of the cache sizes (LRU
 * misses on every access of a loop longer than the cache). Each pass starts at a seeded
 * offset so that the seeds differ.
 */
function alternatingLoops(small: number, large: number, passes: number) {
  return (seed: number): number[] => {
    const random = seededRandom(seed);
    const trace: number[] = [];
    let round = 0;
    while (trace.length < syntheticLength) {
      const length = round % 2 === 0 ? small : large;
      const base = round % 2 === 0 ? 0 : PHASE_STRIDE;
      const start = Math.floor(random() * length);
      for (let pass = 0; pass < passes && trace.length < syntheticLength; pass++) {
        for (let i = 0; i < length && trace.length < syntheticLength; i++) {
          trace.push(base + ((start + i) % length));
        }
      }
      round++;
    }
    return trace;
  };
}

/**
 * Zigzag: passes over `length` keys, forward then backward. The start of each backward pass
 * is what was just used (LRU's best case), its end what was used longest ago (its worst).
 * Each sweep stops a seeded few keys short of the end.
 */
function zigzag(length: number) {
  return (seed: number): number[] => {
    const random = seededRandom(seed);
    const trace: number[] = [];
    let forward = true;
    let at = 0;
    while (trace.length < syntheticLength) {
      const span = length - Math.floor(random() * (length / 20));
      for (let i = 0; i < span && trace.length < syntheticLength; i++) {
        trace.push(at);
        at = forward ? Math.min(length - 1, at + 1) : Math.max(0, at - 1);
      }
      forward = !forward;
    }
    return trace;
  };
}

/**
 * Scans over a Zipf base: Zipf(`skew`) over `keys` keys, and every `every` accesses a scan
 * of `scan` keys used once and never again.
 */
function scansOverZipf(keys: number, skew: number, every: number, scan: number) {
  return (seed: number): number[] => {
    const random = seededRandom(seed);
    const draw = zipfSampler(keys, skew, random);
    const trace: number[] = [];
    let fresh = PHASE_STRIDE;
    while (trace.length < syntheticLength) {
      for (let i = 0; i < every && trace.length < syntheticLength; i++) trace.push(draw());
      for (let i = 0; i < scan && trace.length < syntheticLength; i++) trace.push(fresh++);
    }
    return trace;
  };
}

/**
 * A drifting working set: `width` keys ahead of an offset that moves one key every `every`
 * accesses, the newest keys of the set the most used (the square of a uniform draw puts
 * the mass near the front).
 */
function drifting(width: number, every: number) {
  return (seed: number): number[] => {
    const random = seededRandom(seed);
    const trace: number[] = [];
    for (let i = 0; i < syntheticLength; i++) {
      const r = random();
      trace.push(Math.floor(i / every) + width - 1 - Math.floor(r * r * width));
    }
    return trace;
  };
}

/**
 * Pure recency, a sliding working set: `width` keys, uniform within, sliding forward one key
 * every `every` accesses. A key's past popularity means nothing once the set has moved past.
 */
function sliding(width: number, every: number) {
  return (seed: number): number[] => {
    const random = seededRandom(seed);
    const trace: number[] = [];
    for (let i = 0; i < syntheticLength; i++) {
      trace.push(Math.floor(i / every) + Math.floor(random() * width));
    }
    return trace;
  };
}

/** The synthetic workloads of the hit-ratio table, where recency and frequency pull apart. */
export const syntheticWorkloads: readonly SyntheticWorkload[] = [
  {
    name: 'phases',
    description: 'the hot set (Zipf 0.9 over 800 keys) changes for good every 25,000 accesses',
    sizes: [500, 1_000],
    generate: phases(800, 25_000),
  },
  {
    name: 'alternating loops',
    description: 'ten passes over 550 keys, then ten over 1,100 other keys, and again',
    sizes: [500, 1_000],
    generate: alternatingLoops(550, 1_100, 10),
  },
  {
    name: 'zigzag',
    description: 'sweeps over 1,100 keys, forward then backward',
    sizes: [500, 1_000],
    generate: zigzag(1_100),
  },
  {
    name: 'scans over zipf',
    description: 'Zipf 0.9 over 20,000 keys, a scan of 2,000 new keys every 10,000 accesses',
    sizes: [500, 1_000],
    generate: scansOverZipf(20_000, 0.9, 10_000, 2_000),
  },
  {
    name: 'drifting',
    description: '800 keys, the newest the most used, drifting one key every 4 accesses',
    sizes: [500, 1_000],
    generate: drifting(800, 4),
  },
  {
    name: 'sliding',
    description: '900 keys, uniform, sliding one key every 2 accesses (pure recency)',
    sizes: [500, 1_000],
    generate: sliding(900, 2),
  },
  {
    name: 'sliding wide',
    description: '1,200 keys, uniform, sliding one key every access (pure recency)',
    sizes: [500, 1_000],
    generate: sliding(1_200, 1),
  },
];
