// The WebAssembly kernel of @breakwater/consensus (AssemblyScript, SIMD, stub runtime).
//
// Nothing here allocates: every function works on raw linear memory at byte offsets chosen
// by the JavaScript side (src/wasm/kernel-wasm.ts), which copies the inputs in, calls one
// export and copies the outputs out. Offsets are 16-byte aligned. Signatures are rows of `k`
// u32 slots (k a multiple of 4), so a row is `k / 4` vectors of four slots.
//
// The algorithm is the one of the package's specification: MinHash with fmix32 over
// `hash ^ seed[j]`, slot equality counts, LSH banding with verification on the full
// signature.

/** First free byte after the module's static data: the JavaScript side lays its regions out from here. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

// --- hashing ------------------------------------------------------------------------------

/** The 32-bit finaliser of MurmurHash3. */
function fmix32(h: u32): u32 {
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

/** fmix32 on four lanes at once (i32x4.mul keeps the low 32 bits, as Math.imul does). */
function fmix32x4(v: v128): v128 {
  v = v128.xor(v, i32x4.shr_u(v, 16));
  v = i32x4.mul(v, i32x4.splat(<i32>0x85ebca6b));
  v = v128.xor(v, i32x4.shr_u(v, 13));
  v = i32x4.mul(v, i32x4.splat(<i32>0xc2b2ae35));
  return v128.xor(v, i32x4.shr_u(v, 16));
}

/** Writes seed[j] = fmix32((j + 1) * 0x9e3779b9) for j < k at `seeds`. */
export function computeSeeds(seeds: usize, k: u32): void {
  for (let j: u32 = 0; j < k; j++) {
    store<u32>(seeds + ((<usize>j) << 2), fmix32((j + 1) * 0x9e3779b9));
  }
}

/**
 * MinHash signatures: row i (k slots at `out + i * k * 4`) holds, for each slot j, the
 * minimum of fmix32(h ^ seed[j]) over the hashes h of response i (hashes[offsets[i] ..
 * offsets[i + 1]]); a response without hashes keeps 0xFFFFFFFF everywhere. `seeds` is k
 * u32 of scratch, filled here.
 *
 * The slot loop is outermost inside a row so that four accumulators (16 slots) stay in
 * registers while the response's hashes stream past them.
 */
export function signatures(
  hashes: usize,
  offsets: usize,
  n: u32,
  k: u32,
  seeds: usize,
  out: usize,
): void {
  computeSeeds(seeds, k);
  const vecs = k >>> 2;
  const ones = i32x4.splat(-1);
  let row = out;
  for (let i: u32 = 0; i < n; i++) {
    const start = hashes + ((<usize>load<u32>(offsets + ((<usize>i) << 2))) << 2);
    const end = hashes + ((<usize>load<u32>(offsets + ((<usize>i + 1) << 2))) << 2);
    let v: u32 = 0;
    for (; v + 4 <= vecs; v += 4) {
      const s = seeds + ((<usize>v) << 4);
      const s0 = v128.load(s);
      const s1 = v128.load(s, 16);
      const s2 = v128.load(s, 32);
      const s3 = v128.load(s, 48);
      let a0 = ones;
      let a1 = ones;
      let a2 = ones;
      let a3 = ones;
      for (let p = start; p < end; p += 4) {
        const h = i32x4.splat(load<i32>(p));
        a0 = i32x4.min_u(a0, fmix32x4(v128.xor(h, s0)));
        a1 = i32x4.min_u(a1, fmix32x4(v128.xor(h, s1)));
        a2 = i32x4.min_u(a2, fmix32x4(v128.xor(h, s2)));
        a3 = i32x4.min_u(a3, fmix32x4(v128.xor(h, s3)));
      }
      const o = row + ((<usize>v) << 4);
      v128.store(o, a0);
      v128.store(o, a1, 16);
      v128.store(o, a2, 32);
      v128.store(o, a3, 48);
    }
    for (; v < vecs; v++) {
      const s0 = v128.load(seeds + ((<usize>v) << 4));
      let a0 = ones;
      for (let p = start; p < end; p += 4) {
        a0 = i32x4.min_u(a0, fmix32x4(v128.xor(i32x4.splat(load<i32>(p)), s0)));
      }
      v128.store(row + ((<usize>v) << 4), a0);
    }
    row += (<usize>k) << 2;
  }
}

// --- equal slot counts --------------------------------------------------------------------

/** Sum of the four lanes. */
function lanes(acc: v128): u32 {
  return <u32>(
    (i32x4.extract_lane(acc, 0) +
      i32x4.extract_lane(acc, 1) +
      i32x4.extract_lane(acc, 2) +
      i32x4.extract_lane(acc, 3))
  );
}

/**
 * Number of equal slots of rows a and b. i32x4.eq yields -1 in each equal lane, so
 * subtracting it counts per lane; the lanes are summed once at the end.
 */
function equalSlots(a: usize, b: usize, vecs: u32): u32 {
  let acc0 = i32x4.splat(0);
  let acc1 = i32x4.splat(0);
  let v: u32 = 0;
  for (; v + 2 <= vecs; v += 2) {
    const o = (<usize>v) << 4;
    acc0 = i32x4.sub(acc0, i32x4.eq(v128.load(a + o), v128.load(b + o)));
    acc1 = i32x4.sub(acc1, i32x4.eq(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  if (v < vecs) {
    const o = (<usize>v) << 4;
    acc0 = i32x4.sub(acc0, i32x4.eq(v128.load(a + o), v128.load(b + o)));
  }
  return lanes(i32x4.add(acc0, acc1));
}

/**
 * Like equalSlots, but gives up as soon as the pair can no longer reach `minEqual`; the value
 * returned is then some count below `minEqual`. No check is made over the first
 * `freeVecs` vectors, where giving up is impossible (the slots left alone could still make
 * up `minEqual`); after them the running count is checked every four vectors.
 */
function equalAtLeast(a: usize, b: usize, vecs: u32, freeVecs: u32, minEqual: u32): u32 {
  let acc0 = i32x4.splat(0);
  let acc1 = i32x4.splat(0);
  let v: u32 = 0;
  for (; v + 2 <= freeVecs; v += 2) {
    const o = (<usize>v) << 4;
    acc0 = i32x4.sub(acc0, i32x4.eq(v128.load(a + o), v128.load(b + o)));
    acc1 = i32x4.sub(acc1, i32x4.eq(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  let acc = i32x4.add(acc0, acc1);
  while (v < vecs) {
    const stop = v + 4 < vecs ? v + 4 : vecs;
    for (; v < stop; v++) {
      const o = (<usize>v) << 4;
      acc = i32x4.sub(acc, i32x4.eq(v128.load(a + o), v128.load(b + o)));
    }
    const equal = lanes(acc);
    if (equal + ((vecs - v) << 2) < minEqual) return equal;
  }
  return lanes(acc);
}

/** Vectors over which a pair cannot yet be ruled out: (k - minEqual) / 4 slots' worth. */
function freeVectors(k: u32, minEqual: u32): u32 {
  return minEqual >= k ? 0 : (k - minEqual) >>> 2;
}

/** out[i] = equal slots of rows i and rep, for i < n. */
export function equalTo(sigs: usize, n: u32, k: u32, rep: u32, out: usize): void {
  const vecs = k >>> 2;
  const rowBytes = (<usize>k) << 2;
  const r = sigs + <usize>rep * rowBytes;
  for (let i: u32 = 0; i < n; i++) {
    store<u32>(out + ((<usize>i) << 2), equalSlots(sigs + <usize>i * rowBytes, r, vecs));
  }
}

/**
 * Every pair i < j of non-empty rows (empty[i] is a byte, 1 for a response without hashes)
 * with at least `minEqual` equal slots, written as triplets [i, j, equal] at `out`, in
 * order of i then j. At most `cap` triplets are written; the return value is the number of
 * pairs found, so a value above `cap` tells the caller to grow the region and call again.
 */
export function exactPairs(
  sigs: usize,
  n: u32,
  k: u32,
  empty: usize,
  minEqual: u32,
  out: usize,
  cap: u32,
): u32 {
  if (minEqual > k) return 0;
  const vecs = k >>> 2;
  const free = freeVectors(k, minEqual);
  const rowBytes = (<usize>k) << 2;
  let count: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (load<u8>(empty + i) !== 0) continue;
    const a = sigs + <usize>i * rowBytes;
    for (let j: u32 = i + 1; j < n; j++) {
      if (load<u8>(empty + j) !== 0) continue;
      const equal = equalAtLeast(a, sigs + <usize>j * rowBytes, vecs, free, minEqual);
      if (equal >= minEqual) {
        if (count < cap) {
          const o = out + <usize>count * 12;
          store<u32>(o, i);
          store<u32>(o, j, 4);
          store<u32>(o, equal, 8);
        }
        count++;
      }
    }
  }
  return count;
}

// --- sorting ------------------------------------------------------------------------------

/**
 * Stable LSD radix sort of `count` u64 values at `src` by their bytes `fromByte` up to
 * (excluding) `toByte`, using `tmp` (count u64) and `hist` ((toByte - fromByte) * 256 u32).
 * All histograms come from one read pass; a byte in which every value has the same digit is
 * skipped. Returns where the sorted values ended up (`src` or `tmp`).
 */
function radixSort(
  src: usize,
  tmp: usize,
  count: u32,
  fromByte: u32,
  toByte: u32,
  hist: usize,
): usize {
  if (count === 0) return src;
  const digits = toByte - fromByte;
  memory.fill(hist, 0, (<usize>digits) << 10);
  const end = src + ((<usize>count) << 3);
  for (let p = src; p < end; p += 8) {
    const x = load<u64>(p);
    for (let d: u32 = 0; d < digits; d++) {
      const h = hist + ((<usize>d) << 10) + ((<usize>((x >>> ((fromByte + d) << 3)) & 0xff)) << 2);
      store<u32>(h, load<u32>(h) + 1);
    }
  }
  let from = src;
  let to = tmp;
  for (let d: u32 = 0; d < digits; d++) {
    const h = hist + ((<usize>d) << 10);
    const shift = <u64>((fromByte + d) << 3);
    const first = <usize>((load<u64>(from) >>> shift) & 0xff);
    if (load<u32>(h + (first << 2)) === count) continue;
    let sum: u32 = 0;
    for (let b: usize = 0; b < 256; b++) {
      const c = load<u32>(h + (b << 2));
      store<u32>(h + (b << 2), sum);
      sum += c;
    }
    const stop = from + ((<usize>count) << 3);
    for (let p = from; p < stop; p += 8) {
      const x = load<u64>(p);
      const slot = h + ((<usize>((x >>> shift) & 0xff)) << 2);
      const at = load<u32>(slot);
      store<u32>(slot, at + 1);
      store<u64>(to + ((<usize>at) << 3), x);
    }
    const t = from;
    from = to;
    to = t;
  }
  return from;
}

// --- LSH ----------------------------------------------------------------------------------

/** 32-bit key of the `rows` slots at `slots` for band t: collisions are possible and checked by the caller. */
function bandKey(slots: usize, t: u32, rows: u32): u32 {
  let h: u32 = (t + 1) * 0x9e3779b9;
  for (let r: u32 = 0; r < rows; r++) {
    h = fmix32(h ^ load<u32>(slots + ((<usize>r) << 2)));
  }
  return h;
}

/** Whether the `rows` slots at a and at b are all equal. */
function slotsEqual(a: usize, b: usize, rows: u32): bool {
  for (let r: usize = 0; r < rows; r++) {
    if (load<u32>(a + (r << 2)) !== load<u32>(b + (r << 2))) return false;
  }
  return true;
}

/**
 * LSH pairs. The band slots of the non-empty rows are first copied band-major (band t of
 * every row side by side, `rows` u32 per row), so that the band checks below read one
 * compact table per band instead of whole signature rows scattered over memory. For each
 * band t < bands, every non-empty row gets a 32-bit key of its band slots; (key << 32 | x)
 * values (x: the row's rank among the non-empty rows) are radix-sorted by key (ties stay in
 * row order), and each run of equal keys yields its pairs as candidates. A candidate whose
 * band slots differ (a key collision) or that agreed on an earlier band (seen there
 * already) is skipped; the others are verified on the full signature (at least `minEqual`
 * equal slots) and kept as (i << 32 | j). The kept pairs, unique by construction, are
 * radix-sorted and written as triplets [i, j, equal] at `out`.
 *
 * Regions: `scratch` holds 2 * n u64, 8 * 256 u32 of histograms, n u32 of row indices and
 * n * bands * rows u32 of band slots; `pairs` holds 2 * cap u64; `out` holds cap triplets.
 * Returns the number of verified pairs: a value above `cap` means nothing was written to
 * `out` and the caller must grow the regions and call again.
 */
export function lshPairs(
  sigs: usize,
  n: u32,
  k: u32,
  empty: usize,
  minEqual: u32,
  bands: u32,
  rows: u32,
  scratch: usize,
  pairs: usize,
  out: usize,
  cap: u32,
): u32 {
  if (minEqual > k) return 0;
  const vecs = k >>> 2;
  const free = freeVectors(k, minEqual);
  const rowBytes = (<usize>k) << 2;
  const keys = scratch;
  const keysTmp = scratch + ((<usize>n) << 3);
  const hist = scratch + ((<usize>n) << 4);
  const indices = hist + 8192;
  const table = indices + ((<usize>n) << 2);
  const bandBytes = (<usize>rows) << 2;
  let m: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (load<u8>(empty + i) !== 0) continue;
    store<u32>(indices + ((<usize>m) << 2), i);
    m++;
  }
  const columnBytes = <usize>m * bandBytes;
  for (let x: u32 = 0; x < m; x++) {
    const row = sigs + <usize>load<u32>(indices + ((<usize>x) << 2)) * rowBytes;
    for (let t: u32 = 0; t < bands; t++) {
      memory.copy(
        table + <usize>t * columnBytes + <usize>x * bandBytes,
        row + <usize>t * bandBytes,
        bandBytes,
      );
    }
  }
  let count: u32 = 0;
  for (let t: u32 = 0; t < bands; t++) {
    const column = table + <usize>t * columnBytes;
    for (let x: u32 = 0; x < m; x++) {
      const key = bandKey(column + <usize>x * bandBytes, t, rows);
      store<u64>(keys + ((<usize>x) << 3), ((<u64>key) << 32) | <u64>x);
    }
    const sorted = radixSort(keys, keysTmp, m, 4, 8, hist);
    let p: u32 = 0;
    while (p < m) {
      const key = <u32>(load<u64>(sorted + ((<usize>p) << 3)) >>> 32);
      let q = p + 1;
      while (q < m && <u32>(load<u64>(sorted + ((<usize>q) << 3)) >>> 32) === key) q++;
      for (let e = p; e + 1 < q; e++) {
        const xa = <usize>(<u32>load<u64>(sorted + ((<usize>e) << 3)));
        for (let f = e + 1; f < q; f++) {
          const xb = <usize>(<u32>load<u64>(sorted + ((<usize>f) << 3)));
          if (!slotsEqual(column + xa * bandBytes, column + xb * bandBytes, rows)) continue;
          let seen = false;
          for (let u: u32 = 0; u < t && !seen; u++) {
            const earlier = table + <usize>u * columnBytes;
            seen = slotsEqual(earlier + xa * bandBytes, earlier + xb * bandBytes, rows);
          }
          if (seen) continue;
          const i = load<u32>(indices + (xa << 2));
          const j = load<u32>(indices + (xb << 2));
          const a = sigs + <usize>i * rowBytes;
          if (equalAtLeast(a, sigs + <usize>j * rowBytes, vecs, free, minEqual) >= minEqual) {
            if (count < cap) store<u64>(pairs + ((<usize>count) << 3), ((<u64>i) << 32) | <u64>j);
            count++;
          }
        }
      }
      p = q;
    }
  }
  if (count > cap) return count;
  const sorted = radixSort(pairs, pairs + ((<usize>cap) << 3), count, 0, 8, hist);
  for (let x: u32 = 0; x < count; x++) {
    const pair = load<u64>(sorted + ((<usize>x) << 3));
    const i = <u32>(pair >>> 32);
    const j = <u32>pair;
    const o = out + <usize>x * 12;
    store<u32>(o, i);
    store<u32>(o, j, 4);
    store<u32>(o, equalSlots(sigs + <usize>i * rowBytes, sigs + <usize>j * rowBytes, vecs), 8);
  }
  return count;
}
