import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fmix32, seedsFor } from './kernel.js';
import { jsKernel } from './kernel-js.js';

/** The kernel contract written as plainly as possible, to check the kernel against. */
const oracle = {
  signatures(hashes: Uint32Array, offsets: Uint32Array, k: number): number[] {
    const n = offsets.length - 1;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        let min = 0xffffffff;
        for (let p = offsets[i]!; p < offsets[i + 1]!; p++) {
          min = Math.min(min, fmix32((hashes[p]! ^ seedsFor(k)[j]!) >>> 0));
        }
        out.push(min);
      }
    }
    return out;
  },
  equal(sigs: ArrayLike<number>, k: number, a: number, b: number): number {
    let equal = 0;
    for (let s = 0; s < k; s++) if (sigs[a * k + s] === sigs[b * k + s]) equal++;
    return equal;
  },
  pairs(
    sigs: ArrayLike<number>,
    n: number,
    k: number,
    empty: ArrayLike<number>,
    minEqual: number,
    candidate: (i: number, j: number) => boolean,
  ): number[] {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        if (empty[i] === 1 || empty[j] === 1 || !candidate(i, j)) continue;
        const equal = oracle.equal(sigs, k, i, j);
        if (equal >= minEqual) out.push(i, j, equal);
      }
    }
    return out;
  },
};

/** Signatures over a small alphabet, so that equal slots and equal bands are frequent. */
const signatureCase = fc
  .record({
    n: fc.integer({ min: 0, max: 14 }),
    k: fc.integer({ min: 1, max: 12 }),
    alphabet: fc.integer({ min: 1, max: 3 }),
    seed: fc.integer(),
  })
  .chain(({ n, k, alphabet }) =>
    fc.record({
      n: fc.constant(n),
      k: fc.constant(k),
      sigs: fc.array(fc.integer({ min: 0, max: alphabet }), { minLength: n * k, maxLength: n * k }),
      empty: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }),
      minEqual: fc.integer({ min: 0, max: k + 1 }),
      rows: fc.integer({ min: 1, max: k }),
    }),
  );

describe('fmix32 and seeds', () => {
  it('matches the published MurmurHash3 finaliser values', () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(0x514e28b7);
    expect(fmix32(0xffffffff)).toBe(fmix32(-1));
  });

  it('is a bijection on a sample (no two inputs give one output)', () => {
    const seen = new Set<number>();
    for (let x = 0; x < 65536; x++) seen.add(fmix32(x * 65537));
    expect(seen.size).toBe(65536);
  });

  it('derives slot j seed from (j + 1) * 0x9e3779b9 modulo 2^32', () => {
    const seeds = seedsFor(3);
    expect(seeds).toHaveLength(3);
    expect(seeds[0]).toBe(fmix32(0x9e3779b9));
    expect(seeds[1]).toBe(fmix32((2 * 0x9e3779b9) % 2 ** 32));
    expect(seeds[2]).toBe(fmix32((3 * 0x9e3779b9) % 2 ** 32));
  });
});

describe('jsKernel.signatures', () => {
  it('fills every slot of a response without hashes with 0xFFFFFFFF', () => {
    const sigs = jsKernel.signatures(new Uint32Array([7]), new Uint32Array([0, 0, 1]), 4);
    expect(Array.from(sigs.subarray(0, 4))).toEqual([
      0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
    ]);
  });

  it('takes the minimum of fmix32(hash ^ seed) per slot', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 6 }), {
          maxLength: 5,
        }),
        fc.integer({ min: 1, max: 9 }),
        (rows, k) => {
          const offsets = new Uint32Array(rows.length + 1);
          rows.forEach((row, i) => {
            offsets[i + 1] = offsets[i]! + row.length;
          });
          const hashes = Uint32Array.from(rows.flat());
          const sigs = jsKernel.signatures(hashes, offsets, k);
          expect(Array.from(sigs)).toEqual(oracle.signatures(hashes, offsets, k));
        },
      ),
    );
  });

  it('gives identical rows for identical hash sets and no equal slot for disjoint ones', () => {
    const hashes = new Uint32Array([1, 2, 3, 1, 2, 3, 4, 5, 6]);
    const sigs = jsKernel.signatures(hashes, new Uint32Array([0, 3, 6, 9]), 32);
    const equal = jsKernel.equalTo(sigs, 3, 32, 0);
    expect(Array.from(equal)).toEqual([32, 32, 0]);
  });
});

describe('jsKernel pairs', () => {
  it('exactPairs returns every non-empty pair with equal >= minEqual, sorted', () => {
    fc.assert(
      fc.property(signatureCase, ({ n, k, sigs, empty, minEqual }) => {
        const got = jsKernel.exactPairs(
          Uint32Array.from(sigs),
          n,
          k,
          Uint8Array.from(empty),
          minEqual,
        );
        expect(Array.from(got)).toEqual(oracle.pairs(sigs, n, k, empty, minEqual, () => true));
      }),
    );
  });

  it('lshPairs returns the verified pairs that share a whole band, unique and sorted', () => {
    fc.assert(
      fc.property(signatureCase, fc.integer({ min: 1, max: 12 }), (c, wanted) => {
        const { n, k, sigs, empty, minEqual, rows } = c;
        const bands = Math.max(1, Math.min(wanted, Math.floor(k / rows)));
        const shareBand = (i: number, j: number) => {
          for (let t = 0; t < bands; t++) {
            let same = true;
            for (let s = t * rows; s < t * rows + rows; s++) {
              if (sigs[i * k + s] !== sigs[j * k + s]) same = false;
            }
            if (same) return true;
          }
          return false;
        };
        const got = jsKernel.lshPairs(
          Uint32Array.from(sigs),
          n,
          k,
          Uint8Array.from(empty),
          minEqual,
          bands,
          rows,
        );
        expect(Array.from(got)).toEqual(oracle.pairs(sigs, n, k, empty, minEqual, shareBand));
      }),
    );
  });

  it('lshPairs tells apart bands whose 32-bit keys collide', () => {
    // Band keys are FNV-1a steps over the slots: [a, b] and [a', b'] collide when the
    // first step differs only in a way the second undoes. Brute-force one such collision.
    const key = (x: number, y: number) =>
      Math.imul(Math.imul(0x811c9dc5 ^ x, 0x01000193) ^ y, 0x01000193) >>> 0;
    const target = key(1, 2);
    // Solve (s ^ y) * p = target for y with x = 2: y = s ^ (target * p^-1 mod 2^32).
    const x = 2;
    const inverse = 0x359c449b; // the inverse of 0x01000193 modulo 2^32
    const y = (Math.imul(0x811c9dc5 ^ x, 0x01000193) ^ Math.imul(target, inverse)) >>> 0;
    expect(key(x, y)).toBe(target);
    const sigs = new Uint32Array([1, 2, x, y]);
    const empty = new Uint8Array(2);
    expect(Array.from(jsKernel.lshPairs(sigs, 2, 2, empty, 0, 1, 2))).toEqual([]);
    expect(Array.from(jsKernel.exactPairs(sigs, 2, 2, empty, 0))).toEqual([0, 1, 0]);
  });

  it('finds no pair when minEqual exceeds k', () => {
    const sigs = new Uint32Array([5, 5, 5, 5]);
    const empty = new Uint8Array(2);
    expect(jsKernel.exactPairs(sigs, 2, 2, empty, 3)).toHaveLength(0);
    expect(jsKernel.lshPairs(sigs, 2, 2, empty, 3, 1, 2)).toHaveLength(0);
  });

  it('equalTo counts equal slots against the given row', () => {
    const sigs = new Uint32Array([1, 2, 3, 1, 9, 3, 8, 8, 8]);
    expect(Array.from(jsKernel.equalTo(sigs, 3, 3, 0))).toEqual([3, 2, 0]);
    expect(Array.from(jsKernel.equalTo(sigs, 3, 3, 2))).toEqual([0, 0, 3]);
  });

  it('is named js', () => {
    expect(jsKernel.name).toBe('js');
  });
});
