/** Relative accuracy of {@link LatencySketch}: a quantile is within 2 % of a true value. */
const GAMMA = 1.02 / 0.98;
const LOG_GAMMA = Math.log(GAMMA);

/**
 * A small log-bucket sketch of latencies (milliseconds, >= 0): a value `v > 0` counts in
 * bucket `⌈log_γ v⌉`, read back as the bucket's midpoint, within 2 % of the values it holds.
 * Sketches of several intervals merge exactly.
 */
export class LatencySketch {
  readonly #buckets = new Map<number, number>();
  #zeros = 0;
  #count = 0;

  /** Observations so far. */
  get count(): number {
    return this.#count;
  }

  /** Counts `ms` (negative or non-finite values are ignored). */
  add(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.#count++;
    if (ms === 0) {
      this.#zeros++;
      return;
    }
    const index = Math.ceil(Math.log(ms) / LOG_GAMMA);
    this.#buckets.set(index, (this.#buckets.get(index) ?? 0) + 1);
  }

  /** Adds every observation of `other` to this sketch. */
  merge(other: LatencySketch): void {
    this.#count += other.#count;
    this.#zeros += other.#zeros;
    for (const [index, n] of other.#buckets) {
      this.#buckets.set(index, (this.#buckets.get(index) ?? 0) + n);
    }
  }

  /** The `q`-quantile (0..1), or `null` without observations. */
  quantile(q: number): number | null {
    if (this.#count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = this.#zeros;
    if (seen >= rank) return 0;
    const indices = [...this.#buckets.keys()].sort((a, b) => a - b);
    let index = indices[indices.length - 1]!;
    for (const i of indices) {
      seen += this.#buckets.get(i)!;
      if (seen >= rank) {
        index = i;
        break;
      }
    }
    // The midpoint of (γ^(i-1), γ^i], in relative terms.
    return (2 * GAMMA ** index) / (GAMMA + 1);
  }
}
