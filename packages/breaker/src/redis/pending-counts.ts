/** The counts of one time bucket waiting to be pushed to Redis. */
export interface BucketCounts {
  /** Bucket number: `Math.floor(time / bucketMs)`. */
  bucket: number;
  calls: number;
  failures: number;
  slowCalls: number;
}

/**
 * Outcomes recorded by this instance and not yet pushed to Redis, per time bucket of the
 * window. Recording is O(1) with no allocation; it keeps at most one entry per bucket of
 * the window, so whatever an outage lasts, what waits is bounded. Counts older than the
 * window are dropped: they could not count any more.
 */
export class PendingCounts {
  readonly #size: number;
  readonly #buckets: Float64Array;
  readonly #calls: Uint32Array;
  readonly #failures: Uint32Array;
  readonly #slow: Uint32Array;

  constructor(size: number) {
    this.#size = size;
    this.#buckets = new Float64Array(size).fill(Number.NEGATIVE_INFINITY);
    this.#calls = new Uint32Array(size);
    this.#failures = new Uint32Array(size);
    this.#slow = new Uint32Array(size);
  }

  record(bucket: number, failed: boolean, slow: boolean): void {
    const slot = this.#slotOf(bucket);
    const held = this.#buckets[slot]!;
    if (held > bucket) return; // older than the window this ring holds
    if (held < bucket) {
      this.#buckets[slot] = bucket;
      this.#calls[slot] = 0;
      this.#failures[slot] = 0;
      this.#slow[slot] = 0;
    }
    this.#calls[slot]!++;
    if (failed) this.#failures[slot]!++;
    if (slow) this.#slow[slot]!++;
  }

  /** Adds counts back (a push that was never sent). */
  restore(counts: readonly BucketCounts[]): void {
    for (const { bucket, calls, failures, slowCalls } of counts) {
      const slot = this.#slotOf(bucket);
      const held = this.#buckets[slot]!;
      if (held > bucket) continue;
      if (held < bucket) {
        this.#buckets[slot] = bucket;
        this.#calls[slot] = 0;
        this.#failures[slot] = 0;
        this.#slow[slot] = 0;
      }
      this.#calls[slot]! += calls;
      this.#failures[slot]! += failures;
      this.#slow[slot]! += slowCalls;
    }
  }

  /** Removes and returns the counts of buckets `current - size + 1 … current`, oldest first. */
  take(current: number): BucketCounts[] {
    const taken: BucketCounts[] = [];
    // Counted by a small integer: past 2^53 `bucket + 1` would equal `bucket`.
    for (let age = this.#size - 1; age >= 0; age--) {
      const bucket = current - age;
      const slot = this.#slotOf(bucket);
      if (this.#buckets[slot] !== bucket || this.#calls[slot] === 0) continue;
      taken.push({
        bucket,
        calls: this.#calls[slot]!,
        failures: this.#failures[slot]!,
        slowCalls: this.#slow[slot]!,
      });
      // Taken once, even where `current - age` repeats a bucket number (past 2^53).
      this.#calls[slot] = 0;
    }
    this.clear();
    return taken;
  }

  /** Totals of what waits, whatever its bucket. */
  totals(): { calls: number; failures: number; slowCalls: number } {
    let calls = 0;
    let failures = 0;
    let slowCalls = 0;
    for (let slot = 0; slot < this.#size; slot++) {
      calls += this.#calls[slot]!;
      failures += this.#failures[slot]!;
      slowCalls += this.#slow[slot]!;
    }
    return { calls, failures, slowCalls };
  }

  clear(): void {
    this.#buckets.fill(Number.NEGATIVE_INFINITY);
    this.#calls.fill(0);
    this.#failures.fill(0);
    this.#slow.fill(0);
  }

  #slotOf(bucket: number): number {
    const size = this.#size;
    return ((bucket % size) + size) % size;
  }
}
