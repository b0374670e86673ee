/**
 * A fast 32-bit hash for any value a `Map` accepts as a key, for the frequency sketch of
 * the TinyLFU policy. Keys that a `Map` treats as the same (SameValueZero: `0` and `-0`,
 * every `NaN`) hash the same. Collisions never make the cache wrong (the cache itself is
 * keyed by a `Map`); they only blur the sketch's frequency estimates, so the aim is a
 * good spread at a low cost, not cryptographic strength.
 *
 * - Numbers: int32 values go through an integer finalizer (a bijection, so sequential
 *   integers never collide); other numbers hash the two halves of their IEEE-754 bits.
 * - Strings: a MurmurHash3-style body over pairs of UTF-16 code units, seeded with a
 *   value drawn once per process, then a finalizer. The seed keeps one process's hash
 *   values unpredictable from the outside; it is not a defence against an attacker who
 *   can observe the process (the policy's randomised admission is the backstop).
 * - Bigints: their 32-bit limbs, folded.
 * - Objects, functions and unregistered symbols: identity. Each gets a scrambled serial
 *   id the first time it is hashed, held in a `WeakMap`, so the id goes away with the
 *   key. Registered symbols (`Symbol.for`) cannot be weak keys; they hash their registry
 *   key, which is what identifies them anyway.
 * - `undefined`, `null`, booleans: constants.
 *
 * The result is a signed 32-bit integer (it stays a small integer in V8).
 */
export function hashKey(key: unknown): number {
  switch (typeof key) {
    case 'number':
      return hashNumber(key);
    case 'string':
      return hashString(key, STRING_SEED);
    case 'object':
      return key === null ? NULL_HASH : identityHash(key);
    case 'function':
      return identityHash(key);
    case 'symbol':
      return hashSymbol(key);
    case 'bigint':
      return hashBigInt(key);
    case 'boolean':
      return key ? TRUE_HASH : FALSE_HASH;
    default:
      return UNDEFINED_HASH;
  }
}

/** A 32-bit finalizer with full avalanche (xor-shift / multiply rounds). */
export function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h;
}

function randomSeed(): number {
  return (Math.random() * 0x1_0000_0000) | 0;
}

// Distinct seeds per type keep `1`, `'1'`, `1n` and `true` apart.
const STRING_SEED = randomSeed();
const NUMBER_SEED = 0x2545f491;
const FLOAT_SEED = 0x68e31da4;
const BIGINT_SEED = 0x1b873593;
const SYMBOL_SEED = 0x5bd1e995;
const IDENTITY_SEED = randomSeed();
const NAN_HASH = mix32(0x7ff80000);
const NULL_HASH = mix32(0x3c6ef372);
const UNDEFINED_HASH = mix32(0x510e527f);
const TRUE_HASH = mix32(0x9b05688c);
const FALSE_HASH = mix32(0x1f83d9ab);

const floatScratch = new Float64Array(1);
const floatWords = new Int32Array(floatScratch.buffer);

function hashNumber(value: number): number {
  // -0 | 0 is 0, so -0 takes this path and hashes like 0.
  if ((value | 0) === value) return mix32(value ^ NUMBER_SEED);
  // biome-ignore lint/suspicious/noSelfCompare: the cheapest NaN test
  if (value !== value) return NAN_HASH;
  floatScratch[0] = value;
  return mix32(floatWords[0]! ^ mix32(floatWords[1]! ^ FLOAT_SEED));
}

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function hashString(text: string, seed: number): number {
  const length = text.length;
  let h = seed ^ length;
  let i = 0;
  for (; i + 1 < length; i += 2) {
    let k = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < length) {
    let k = Math.imul(text.charCodeAt(i), C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
  }
  return mix32(h);
}

const INT32_MIN = -0x8000_0000n;
const INT32_MAX = 0x7fff_ffffn;

function hashBigInt(value: bigint): number {
  if (value >= INT32_MIN && value <= INT32_MAX) return mix32(Number(value) ^ BIGINT_SEED);
  let h = value < 0n ? ~BIGINT_SEED : BIGINT_SEED;
  let rest = value;
  // Arithmetic shifts end at 0n (non-negative) or -1n (negative).
  while (rest !== 0n && rest !== -1n) {
    h = mix32(h ^ Number(BigInt.asIntN(32, rest)));
    rest >>= 32n;
  }
  return h;
}

const identities = new WeakMap<WeakKey, number>();
let serial = 0;

function identityHash(key: WeakKey): number {
  let h = identities.get(key);
  if (h === undefined) {
    // A bijective scramble of a counter: distinct for 2^32 keys, evenly spread.
    h = mix32((++serial | 0) ^ IDENTITY_SEED);
    identities.set(key, h);
  }
  return h;
}

function hashSymbol(key: symbol): number {
  const registered = Symbol.keyFor(key);
  if (registered !== undefined) return hashString(registered, SYMBOL_SEED);
  return identityHash(key);
}
