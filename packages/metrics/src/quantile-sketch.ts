/**
 * A quantile sketch with a relative-error guarantee and bounded memory.
 *
 * A positive value `v` goes into bucket `k = ceil(log_γ(v))`, which holds the values in
 * `(γ^(k-1), γ^k]`, with `γ = (1 + α) / (1 - α)`. A bucket is reported as
 * `2γ^k / (γ + 1)`, which is within a factor `1 ± α` of every value it holds: so a
 * quantile read from the buckets is within `α` (relative) of the true quantile, whatever
 * the distribution. Negative values go into a second set of buckets by magnitude, and zero
 * into a count of its own, with the subnormal numbers (magnitude below 2^-1022, about
 * 2.2e-308), whose logarithm is too coarse to bucket.
 *
 * Each sign holds at most {@link MAX_BUCKETS} consecutive buckets. When a value would
 * stretch them further, the lowest buckets (the smallest values: for negatives, the most
 * negative ones) are merged into the lowest bucket kept, so only quantiles falling among
 * those lowest values lose their accuracy. A bucket array grows with the range of values
 * actually seen, up to that bound.
 */

/** Relative accuracy α of every quantile the sketch reports. */
export const RELATIVE_ACCURACY = 0.01;

/** Buckets one sign of one sketch may hold before the lowest are merged. */
export const MAX_BUCKETS = 2048;

const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** `log(2 / (γ + 1))`: the representative of bucket k is `exp(k log γ + this)`. */
const LOG_REPRESENTATIVE = Math.log(2 / (GAMMA + 1));
const INITIAL_BUCKETS = 64;
/** The smallest normal double, 2^-1022: smaller magnitudes count as zero. */
const MIN_NORMAL = 2 ** -1022;
const EMPTY = new Float64Array(0);

/** The bucket of a positive magnitude. */
function bucketOf(magnitude: number): number {
  return Math.ceil(Math.log(magnitude) / LOG_GAMMA);
}

/** The value reported for bucket `k`. */
function bucketValue(k: number): number {
  return Math.min(Math.exp(k * LOG_GAMMA + LOG_REPRESENTATIVE), Number.MAX_VALUE);
}

/**
 * Consecutive bucket counts, `counts[i]` holding bucket `offset + i`; at most
 * {@link MAX_BUCKETS} of them, the lowest merged past that.
 */
class BucketStore {
  counts: Float64Array = EMPTY;
  /** The bucket index of `counts[0]`. */
  offset = 0;
  /** Lowest and highest non-empty bucket (`Infinity`/`-Infinity` when empty). */
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  total = 0;

  add(k: number, weight: number): void {
    let index = k;
    if (index < this.offset || index >= this.offset + this.counts.length) index = this.#fit(index);
    const i = index - this.offset;
    this.counts[i] = (this.counts[i] as number) + weight;
    this.total += weight;
    if (index < this.min) this.min = index;
    if (index > this.max) this.max = index;
  }

  /** The count of bucket `k` (0 outside the range held). */
  at(k: number): number {
    return k >= this.min && k <= this.max ? (this.counts[k - this.offset] as number) : 0;
  }

  clear(): void {
    if (this.total === 0) return;
    this.counts.fill(0);
    this.total = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
  }

  /**
   * Makes room for bucket `k`, growing or moving the array, or merging the lowest buckets
   * past {@link MAX_BUCKETS}; returns the bucket to add to (`k`, or the lowest kept).
   */
  #fit(k: number): number {
    const low = Math.min(this.min, k);
    const high = Math.max(this.max, k);
    const span = high - low + 1;
    if (span > MAX_BUCKETS) {
      const lowest = high - MAX_BUCKETS + 1;
      this.#move(lowest, MAX_BUCKETS);
      return Math.max(k, lowest);
    }
    const length = this.counts.length;
    const capacity =
      span <= length ? length : Math.min(MAX_BUCKETS, Math.max(span, 2 * length, INITIAL_BUCKETS));
    // Leave the free buckets on both sides, so the range can widen either way.
    this.#move(low - ((capacity - span) >> 1), capacity);
    return k;
  }

  /** Re-lays the counts from bucket `offset` on, in `capacity` buckets; lower ones merge into `offset`. */
  #move(offset: number, capacity: number): void {
    const counts = this.counts;
    if (capacity === counts.length) {
      // Same size: shift in place (one memmove), the buckets shifted out summed into the first.
      const shift = offset - this.offset;
      const length = counts.length;
      if (shift > 0) {
        let merged = 0;
        const end = Math.min(shift, length);
        for (let i = Math.max(0, this.min - this.offset); i < end; i++)
          merged += counts[i] as number;
        counts.copyWithin(0, shift);
        counts.fill(0, Math.max(0, length - shift));
        counts[0] = (counts[0] as number) + merged;
      } else if (shift < 0) {
        counts.copyWithin(-shift, 0, length + shift);
        counts.fill(0, 0, Math.min(-shift, length));
      }
    } else {
      const next = new Float64Array(capacity);
      for (let k = this.min; k <= this.max; k++) {
        const count = counts[k - this.offset] as number;
        if (count === 0) continue;
        const i = Math.max(k, offset) - offset;
        next[i] = (next[i] as number) + count;
      }
      this.counts = next;
    }
    if (this.min < offset) this.min = offset;
    if (this.max < offset && this.total > 0) this.max = offset;
    this.offset = offset;
  }
}

/** Weighted observations summarised by {@link RELATIVE_ACCURACY}-accurate buckets. */
export class QuantileSketch {
  /** Positive values, by bucket. */
  readonly positive = new BucketStore();
  /** Negative values, at bucket `-k` for magnitude bucket `k`, so indexes rise with the value. */
  readonly negative = new BucketStore();
  /** Weight of the zeros. */
  zero = 0;

  /** Records a finite `value` with `weight`. */
  add(value: number, weight: number): void {
    if (value >= MIN_NORMAL) this.positive.add(bucketOf(value), weight);
    else if (value <= -MIN_NORMAL) this.negative.add(-bucketOf(-value), weight);
    else this.zero += weight;
  }

  /** The weight recorded. */
  get count(): number {
    return this.positive.total + this.negative.total + this.zero;
  }

  /** Forgets every value; the bucket arrays are kept for reuse. */
  clear(): void {
    this.positive.clear();
    this.negative.clear();
    this.zero = 0;
  }

  /**
   * The `q`-quantiles (each in [0, 1], in increasing order) of the values recorded: see
   * {@link quantilesOf}.
   */
  quantiles(qs: readonly number[]): number[] {
    return quantilesOf([this], qs);
  }
}

/**
 * The `q`-quantiles (each in [0, 1], in increasing order) of the values of all `sketches`
 * together: for a total weight `n`, the value of rank `⌊q (n − 1)⌋` (from 0) in sorted
 * order, within {@link RELATIVE_ACCURACY} relative error; `NaN` when nothing is recorded.
 * One pass over the buckets serves every quantile, and nothing is merged or allocated but
 * the result.
 */
export function quantilesOf(sketches: readonly QuantileSketch[], qs: readonly number[]): number[] {
  const result = qs.map(() => Number.NaN);
  let total = 0;
  let zero = 0;
  let negativeMin = Number.POSITIVE_INFINITY;
  let negativeMax = Number.NEGATIVE_INFINITY;
  let positiveMin = Number.POSITIVE_INFINITY;
  let positiveMax = Number.NEGATIVE_INFINITY;
  for (const sketch of sketches) {
    total += sketch.count;
    zero += sketch.zero;
    negativeMin = Math.min(negativeMin, sketch.negative.min);
    negativeMax = Math.max(negativeMax, sketch.negative.max);
    positiveMin = Math.min(positiveMin, sketch.positive.min);
    positiveMax = Math.max(positiveMax, sketch.positive.max);
  }
  if (total === 0 || qs.length === 0) return result;
  let next = 0;
  let rank = (qs[0] as number) * (total - 1);
  let seen = 0;
  /** Reports `value` for every quantile whose rank `seen` has passed; true once all are. */
  const settle = (value: number): boolean => {
    while (seen > rank) {
      result[next++] = value;
      if (next === qs.length) return true;
      rank = (qs[next] as number) * (total - 1);
    }
    return false;
  };
  for (let k = negativeMin; k <= negativeMax; k++) {
    let count = 0;
    for (const sketch of sketches) count += sketch.negative.at(k);
    seen += count;
    if (count !== 0 && settle(-bucketValue(-k))) return result;
  }
  seen += zero;
  if (settle(0)) return result;
  for (let k = positiveMin; k <= positiveMax; k++) {
    let count = 0;
    for (const sketch of sketches) count += sketch.positive.at(k);
    seen += count;
    if (count !== 0 && settle(bucketValue(k))) return result;
  }
  // Unreachable: every rank is below total, and the passes above add up to total.
  /* c8 ignore next */
  return result;
}
