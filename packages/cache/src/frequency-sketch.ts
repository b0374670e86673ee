import { mix32 } from './hash-key.js';

/** Counters per entry of the cache (eight 4-bit counters per 32-bit word). */
const WORDS_PER_ENTRY = 2;
/** Words per block: the four counters of one key all live in one 64-byte block. */
const BLOCK_WORDS = 16;
/** Decorrelates the bits that pick counters from the bits that pick the block. */
const PICK_SEED = 0x3c6ef372;
/** Entries the table covers before the cache has grown past it. */
const INITIAL_ENTRIES = 16;
/** The smallest table: one block. */
const MIN_ENTRIES = BLOCK_WORDS / WORDS_PER_ENTRY;
/** Additions between two agings, per entry covered. */
const SAMPLE_FACTOR = 10;

/**
 * A 4-bit count-min sketch: the popularity estimate behind TinyLFU's admission.
 *
 * Each key maps to four counters (0..15), one per hash function; `increment` bumps
 * those below 15 and `frequency` reads their minimum, an estimate that can only err
 * upwards. After `sampleSize` (10 × the entries covered) effective increments every
 * counter is halved, so old popularity fades and the estimate tracks recent history.
 *
 * Layout: a `Uint32Array` of eight nibbles per word. A key's hash (mixed with a
 * per-instance random seed, so collisions differ between instances and cannot be
 * planned from outside) picks a block of 16 words (64 bytes, a cache line); counter
 * `i` lives in one of words `4i .. 4i + 3` of that block, at one of 8 nibbles, chosen
 * by a second mix of the hash, so one lookup touches one cache line.
 *
 * Sizing: 16 counters (8 bytes) per entry of the cache, for a power-of-two number of
 * entries. The table starts small and grows as the cache fills (`ensureCapacity`), up
 * to what `maximum` needs, so a cache with a huge `max` that holds a few entries keeps
 * a few bytes. The block index is the low bits of the mixed hash, so doubling the
 * table copies it twice: every key finds the counts it had, and no history is lost.
 */
export class FrequencySketch {
  #table: Uint32Array;
  #blockMask: number;
  #maximum: number;
  #entries: number;
  #sampleSize: number;
  #additions = 0;
  readonly #seed: number;

  /**
   * @param maximum the cache's entry limit: the table never grows past what it needs.
   * @param seed fixes the hash seed (tests); random by default.
   */
  constructor(maximum: number, seed?: number) {
    this.#seed = seed === undefined ? (Math.random() * 0x1_0000_0000) | 0 : seed | 0;
    this.#maximum = Math.max(1, maximum);
    this.#entries = initialEntries(this.#maximum);
    this.#table = new Uint32Array(this.#entries * WORDS_PER_ENTRY);
    this.#blockMask = this.#table.length / BLOCK_WORDS - 1;
    this.#sampleSize = this.#computeSampleSize();
  }

  /** The entry limit the sketch may grow to. */
  get maximum(): number {
    return this.#maximum;
  }

  /** Entries the table is sized for now (a power of two). */
  get capacity(): number {
    return this.#entries;
  }

  /** Effective increments between two agings. */
  get sampleSize(): number {
    return this.#sampleSize;
  }

  /** Bytes held by the counters. */
  get byteLength(): number {
    return this.#table.byteLength;
  }

  /** Grows the table to cover `size` entries (capped by `maximum`), keeping the counts. */
  ensureCapacity(size: number): void {
    if (size <= this.#entries || this.#entries >= this.#maximum) return;
    const target = Math.min(size, this.#maximum);
    let entries = this.#entries;
    while (entries < target) entries *= 2;
    const old = this.#table;
    const table = new Uint32Array(entries * WORDS_PER_ENTRY);
    for (let offset = 0; offset < table.length; offset += old.length) table.set(old, offset);
    this.#table = table;
    this.#entries = entries;
    this.#blockMask = table.length / BLOCK_WORDS - 1;
    this.#sampleSize = this.#computeSampleSize();
  }

  /**
   * Changes the entry limit. Growing keeps the counts (the table grows as the cache
   * fills); shrinking below the current table starts over with a smaller, empty one.
   */
  setMaximum(maximum: number): void {
    this.#maximum = Math.max(1, maximum);
    const limit = ceilingPowerOfTwo(this.#maximum);
    if (this.#entries > limit) {
      this.#entries = initialEntries(this.#maximum);
      this.#table = new Uint32Array(this.#entries * WORDS_PER_ENTRY);
      this.#blockMask = this.#table.length / BLOCK_WORDS - 1;
      this.#additions = 0;
    }
    this.#sampleSize = this.#computeSampleSize();
  }

  /** The estimated number of recent occurrences of `hash`, 0..15. */
  frequency(hash: number): number {
    const table = this.#table;
    const h = mix32(hash ^ this.#seed);
    const block = (h & this.#blockMask) * BLOCK_WORDS;
    const pick = mix32(h ^ PICK_SEED);
    let min = 15;
    for (let i = 0; i < 4; i++) {
      const word = table[block + (i << 2) + ((pick >>> (i << 1)) & 3)]!;
      const count = (word >>> (((pick >>> (8 + i * 3)) & 7) << 2)) & 15;
      if (count < min) min = count;
    }
    return min;
  }

  /** Records one occurrence of `hash`; ages the table every `sampleSize` increments. */
  increment(hash: number): void {
    const table = this.#table;
    const h = mix32(hash ^ this.#seed);
    const block = (h & this.#blockMask) * BLOCK_WORDS;
    const pick = mix32(h ^ PICK_SEED);
    let added = false;
    for (let i = 0; i < 4; i++) {
      const index = block + (i << 2) + ((pick >>> (i << 1)) & 3);
      const shift = ((pick >>> (8 + i * 3)) & 7) << 2;
      const word = table[index]!;
      if (((word >>> shift) & 15) !== 15) {
        table[index] = word + (1 << shift);
        added = true;
      }
    }
    if (added && ++this.#additions >= this.#sampleSize) this.#age();
  }

  /** Forgets every count. */
  clear(): void {
    this.#table.fill(0);
    this.#additions = 0;
  }

  /** Halves every counter; the addition count loses the truncated halves too. */
  #age(): void {
    const table = this.#table;
    let odd = 0;
    for (let i = 0; i < table.length; i++) {
      const word = table[i]!;
      // The low bit of each nibble, summed into the top nibble (at most 8, no carry out).
      odd += Math.imul(word & 0x11111111, 0x11111111) >>> 28;
      table[i] = (word >>> 1) & 0x77777777;
    }
    this.#additions = Math.max(0, this.#additions - (odd >>> 2)) >>> 1;
  }

  #computeSampleSize(): number {
    return SAMPLE_FACTOR * Math.min(this.#entries, this.#maximum);
  }
}

function initialEntries(maximum: number): number {
  return Math.max(MIN_ENTRIES, Math.min(INITIAL_ENTRIES, ceilingPowerOfTwo(maximum)));
}

function ceilingPowerOfTwo(value: number): number {
  let power = 1;
  while (power < value) power *= 2;
  return power;
}
