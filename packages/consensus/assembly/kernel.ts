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

// --- components ---------------------------------------------------------------------------
//
// Union-find forests live in linear memory as one u32 parent per response; the root of a
// set is its smallest member (union by smaller root), so that labels do not depend on the
// order of the unions. The passes below mirror the reference kernel: an edge of a forest is
// a candidate pair with at least the forest's bound of equal slots, and a pair is only
// verified when it could still change the forest's connectivity.

/** parent[i] = i for i < n. */
function initForest(parent: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) store<u32>(parent + ((<usize>i) << 2), i);
}

/** The root of x, halving the path on the way. */
function find(parent: usize, x: u32): u32 {
  let r = x;
  let p = load<u32>(parent + ((<usize>r) << 2));
  while (p !== r) {
    const up = load<u32>(parent + ((<usize>p) << 2));
    store<u32>(parent + ((<usize>r) << 2), up);
    r = up;
    p = load<u32>(parent + ((<usize>r) << 2));
  }
  return r;
}

/** Joins the sets of a and b under the smaller root. */
function union(parent: usize, a: u32, b: u32): void {
  const ra = find(parent, a);
  const rb = find(parent, b);
  if (ra < rb) store<u32>(parent + ((<usize>rb) << 2), ra);
  else if (rb < ra) store<u32>(parent + ((<usize>ra) << 2), rb);
}

/** Replaces each parent by the root (the smallest member of the set), in place. */
export function forestLabels(parent: usize, n: u32): void {
  // Ascending: a root is never above its members, so every parent written is final.
  for (let i: u32 = 0; i < n; i++) store<u32>(parent + ((<usize>i) << 2), find(parent, i));
}

/**
 * Exact components at two bounds in one walk over every pair i < j of non-empty rows. The
 * forest of the higher bound (`hi`) only holds pairs that the other one (`lo`) also holds,
 * so a pair connected in `hi` is connected in both and skipped; a pair connected in `lo`
 * only is verified against the higher bound alone. A row j found equal in every slot to an
 * earlier row i is marked in `copies` (n bytes of scratch) and not walked as a first row:
 * each pair (j, x), x > j, has the counts of (i, x), which row i visited already. So a group
 * of identical rows is walked once, by its first row.
 */
export function exactComponents(
  sigs: usize,
  n: u32,
  k: u32,
  empty: usize,
  loMin: u32,
  hiMin: u32,
  lo: usize,
  hi: usize,
  copies: usize,
): void {
  initForest(lo, n);
  initForest(hi, n);
  if (loMin > k) return;
  memory.fill(copies, 0, n);
  const vecs = k >>> 2;
  const rowBytes = (<usize>k) << 2;
  const loFree = freeVectors(k, loMin);
  const hiFree = freeVectors(k, hiMin);
  const hiReachable = hiMin <= k;
  for (let i: u32 = 0; i < n; i++) {
    if (load<u8>(empty + i) !== 0 || load<u8>(copies + i) !== 0) continue;
    const a = sigs + <usize>i * rowBytes;
    for (let j: u32 = i + 1; j < n; j++) {
      if (load<u8>(empty + j) !== 0) continue;
      if (find(hi, i) === find(hi, j)) continue;
      const b = sigs + <usize>j * rowBytes;
      if (find(lo, i) === find(lo, j)) {
        const equal = hiReachable ? equalAtLeast(a, b, vecs, hiFree, hiMin) : 0;
        if (equal >= hiMin) {
          union(hi, i, j);
          if (equal === k) store<u8>(copies + j, 1);
        }
        continue;
      }
      const equal = equalAtLeast(a, b, vecs, loFree, loMin);
      if (equal >= loMin) {
        union(lo, i, j);
        if (equal >= hiMin) union(hi, i, j);
        if (equal === k) store<u8>(copies + j, 1);
      }
    }
  }
}

/** The state of one banded pass, in globals (the module runs one call at a time). */
let pSigs: usize = 0;
let pK: u32 = 0;
let pVecs: u32 = 0;
let pFree: u32 = 0;
let pMin: u32 = 0;
let pStarts: usize = 0;
let pParts: u32 = 0;
let pIndices: usize = 0;
let pKeys: usize = 0;
let pParent: usize = 0;
let pRootA: usize = 0;
let pRootB: usize = 0;
let pHist: usize = 0;

function rowOf(x: u32): u32 {
  return load<u32>(pIndices + ((<usize>x) << 2));
}

function bandStart(t: u32): u32 {
  return load<u32>(pStarts + ((<usize>t) << 2));
}

/** Whether the rows of ranks xa and xb agree on band t of the partition. */
function agree(xa: u32, xb: u32, t: u32): bool {
  const from = bandStart(t);
  const width = bandStart(t + 1) - from;
  const rowBytes = (<usize>pK) << 2;
  const off = (<usize>from) << 2;
  return slotsEqual(
    pSigs + <usize>rowOf(xa) * rowBytes + off,
    pSigs + <usize>rowOf(xb) * rowBytes + off,
    width,
  );
}

/** Visits the pair of ranks (xa, xb) found in band t (see the reference kernel). */
function visit(xa: u32, xb: u32, t: u32): void {
  const a = rowOf(xa);
  const b = rowOf(xb);
  if (find(pParent, a) === find(pParent, b)) return;
  const ka = pKeys + <usize>xa * ((<usize>pParts) << 2);
  const kb = pKeys + <usize>xb * ((<usize>pParts) << 2);
  for (let u: u32 = 0; u < t; u++) {
    const o = (<usize>u) << 2;
    if (load<u32>(ka + o) === load<u32>(kb + o) && agree(xa, xb, u)) return;
  }
  const rowBytes = (<usize>pK) << 2;
  const equal = equalAtLeast(
    pSigs + <usize>a * rowBytes,
    pSigs + <usize>b * rowBytes,
    pVecs,
    pFree,
    pMin,
  );
  if (equal >= pMin) union(pParent, a, b);
}

/**
 * Visits the pairs of a group of ranks (ascending, `count` u32 at `group`, all agreeing on
 * band t): (first, x) for every x, then, between the blocks of rows the group falls into
 * (by root), pairs until the two blocks are connected.
 */
function visitGroup(group: usize, count: u32, t: u32): void {
  const first = load<u32>(group);
  for (let q: u32 = 1; q < count; q++) visit(first, load<u32>(group + ((<usize>q) << 2)), t);
  if (count <= 2) return;
  const root = find(pParent, rowOf(first));
  let q: u32 = 1;
  while (q < count && find(pParent, rowOf(load<u32>(group + ((<usize>q) << 2)))) === root) q++;
  if (q === count) return;
  for (let p: u32 = 0; p < count; p++) {
    const x = load<u32>(group + ((<usize>p) << 2));
    store<u64>(pRootA + ((<usize>p) << 3), ((<u64>find(pParent, rowOf(x))) << 32) | <u64>x);
  }
  const sorted = radixSort(pRootA, pRootB, count, 4, 8, pHist);
  // Blocks are runs of one root; ranks stay ascending inside a block (the sort is stable).
  let ls: u32 = 0;
  while (ls < count) {
    const lr = <u32>(load<u64>(sorted + ((<usize>ls) << 3)) >>> 32);
    let le = ls + 1;
    while (le < count && <u32>(load<u64>(sorted + ((<usize>le) << 3)) >>> 32) === lr) le++;
    let rs = le;
    while (rs < count) {
      const rr = <u32>(load<u64>(sorted + ((<usize>rs) << 3)) >>> 32);
      let re = rs + 1;
      while (re < count && <u32>(load<u64>(sorted + ((<usize>re) << 3)) >>> 32) === rr) re++;
      across(sorted, ls, le, rs, re, first, t);
      rs = re;
    }
    ls = le;
  }
}

/** Pairs between the blocks ls..le-1 and rs..re-1 of `sorted`, until they are connected. */
function across(sorted: usize, ls: u32, le: u32, rs: u32, re: u32, first: u32, t: u32): void {
  for (let p = ls; p < le; p++) {
    const x = <u32>load<u64>(sorted + ((<usize>p) << 3));
    if (x === first) continue;
    for (let q = rs; q < re; q++) {
      const y = <u32>load<u64>(sorted + ((<usize>q) << 3));
      // (first, y) was visited already, and visiting it again changes nothing.
      if (y === first) continue;
      if (find(pParent, rowOf(x)) === find(pParent, rowOf(y))) return;
      visit(x, y, t);
    }
  }
}

/**
 * One forest (`parent`, n u32) from the pairs of non-empty rows that agree on some band of
 * a partition of the slots (`starts`: parts + 1 u32, band t covering slots starts[t] ..
 * starts[t + 1] - 1) and have at least `minEqual` equal slots. Each band buckets the rows by
 * a 32-bit key of its slots (radix sort, as in lshPairs); a bucket is split into groups
 * that agree on the band slot by slot, and each group is visited as in the reference
 * kernel: a pair already connected, or agreeing on an earlier band (visited there), is
 * skipped, so that a group of m identical rows costs O(m) verifications.
 * `scratch` holds 12 * n + 4 * n * parts + 32 * n + 8192 bytes, plus 32 for alignment.
 */
export function bandedComponents(
  sigs: usize,
  n: u32,
  k: u32,
  empty: usize,
  minEqual: u32,
  starts: usize,
  parts: u32,
  scratch: usize,
  parent: usize,
): void {
  initForest(parent, n);
  if (minEqual > k) return;
  const rowsBytes = (<usize>n) << 2;
  pSigs = sigs;
  pK = k;
  pVecs = k >>> 2;
  pFree = freeVectors(k, minEqual);
  pMin = minEqual;
  pStarts = starts;
  pParts = parts;
  pParent = parent;
  const base = (scratch + 15) & ~(<usize>15);
  pIndices = base;
  const rest = pIndices + rowsBytes;
  const group = rest + rowsBytes;
  pKeys = group + rowsBytes;
  const sortA = (pKeys + rowsBytes * <usize>parts + 15) & ~(<usize>15);
  const sortB = sortA + ((<usize>n) << 3);
  pRootA = sortB + ((<usize>n) << 3);
  pRootB = pRootA + ((<usize>n) << 3);
  pHist = pRootB + ((<usize>n) << 3);
  let m: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (load<u8>(empty + i) !== 0) continue;
    store<u32>(pIndices + ((<usize>m) << 2), i);
    m++;
  }
  const rowBytes = (<usize>k) << 2;
  for (let x: u32 = 0; x < m; x++) {
    const row = sigs + <usize>rowOf(x) * rowBytes;
    const keys = pKeys + <usize>x * ((<usize>parts) << 2);
    for (let t: u32 = 0; t < parts; t++) {
      const from = bandStart(t);
      store<u32>(
        keys + ((<usize>t) << 2),
        bandKey(row + ((<usize>from) << 2), t, bandStart(t + 1) - from),
      );
    }
  }
  for (let t: u32 = 0; t < parts; t++) {
    for (let x: u32 = 0; x < m; x++) {
      const key = load<u32>(pKeys + <usize>x * ((<usize>parts) << 2) + ((<usize>t) << 2));
      store<u64>(sortA + ((<usize>x) << 3), ((<u64>key) << 32) | <u64>x);
    }
    const sorted = radixSort(sortA, sortB, m, 4, 8, pHist);
    let p: u32 = 0;
    while (p < m) {
      const key = <u32>(load<u64>(sorted + ((<usize>p) << 3)) >>> 32);
      let q = p + 1;
      while (q < m && <u32>(load<u64>(sorted + ((<usize>q) << 3)) >>> 32) === key) q++;
      if (q - p >= 2) {
        let left: u32 = q - p;
        for (let e: u32 = 0; e < left; e++) {
          store<u32>(rest + ((<usize>e) << 2), <u32>load<u64>(sorted + ((<usize>(p + e)) << 3)));
        }
        // Split the bucket into groups agreeing with their leader (keys may collide).
        while (left >= 2) {
          const leader = load<u32>(rest);
          store<u32>(group, leader);
          let same: u32 = 1;
          let other: u32 = 0;
          for (let e: u32 = 1; e < left; e++) {
            const x = load<u32>(rest + ((<usize>e) << 2));
            if (agree(leader, x, t)) {
              store<u32>(group + ((<usize>same) << 2), x);
              same++;
            } else {
              store<u32>(rest + ((<usize>other) << 2), x);
              other++;
            }
          }
          if (same >= 2) visitGroup(group, same, t);
          left = other;
        }
      }
      p = q;
    }
  }
}
