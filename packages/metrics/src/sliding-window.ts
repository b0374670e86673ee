import { QuantileSketch, quantilesOf } from './quantile-sketch.js';

/**
 * The observations of the last `ageBuckets × stepMs` ms, as a ring of `ageBuckets`
 * sketches: one per step of `stepMs`, steps counted from clock reading 0. Time comes in as
 * clock readings: no timer. When the clock enters a new step, the oldest sketches are
 * cleared and reused, so a query reads between `(ageBuckets − 1) × stepMs` and
 * `ageBuckets × stepMs` of history, never an observation older than that.
 */
export class SlidingWindow {
  readonly #sketches: QuantileSketch[];
  readonly #stepMs: number;
  /** The step of the head sketch. */
  #step = Number.NEGATIVE_INFINITY;
  #head = 0;

  constructor(ageBuckets: number, stepMs: number) {
    this.#sketches = Array.from({ length: ageBuckets }, () => new QuantileSketch());
    this.#stepMs = stepMs;
  }

  /** Records `value` with `weight` at clock reading `now`. */
  add(value: number, weight: number, now: number): void {
    this.#rotate(now);
    (this.#sketches[this.#head] as QuantileSketch).add(value, weight);
  }

  /** The quantiles (`qs` in increasing order) of the observations in the window at clock reading `now` (`NaN` when none). */
  quantiles(qs: readonly number[], now: number): number[] {
    this.#rotate(now);
    return quantilesOf(this.#sketches, qs);
  }

  /** Clears the sketches of the steps that went by since the head's. */
  #rotate(now: number): void {
    const step = Math.floor(now / this.#stepMs);
    // A clock that went back leaves the head in place.
    if (step <= this.#step) return;
    const sketches = this.#sketches;
    const n = sketches.length;
    if (step - this.#step >= n) {
      for (const sketch of sketches) sketch.clear();
    } else {
      // Counted rather than stepped from the old step to the new: past 2^53, adding 1 to a
      // step number leaves it unchanged, and such steps (tiny `maxAgeMs`, large clock
      // readings) would never reach the new one.
      for (let moved = step - this.#step; moved > 0; moved--) {
        this.#head = (this.#head + 1) % n;
        (sketches[this.#head] as QuantileSketch).clear();
      }
    }
    this.#step = step;
  }
}
