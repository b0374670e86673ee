import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_BUCKETS, QuantileSketch, quantilesOf, RELATIVE_ACCURACY } from './quantile-sketch.js';

/** The value of rank ⌊q (n − 1)⌋ in sorted order: what the sketch estimates. */
function exact(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

/** True when `estimate` is within the relative accuracy of `truth` (plus rounding). */
function close(estimate: number, truth: number): boolean {
  return Math.abs(estimate - truth) <= RELATIVE_ACCURACY * Math.abs(truth) * (1 + 1e-9);
}

/** The ratio MAX_BUCKETS buckets of one sign span: γ^MAX_BUCKETS. */
const MAX_RATIO = ((1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY)) ** MAX_BUCKETS;

const QS = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1];

describe('QuantileSketch', () => {
  it('reports NaN while empty', () => {
    expect(new QuantileSketch().quantiles([0.5])).toEqual([Number.NaN]);
  });

  it('keeps every quantile within the relative accuracy while each sign spans less than 1e17', () => {
    const magnitude = fc.double({ min: 1e-8, max: 1e9, noNaN: true });
    const value = fc.oneof(
      magnitude,
      magnitude.map((v) => -v),
      fc.constant(0),
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 300 }), (values) => {
        const sketch = new QuantileSketch();
        for (const v of values) sketch.add(v, 1);
        const sorted = [...values].sort((a, b) => a - b);
        const estimates = sketch.quantiles(QS);
        QS.forEach((q, i) => {
          expect(close(estimates[i] as number, exact(sorted, q)), `q=${q}`).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the quantiles above the merged range accurate, whatever the doubles', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), {
          minLength: 1,
          maxLength: 300,
        }),
        (raw) => {
          // Subnormal magnitudes count as zero, by design.
          const values = raw.map((v) => (Math.abs(v) < 2 ** -1022 ? 0 : v));
          const sketch = new QuantileSketch();
          for (const v of values) sketch.add(v, 1);
          const sorted = [...values].sort((a, b) => a - b);
          const top = Math.max(...values);
          const smallestNegative = Math.min(...values.filter((v) => v < 0).map((v) => -v));
          const estimates = sketch.quantiles(QS);
          QS.forEach((q, i) => {
            const truth = exact(sorted, q);
            // Positives within 1e17 of the largest, negatives within 1e17 of the one nearest 0.
            const kept =
              truth === 0 || (truth > 0 ? truth >= top / 1e17 : -truth <= smallestNegative * 1e17);
            if (kept) expect(close(estimates[i] as number, truth), `q=${q}`).toBe(true);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts weights, zeros and subnormal numbers as zero', () => {
    const sketch = new QuantileSketch();
    sketch.add(5e-324, 2);
    sketch.add(-0, 1);
    sketch.add(10, 1);
    expect(sketch.count).toBe(4);
    expect(sketch.quantiles([0.5, 1])).toEqual([0, expect.closeTo(10, 0)]);
  });

  it('reports values near the largest double without overflowing', () => {
    const sketch = new QuantileSketch();
    sketch.add(Number.MAX_VALUE, 1);
    sketch.add(-Number.MAX_VALUE, 1);
    const [low, high] = sketch.quantiles([0, 1]);
    expect(Number.isFinite(high)).toBe(true);
    expect(close(high as number, Number.MAX_VALUE)).toBe(true);
    expect(close(low as number, -Number.MAX_VALUE)).toBe(true);
  });

  it('holds at most MAX_BUCKETS buckets per sign, merging the lowest values', () => {
    const sketch = new QuantileSketch();
    // From 1e-300 to 1e300 in steps of 1 %: far more buckets than allowed, both signs.
    const values: number[] = [];
    for (let v = 1e-300; v < 1e300; v *= 1.01) values.push(v);
    for (const v of values) {
      sketch.add(v, 1);
      sketch.add(-v, 1);
    }
    expect(sketch.positive.counts.length).toBe(MAX_BUCKETS);
    expect(sketch.negative.counts.length).toBe(MAX_BUCKETS);
    const sorted = [...values.map((v) => -v), ...values].sort((a, b) => a - b);
    const n = values.length;
    // The highest positives keep their accuracy, and so do the negatives nearest zero.
    for (const q of [0.99, 0.999, 1, (n - 1) / (2 * n - 1), (n - 100) / (2 * n - 1)]) {
      expect(close(sketch.quantiles([q])[0] as number, exact(sorted, q)), `q=${q}`).toBe(true);
    }
    // The lowest positives and the most negative values were merged into the lowest bucket kept.
    const lowestPositive = sketch.quantiles([n / (2 * n - 1)])[0] as number;
    expect(lowestPositive / (1e300 / MAX_RATIO)).toBeCloseTo(1, 1);
    expect((sketch.quantiles([0])[0] as number) / (-1e-300 * MAX_RATIO)).toBeCloseTo(1, 1);
    expect(sketch.count).toBe(2 * n);
  });

  it('grows its bucket arrays with the range seen, either way, and reuses them once cleared', () => {
    const sketch = new QuantileSketch();
    sketch.add(1, 1);
    expect(sketch.positive.counts.length).toBe(64);
    for (let v = 1; v < 1e4; v *= 1.01) sketch.add(v, 1);
    for (let v = 1; v > 1e-4; v /= 1.01) sketch.add(v, 1);
    const length = sketch.positive.counts.length;
    expect(length).toBeGreaterThanOrEqual(930);
    expect(length).toBeLessThanOrEqual(MAX_BUCKETS);
    sketch.clear();
    expect(sketch.count).toBe(0);
    expect(sketch.quantiles([0.5])).toEqual([Number.NaN]);
    sketch.add(1e100, 3);
    expect(close(sketch.quantiles([0.5])[0] as number, 1e100)).toBe(true);
    expect(sketch.positive.counts.length).toBe(length);
  });

  it('reads several sketches as one, as if one sketch had been fed everything', () => {
    const a = new QuantileSketch();
    const b = new QuantileSketch();
    const empty = new QuantileSketch();
    const all = new QuantileSketch();
    for (let i = 1; i <= 1000; i++) {
      const v = i % 7 === 0 ? -i : i % 11 === 0 ? 0 : i * 1.5;
      (i % 2 === 0 ? a : b).add(v, 1);
      all.add(v, 1);
    }
    expect(quantilesOf([a, empty, b], QS)).toEqual(all.quantiles(QS));
    expect(quantilesOf([empty, empty], [0.5])).toEqual([Number.NaN]);
    expect(quantilesOf([a], [])).toEqual([]);
  });
});
