/**
 * Draws ranks in [0, `count`) with probability proportional to 1 / (rank + 1)^`exponent`:
 * rank 0 is the most popular, and a few ranks take most draws, as keys do in a real cache.
 * Builds the cumulative distribution once; each draw is a binary search in it.
 */
export function zipfSampler(count: number, exponent: number, random: () => number): () => number {
  if (!(Number.isInteger(count) && count > 0)) {
    throw new RangeError(`Expected \`count\` to be an integer > 0, got \`${count}\``);
  }
  const cumulative = new Float64Array(count);
  let total = 0;
  for (let rank = 0; rank < count; rank++) {
    total += 1 / (rank + 1) ** exponent;
    cumulative[rank] = total;
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = count - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle]! <= target) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  };
}
