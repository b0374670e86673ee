/** A seeded 32-bit generator (mulberry32): the same seed gives the same draws. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit FNV-1a hash of a string's UTF-16 code units. */
export function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The standard-normal quantile of 0.99. */
const Z99 = 2.3263478740408408;

/**
 * Draws one delay from a log-normal law whose median and 99th percentile are given, using
 * two uniform draws (Box-Muller). A `p99` equal to the median gives the median every time.
 */
export function logNormalDelay(median: number, p99: number, random: () => number): number {
  if (median <= 0) return 0;
  const sigma = Math.log(p99 / median) / Z99;
  const u1 = 1 - random();
  const u2 = random();
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return median * Math.exp(sigma * z);
}
