/** The two calls a trace replay makes, as every LRU-like cache spells them. */
export interface ReplayCache {
  get(key: number): unknown;
  set(key: number, value: number): unknown;
}

/**
 * Replays `trace` the way an application uses a cache: `get(key)`, and on a miss
 * `set(key, key)`. Returns how many accesses hit.
 */
export function replayHits(cache: ReplayCache, trace: readonly number[]): number {
  let hits = 0;
  for (const key of trace) {
    if (cache.get(key) === undefined) {
      cache.set(key, key);
    } else {
      hits++;
    }
  }
  return hits;
}
