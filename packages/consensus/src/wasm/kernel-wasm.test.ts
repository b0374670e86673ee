import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWasmKernel, loadWasmKernel, readKernelBytes, type WasmApi } from './kernel-wasm.js';

// --- a plain reference, written from the specification ------------------------------------

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function seeds(k: number): number[] {
  return Array.from({ length: k }, (_, j) => fmix32(Math.imul(j + 1, 0x9e3779b9) >>> 0));
}

function refSignatures(hashes: Uint32Array, offsets: Uint32Array, k: number): Uint32Array {
  const n = offsets.length - 1;
  const seed = seeds(k);
  const out = new Uint32Array(n * k).fill(0xffffffff);
  for (let i = 0; i < n; i++) {
    for (let p = offsets[i]!; p < offsets[i + 1]!; p++) {
      for (let j = 0; j < k; j++) {
        const v = fmix32((hashes[p]! ^ seed[j]!) >>> 0);
        if (v < out[i * k + j]!) out[i * k + j] = v;
      }
    }
  }
  return out;
}

function equal(sigs: Uint32Array, k: number, i: number, j: number): number {
  let count = 0;
  for (let s = 0; s < k; s++) if (sigs[i * k + s] === sigs[j * k + s]) count++;
  return count;
}

function bandEqual(sigs: Uint32Array, k: number, i: number, j: number, t: number, rows: number) {
  for (let s = t * rows; s < t * rows + rows; s++) {
    if (sigs[i * k + s] !== sigs[j * k + s]) return false;
  }
  return true;
}

function refPairs(
  sigs: Uint32Array,
  n: number,
  k: number,
  empty: Uint8Array,
  minEqual: number,
  lsh?: { bands: number; rows: number },
): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (empty[i] || empty[j]) continue;
      if (lsh !== undefined) {
        let candidate = false;
        for (let t = 0; t < lsh.bands && !candidate; t++) {
          candidate = bandEqual(sigs, k, i, j, t, lsh.rows);
        }
        if (!candidate) continue;
      }
      const e = equal(sigs, k, i, j);
      if (e >= minEqual) out.push(i, j, e);
    }
  }
  return out;
}

// --- inputs -------------------------------------------------------------------------------

interface Input {
  hashes: Uint32Array;
  offsets: Uint32Array;
  empty: Uint8Array;
  n: number;
}

/** Flattens per-response hash lists (made distinct and sorted, as the text stage does). */
function flatten(responses: readonly (readonly number[])[]): Input {
  const lists = responses.map((r) => [...new Set(r)].sort((a, b) => a - b));
  const offsets = new Uint32Array(lists.length + 1);
  lists.forEach((list, i) => {
    offsets[i + 1] = offsets[i]! + list.length;
  });
  return {
    hashes: Uint32Array.from(lists.flat()),
    offsets,
    empty: Uint8Array.from(lists, (list) => (list.length === 0 ? 1 : 0)),
    n: lists.length,
  };
}

/**
 * Responses drawn from a small vocabulary, so that many of them overlap and pairs exist at
 * every threshold; empty responses included.
 */
const arbCase = fc
  .record({
    k: fc.integer({ min: 4, max: 64 }).map((x) => x * 4),
    vocabulary: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 30 }),
    picks: fc.array(fc.array(fc.nat(), { maxLength: 10 }), { maxLength: 300 }),
    share: fc.double({ min: 0.05, max: 1, noNaN: true }),
    rows: fc.integer({ min: 1, max: 8 }),
    bandShare: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ k, vocabulary, picks, share, rows, bandShare }) => {
    const input = flatten(picks.map((p) => p.map((x) => vocabulary[x % vocabulary.length]!)));
    const maxBands = Math.floor(k / rows);
    const bands = Math.max(1, Math.round(bandShare * maxBands));
    return { ...input, k, minEqual: Math.ceil(share * k), bands, rows };
  });

function wasm() {
  const kernel = createWasmKernel();
  if (kernel === undefined) throw new Error('the WebAssembly kernel did not load');
  return kernel;
}

// --- tests --------------------------------------------------------------------------------

describe('WebAssembly kernel', () => {
  it('loads once per process and names itself', () => {
    const kernel = loadWasmKernel();
    expect(kernel?.name).toBe('wasm');
    expect(loadWasmKernel()).toBe(kernel);
  });

  it('gives every slot 0xFFFFFFFF to a response without hashes, and fmix32 minima otherwise', () => {
    const { hashes, offsets } = flatten([[], [7], [1, 2, 3]]);
    const sigs = wasm().signatures(hashes, offsets, 16);
    expect([...sigs.subarray(0, 16)]).toEqual(Array(16).fill(0xffffffff));
    expect(sigs[16]).toBe(fmix32((7 ^ fmix32(0x9e3779b9)) >>> 0));
    expect([...sigs]).toEqual([...refSignatures(hashes, offsets, 16)]);
  });

  it('computes the signatures of the reference', () => {
    const kernel = wasm();
    fc.assert(
      fc.property(arbCase, ({ hashes, offsets, k }) => {
        expect(kernel.signatures(hashes, offsets, k)).toEqual(refSignatures(hashes, offsets, k));
      }),
      { numRuns: 60 },
    );
  });

  it('returns no rows for no responses', () => {
    const kernel = wasm();
    expect(kernel.signatures(new Uint32Array(0), new Uint32Array(1), 128)).toHaveLength(0);
    const none = new Uint32Array(0);
    expect(kernel.exactPairs(none, 0, 128, new Uint8Array(0), 90)).toHaveLength(0);
    expect(kernel.lshPairs(none, 0, 128, new Uint8Array(0), 90, 32, 4)).toHaveLength(0);
    expect(kernel.equalTo(new Uint32Array(128), 1, 128, 0)).toEqual(Uint32Array.of(128));
  });

  it('finds the exact pairs of the reference, in order of i then j', () => {
    const kernel = wasm();
    fc.assert(
      fc.property(arbCase, ({ hashes, offsets, empty, n, k, minEqual }) => {
        const sigs = refSignatures(hashes, offsets, k);
        const pairs = kernel.exactPairs(sigs, n, k, empty, minEqual);
        expect([...pairs]).toEqual(refPairs(sigs, n, k, empty, minEqual));
      }),
      { numRuns: 60 },
    );
  });

  it('finds the LSH pairs of the reference: candidates of some band, verified, unique, sorted', () => {
    const kernel = wasm();
    fc.assert(
      fc.property(arbCase, ({ hashes, offsets, empty, n, k, minEqual, bands, rows }) => {
        const sigs = refSignatures(hashes, offsets, k);
        const pairs = kernel.lshPairs(sigs, n, k, empty, minEqual, bands, rows);
        expect([...pairs]).toEqual(refPairs(sigs, n, k, empty, minEqual, { bands, rows }));
      }),
      { numRuns: 60 },
    );
  });

  it('counts the slots every row shares with the representative', () => {
    const kernel = wasm();
    fc.assert(
      fc.property(arbCase, fc.nat(), ({ hashes, offsets, n, k }, pick) => {
        fc.pre(n > 0);
        const sigs = refSignatures(hashes, offsets, k);
        const rep = pick % n;
        const expected = Array.from({ length: n }, (_, i) => equal(sigs, k, i, rep));
        expect([...kernel.equalTo(sigs, n, k, rep)]).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('ignores pairs involving an empty response and pairs that cannot reach minEqual', () => {
    const kernel = wasm();
    const { hashes, offsets, empty, n } = flatten([[], [1, 2], [], [1, 2]]);
    const sigs = kernel.signatures(hashes, offsets, 16);
    expect([...kernel.exactPairs(sigs, n, 16, empty, 16)]).toEqual([1, 3, 16]);
    expect([...kernel.exactPairs(sigs, n, 16, empty, 17)]).toEqual([]);
    expect([...kernel.lshPairs(sigs, n, 16, empty, 16, 4, 4)]).toEqual([1, 3, 16]);
    expect([...kernel.lshPairs(sigs, n, 16, empty, 17, 4, 4)]).toEqual([]);
  });

  it('reuses its memory: repeated calls of one size neither grow it nor raise the high-water mark', () => {
    const kernel = wasm();
    const input = flatten(
      Array.from({ length: 300 }, (_, i) => Array.from({ length: 8 }, (_, s) => (i % 7) * 100 + s)),
    );
    const run = () => {
      const sigs = kernel.signatures(input.hashes, input.offsets, 128);
      kernel.exactPairs(sigs, input.n, 128, input.empty, 90);
      kernel.lshPairs(sigs, input.n, 128, input.empty, 90, 32, 4);
      kernel.equalTo(sigs, input.n, 128, 0);
    };
    run();
    const first = kernel.stats();
    for (let round = 0; round < 5; round++) run();
    expect(kernel.stats()).toEqual(first);
    // A smaller call keeps the memory as it is.
    const small = flatten([[1], [2]]);
    kernel.signatures(small.hashes, small.offsets, 16);
    expect(kernel.stats().memoryBytes).toBe(first.memoryBytes);
  });

  it('grows a pair output region that is too small and runs the call again', () => {
    const kernel = createWasmKernel({ pairCapacity: 1 })!;
    // 400 identical responses: 79,800 pairs, more than the initial memory holds.
    const input = flatten(Array.from({ length: 400 }, () => [1, 2, 3]));
    const sigs = kernel.signatures(input.hashes, input.offsets, 16);
    const before = kernel.stats();
    const exact = kernel.exactPairs(sigs, input.n, 16, input.empty, 16);
    expect(exact).toHaveLength(3 * 79_800);
    expect([...exact.subarray(-3)]).toEqual([398, 399, 16]);
    const afterExact = kernel.stats();
    expect(afterExact.retries).toBe(before.retries + 1);
    expect(afterExact.memoryBytes).toBeGreaterThan(before.memoryBytes);

    // The capacity learnt is kept: the same call again needs no retry.
    kernel.exactPairs(sigs, input.n, 16, input.empty, 16);
    expect(kernel.stats().retries).toBe(afterExact.retries);

    const other = createWasmKernel({ pairCapacity: 1 })!;
    const lsh = other.lshPairs(sigs, input.n, 16, input.empty, 16, 4, 4);
    expect(Buffer.from(lsh.buffer).equals(Buffer.from(exact.buffer))).toBe(true);
    expect(other.stats().retries).toBe(1);
    other.lshPairs(sigs, input.n, 16, input.empty, 16, 4, 4);
    expect(other.stats().retries).toBe(1);
  });

  it('runs LSH over 20,000 responses and finds the planted near-duplicates', () => {
    const kernel = wasm();
    let state = 12345;
    const random = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state;
    };
    const responses: number[][] = [];
    for (let i = 0; i < 20_000; i++) {
      // Every 10th response repeats the previous one's words but one.
      const previous = responses[i - 1];
      if (i % 10 === 9 && previous !== undefined) {
        responses.push([...previous.slice(1), random()]);
      } else {
        responses.push(Array.from({ length: 30 }, random));
      }
    }
    const input = flatten(responses);
    const k = 128;
    const sigs = kernel.signatures(input.hashes, input.offsets, k);
    const minEqual = Math.ceil(0.7 * k);
    const pairs = kernel.lshPairs(sigs, input.n, k, input.empty, minEqual, 32, 4);
    const found = new Set<string>();
    for (let p = 0; p < pairs.length; p += 3) {
      const [i, j, e] = [pairs[p]!, pairs[p + 1]!, pairs[p + 2]!];
      expect(e).toBe(equal(sigs, k, i, j));
      expect(e).toBeGreaterThanOrEqual(minEqual);
      if (p > 0) {
        const [pi, pj] = [pairs[p - 3]!, pairs[p - 2]!];
        expect(pi < i || (pi === i && pj < j)).toBe(true);
      }
      found.add(`${i},${j}`);
    }
    // Jaccard 29/31 ≈ 0.94: every planted pair is found.
    for (let i = 9; i < 20_000; i += 10) expect(found.has(`${i - 1},${i}`)).toBe(true);
  });

  it('refuses arguments that do not describe the memory they point at', () => {
    const kernel = wasm();
    const sigs = new Uint32Array(32);
    const empty = new Uint8Array(2);
    expect(() => kernel.signatures(new Uint32Array(1), new Uint32Array(0), 16)).toThrow(RangeError);
    expect(() => kernel.signatures(new Uint32Array(1), Uint32Array.of(0, 2), 16)).toThrow(
      /offsets/,
    );
    expect(() => kernel.signatures(new Uint32Array(2), Uint32Array.of(0, 2, 1), 16)).toThrow(
      /offsets/,
    );
    expect(() => kernel.signatures(new Uint32Array(0), Uint32Array.of(0), 6)).toThrow(/`k`/);
    expect(() => kernel.exactPairs(sigs, 3, 16, empty, 8)).toThrow(/`n`/);
    expect(() => kernel.exactPairs(sigs, 2, 16, new Uint8Array(1), 8)).toThrow(/`empty`/);
    expect(() => kernel.lshPairs(sigs, 2, 16, empty, 8, 0, 4)).toThrow(/`bands`/);
    expect(() => kernel.lshPairs(sigs, 2, 16, empty, 8, 5, 4)).toThrow(/`bands \* rows`/);
    expect(() => kernel.equalTo(sigs, 2, 16, 2)).toThrow(/`rep`/);
  });
});

describe('loading', () => {
  it('reads the compiled kernel from the first place that has it', () => {
    expect(readKernelBytes([new URL('file:///nonexistent/kernel.wasm')])).toBeUndefined();
    expect(readKernelBytes()).toBeInstanceOf(Uint8Array);
  });

  it('gives no kernel without WebAssembly, without SIMD, or with a module that does not validate', () => {
    expect(createWasmKernel({ wasm: undefined })).toBeUndefined();
    const real = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const noSimd: WasmApi = { ...real, validate: () => false };
    expect(createWasmKernel({ wasm: noSimd })).toBeUndefined();
    expect(createWasmKernel({ bytes: Uint8Array.of(0, 1, 2, 3) })).toBeUndefined();
    expect(createWasmKernel({ bytes: undefined })).toBeUndefined();
  });
});
