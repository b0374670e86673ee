/** A count as case names write it: `100`, `10k`, `2.5k`, `1M`. */
export function countLabel(count: number): string {
  for (const [factor, suffix] of [
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const) {
    if (count >= factor) {
      return `${Number((count / factor).toPrecision(3))}${suffix}`;
    }
  }
  return String(count);
}
