/**
 * A duration as the package reports it: whole milliseconds, rounded up, so that waiting
 * that long is always enough (`333.3` → `334`). The value is first rounded to a millionth
 * of a millisecond, so float noise around an exact figure (`1000.0000000000002`, from
 * arithmetic on clock readings) is not bumped to the next millisecond. `Infinity` stays
 * `Infinity`; anything not above 0 (or NaN) is `0`.
 */
export function wholeMs(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.ceil(Math.round(ms * 1e6) / 1e6);
}
