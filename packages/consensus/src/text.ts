/**
 * From texts to shingle hashes: the part of the analysis that reads strings. It always
 * runs in TypeScript, whichever kernel computes the signatures.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const TOKEN = /[\p{L}\p{N}\p{M}]+/gu;

/** The shingle hashes of a list of texts, flattened: text `i` owns `hashes[offsets[i]..offsets[i + 1])`. */
export interface ShingledTexts {
  /** The distinct shingle hashes of each text, ascending within a text. */
  readonly hashes: Uint32Array;
  /** `n + 1` offsets into `hashes`. */
  readonly offsets: Uint32Array;
  /** 1 where a text has no token (and so no hash), 0 elsewhere. */
  readonly empty: Uint8Array;
}

/** Only characters below U+0080: NFKC leaves every one of them as it is. */
const ASCII = /^[^\u0080-\uffff]*$/;

/**
 * NFKC, then lower case: the form in which texts are compared. NFKC maps no ASCII
 * character, so an ASCII text skips it (the same result, several times faster).
 */
export function normalizeText(text: string): string {
  return (ASCII.test(text) ? text : text.normalize('NFKC')).toLowerCase();
}

/**
 * The tokens of a text: its maximal runs of letters, digits and combining marks, after
 * {@link normalizeText}. Everything else separates tokens, lone surrogates included.
 */
export function tokenize(text: string): string[] {
  return normalizeText(text).match(TOKEN) ?? [];
}

/**
 * Continues a 32-bit FNV-1a hash over the UTF-8 bytes of `text`. A lone surrogate is
 * encoded as U+FFFD, as `TextEncoder` does.
 */
export function fnv1aUtf8(text: string, hash: number = FNV_OFFSET): number {
  let h = hash;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, FNV_PRIME);
      continue;
    }
    if (c < 0x800) {
      h = Math.imul(h ^ (0xc0 | (c >>> 6)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (c & 0x3f)), FNV_PRIME);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        h = Math.imul(h ^ (0xf0 | (c >>> 18)), FNV_PRIME);
        h = Math.imul(h ^ (0x80 | ((c >>> 12) & 0x3f)), FNV_PRIME);
        h = Math.imul(h ^ (0x80 | ((c >>> 6) & 0x3f)), FNV_PRIME);
        h = Math.imul(h ^ (0x80 | (c & 0x3f)), FNV_PRIME);
        continue;
      }
      c = 0xfffd;
    }
    h = Math.imul(h ^ (0xe0 | (c >>> 12)), FNV_PRIME);
    h = Math.imul(h ^ (0x80 | ((c >>> 6) & 0x3f)), FNV_PRIME);
    h = Math.imul(h ^ (0x80 | (c & 0x3f)), FNV_PRIME);
  }
  return h >>> 0;
}

/** FNV-1a of `tokens[from..from+count)` joined by single spaces, in UTF-8. */
export function shingleHash(tokens: readonly string[], from: number, count: number): number {
  let h = FNV_OFFSET;
  for (let t = from; t < from + count; t++) {
    if (t > from) h = Math.imul(h ^ 0x20, FNV_PRIME);
    h = fnv1aUtf8(tokens[t]!, h);
  }
  return h >>> 0;
}

/**
 * The distinct shingle hashes of one text, ascending: every run of `w` consecutive tokens,
 * or one shingle of all tokens when there are fewer than `w`, or none without a token.
 */
export function textShingles(text: string, w: number): Uint32Array {
  return asciiShingles(text, w) ?? tokenShingles(tokenize(text), w);
}

/** {@link textShingles} from a text's tokens. */
export function tokenShingles(tokens: readonly string[], w: number): Uint32Array {
  if (tokens.length === 0) return new Uint32Array(0);
  const shingles = tokens.length >= w ? tokens.length - w + 1 : 1;
  const width = Math.min(w, tokens.length);
  const hashes = new Uint32Array(shingles);
  for (let s = 0; s < shingles; s++) hashes[s] = shingleHash(tokens, s, width);
  return distinctSorted(hashes);
}

/** Token bounds of an ASCII text, reused between calls: start, end, start, end, … */
let bounds = new Int32Array(256);

/** True for `0-9`, `A-Z` and `a-z`: the ASCII letters and digits, which make tokens. */
function isTokenChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a);
}

/**
 * {@link textShingles} of an ASCII text without building its tokens, or `undefined` when
 * the text holds a character from U+0080 up. In ASCII, NFKC changes nothing, lower case
 * maps `A-Z` to `a-z` alone, the token pattern matches exactly the runs of letters and
 * digits (no ASCII character is a mark) and each character is its own UTF-8 byte: so the
 * hashes are taken straight from the text between token bounds, upper-case letters hashed
 * as their lower case.
 */
function asciiShingles(text: string, w: number): Uint32Array | undefined {
  let count = 0;
  const length = text.length;
  for (let i = 0; i < length; ) {
    let c = text.charCodeAt(i);
    while (!isTokenChar(c)) {
      if (c >= 0x80) return undefined;
      if (++i === length) break;
      c = text.charCodeAt(i);
    }
    if (i === length) break;
    const start = i;
    while (isTokenChar(c)) {
      if (++i === length) break;
      c = text.charCodeAt(i);
    }
    if (2 * count + 2 > bounds.length) {
      const grown = new Int32Array(bounds.length * 2);
      grown.set(bounds);
      bounds = grown;
    }
    bounds[2 * count] = start;
    bounds[2 * count + 1] = i;
    count++;
  }
  if (count === 0) return new Uint32Array(0);
  const shingles = count >= w ? count - w + 1 : 1;
  const width = Math.min(w, count);
  const hashes = new Uint32Array(shingles);
  for (let s = 0; s < shingles; s++) {
    let h = FNV_OFFSET;
    for (let t = s; t < s + width; t++) {
      if (t > s) h = Math.imul(h ^ 0x20, FNV_PRIME);
      const end = bounds[2 * t + 1]!;
      for (let c = bounds[2 * t]!; c < end; c++) {
        const code = text.charCodeAt(c);
        // `A-Z` hashed as `a-z`; digits and lower-case letters as they are.
        h = Math.imul(h ^ (code <= 0x5a && code >= 0x41 ? code | 0x20 : code), FNV_PRIME);
      }
    }
    hashes[s] = h >>> 0;
  }
  return distinctSorted(hashes);
}

/** Sorts `hashes` and keeps each value once (a prefix of the same array, or a copy of it). */
function distinctSorted(hashes: Uint32Array): Uint32Array {
  hashes.sort();
  const n = hashes.length;
  let distinct = 1;
  for (let s = 1; s < n; s++) {
    if (hashes[s] !== hashes[distinct - 1]) hashes[distinct++] = hashes[s]!;
  }
  return distinct === n ? hashes : hashes.slice(0, distinct);
}

/** The shingle hashes of every text, flattened for a kernel. */
export function shingleTexts(texts: readonly string[], w: number): ShingledTexts {
  const n = texts.length;
  const parts: Uint32Array[] = new Array(n);
  const offsets = new Uint32Array(n + 1);
  const empty = new Uint8Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const part = textShingles(texts[i]!, w);
    parts[i] = part;
    if (part.length === 0) empty[i] = 1;
    total += part.length;
    offsets[i + 1] = total;
  }
  const hashes = new Uint32Array(total);
  for (let i = 0; i < n; i++) hashes.set(parts[i]!, offsets[i]!);
  return { hashes, offsets, empty };
}
