/**
 * A seeded generator of floats in [0, 1): the same seed gives the same sequence on every
 * machine and run, so every implementation of a case replays identical inputs.
 *
 * The state advances by a fixed odd step (a Weyl sequence); each output is that state run
 * through a 32-bit avalanche mix, which turns neighbouring states into unrelated outputs.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e37_79b9) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 16), 0x85eb_ca6b);
    mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2_ae35);
    mixed ^= mixed >>> 16;
    return (mixed >>> 0) / 0x1_0000_0000;
  };
}
