import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fnv1aUtf8,
  normalizeText,
  shingleHash,
  shingleTexts,
  textShingles,
  tokenize,
  tokenShingles,
} from './text.js';

const encoder = new TextEncoder();

/** FNV-1a over bytes, as plainly as possible. */
function fnvBytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

describe('FNV-1a over UTF-8', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(fnv1aUtf8('')).toBe(0x811c9dc5);
    expect(fnv1aUtf8('a')).toBe(0xe40c292c);
    expect(fnv1aUtf8('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the bytes TextEncoder gives, for any string, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (text) => {
        expect(fnv1aUtf8(text)).toBe(fnvBytes(encoder.encode(text)));
      }),
    );
    for (const text of ['é', '€', '😀', 'a\ud800b', '\udc00', 'x\ud83d']) {
      expect(fnv1aUtf8(text)).toBe(fnvBytes(encoder.encode(text)));
    }
  });

  it('hashes a shingle as its tokens joined by one space', () => {
    expect(shingleHash(['the', 'sky', 'blue'], 0, 3)).toBe(fnv1aUtf8('the sky blue'));
    expect(shingleHash(['the', 'sky', 'blue'], 1, 2)).toBe(fnv1aUtf8('sky blue'));
    expect(shingleHash(['ça', 'مرحبا'], 0, 2)).toBe(fnvBytes(encoder.encode('ça مرحبا')));
  });
});

describe('tokens', () => {
  it('lower-cases after NFKC: ligatures, fullwidth letters and digits fold', () => {
    expect(normalizeText('ﬁne ＡＢＣ １２')).toBe('fine abc 12');
    expect(tokenize('The QUICK, brown—fox!')).toEqual(['the', 'quick', 'brown', 'fox']);
  });

  it('keeps letters, digits and combining marks; everything else separates', () => {
    expect(tokenize('e\u0301t\u00e9 v2.0 hello😀world')).toEqual([
      'été',
      'v2',
      '0',
      'hello',
      'world',
    ]);
    expect(tokenize('שלום עולם، مرحبا بالعالم')).toEqual(['שלום', 'עולם', 'مرحبا', 'بالعالم']);
    expect(tokenize('日本語のテキスト')).toEqual(['日本語のテキスト']);
  });

  it('treats lone surrogates as separators', () => {
    expect(tokenize('abc\ud800def\udfffghi')).toEqual(['abc', 'def', 'ghi']);
    expect(tokenize('\ud800')).toEqual([]);
  });

  it('finds no token in text made only of punctuation, spaces or emoji', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize('  ... !!! 🎉🎉 ')).toEqual([]);
  });
});

describe('shingles', () => {
  it('takes every run of w tokens', () => {
    const expected = ['a b c', 'b c d'].map((s) => fnv1aUtf8(s)).sort((x, y) => x - y);
    expect(Array.from(textShingles('a b c d', 3))).toEqual(expected);
  });

  it('takes one shingle of all tokens when there are fewer than w', () => {
    expect(Array.from(textShingles('Hello, World', 3))).toEqual([fnv1aUtf8('hello world')]);
  });

  it('keeps each distinct hash once, ascending', () => {
    const hashes = textShingles('la la la la la', 2);
    expect(Array.from(hashes)).toEqual([fnv1aUtf8('la la')]);
    const many = textShingles('one two three two three one two', 1);
    expect(Array.from(many)).toEqual(
      ['one', 'two', 'three'].map((s) => fnv1aUtf8(s)).sort((x, y) => x - y),
    );
  });

  it('flattens texts with offsets and marks the ones without tokens', () => {
    const { hashes, offsets, empty } = shingleTexts(['a b', '', 'c d e', '!!'], 2);
    expect(Array.from(offsets)).toEqual([0, 1, 1, 3, 3]);
    expect(Array.from(empty)).toEqual([0, 1, 0, 1]);
    expect(hashes[0]).toBe(fnv1aUtf8('a b'));
    expect(Array.from(hashes.subarray(1, 3))).toEqual(
      [fnv1aUtf8('c d'), fnv1aUtf8('d e')].sort((x, y) => x - y),
    );
  });

  it('never throws on arbitrary strings and keeps hashes sorted and distinct', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 60 }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 16 }),
        (texts, w) => {
          const { hashes, offsets, empty } = shingleTexts(texts, w);
          expect(offsets).toHaveLength(texts.length + 1);
          for (let i = 0; i < texts.length; i++) {
            expect(empty[i] === 1).toBe(offsets[i] === offsets[i + 1]);
            for (let p = offsets[i]! + 1; p < offsets[i + 1]!; p++) {
              expect(hashes[p]!).toBeGreaterThan(hashes[p - 1]!);
            }
          }
        },
      ),
    );
  });

  it('shingles a text of several megabytes', () => {
    const words = ['alpha', 'βeta', 'гамма', 'דלת', '😀', 'ﬁ', '\ud800', '日本'];
    const parts: string[] = [];
    for (let i = 0; parts.length < 400_000; i++)
      parts.push(words[(i * 7 + (i >> 3)) % words.length]!);
    const text = parts.join(' ');
    expect(text.length).toBeGreaterThan(1_000_000);
    const hashes = textShingles(text, 3);
    expect(hashes.length).toBeGreaterThan(0);
  });
});

describe('the ASCII path of textShingles', () => {
  it('gives the hashes of the general path (NFKC, lower case, token pattern, UTF-8)', () => {
    const ascii = fc.string({
      unit: fc.constantFrom(...'aZz09 AbC-_.,!\t\n\u007f\u0000MmQq'.split('')),
      maxLength: 80,
    });
    fc.assert(
      fc.property(ascii, fc.integer({ min: 1, max: 5 }), (text, w) => {
        expect(textShingles(text, w)).toEqual(tokenShingles(tokenize(text), w));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        (text, w) => {
          expect(textShingles(text, w)).toEqual(tokenShingles(tokenize(text), w));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves a text with any character from U+0080 up to the general path', () => {
    expect(textShingles('Straße ist gut', 1)).toEqual(tokenShingles(['straße', 'ist', 'gut'], 1));
    expect(textShingles('ﬁle ＡＢＣ x', 2)).toEqual(tokenShingles(['file', 'abc', 'x'], 2));
    // Long texts grow the reused bounds buffer.
    const long = Array.from({ length: 500 }, (_, i) => `Word${i}`).join(' ');
    expect(textShingles(long, 3)).toEqual(tokenShingles(tokenize(long), 3));
  });
});
