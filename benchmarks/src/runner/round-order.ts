/**
 * The order in which implementations run in round `round`: the list rotated left by the
 * round number, so each implementation goes first, second, … equally often and none always
 * runs right after the same neighbour's garbage.
 */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  if (items.length === 0) {
    return [];
  }
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
