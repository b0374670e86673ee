/** The spread of a set of round figures: extremes and quartiles, never a single best round. */
export interface Spread {
  readonly min: number;
  readonly q1: number;
  readonly median: number;
  readonly q3: number;
  readonly max: number;
}

function sortedCopy(values: readonly number[]): number[] {
  if (values.length === 0) {
    throw new RangeError('Expected at least one value, got an empty list');
  }
  return [...values].sort((a, b) => a - b);
}

/**
 * The `q` quantile (0..1) of ascending `sorted` values, interpolating linearly between the
 * two nearest ranks (the method spreadsheets call PERCENTILE.INC).
 */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) {
    throw new RangeError('Expected at least one value, got an empty list');
  }
  if (!(q >= 0 && q <= 1)) {
    throw new RangeError(`Expected \`q\` to be a number from 0 to 1, got \`${q}\``);
  }
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (position - lower);
}

/** The median of `values` (mean of the two middle values when their count is even). */
export function median(values: readonly number[]): number {
  return quantileOfSorted(sortedCopy(values), 0.5);
}

/** Minimum, quartiles and maximum of `values`. */
export function spread(values: readonly number[]): Spread {
  const sorted = sortedCopy(values);
  return {
    min: sorted[0] as number,
    q1: quantileOfSorted(sorted, 0.25),
    median: quantileOfSorted(sorted, 0.5),
    q3: quantileOfSorted(sorted, 0.75),
    max: sorted[sorted.length - 1] as number,
  };
}

/** Ours over the peer: above 1 we are faster, below 1 we are slower. */
export function ratio(ours: number, peer: number): number {
  return ours / peer;
}
