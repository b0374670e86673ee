import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ComponentLabels, ConsensusKernel } from '../kernel.js';

/** The part of the `WebAssembly` namespace the loader uses (the DOM lib is not loaded). */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}

interface KernelMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The exports of assembly/kernel.ts; pointers are byte offsets into `memory`. */
interface KernelExports {
  memory: KernelMemory;
  heapBase(): number;
  signatures(
    hashes: number,
    offsets: number,
    n: number,
    k: number,
    seeds: number,
    out: number,
  ): void;
  equalTo(sigs: number, n: number, k: number, rep: number, out: number): void;
  exactPairs(
    sigs: number,
    n: number,
    k: number,
    empty: number,
    minEqual: number,
    out: number,
    cap: number,
  ): number;
  lshPairs(
    sigs: number,
    n: number,
    k: number,
    empty: number,
    minEqual: number,
    bands: number,
    rows: number,
    scratch: number,
    pairs: number,
    out: number,
    cap: number,
  ): number;
  exactComponents(
    sigs: number,
    n: number,
    k: number,
    empty: number,
    loMin: number,
    hiMin: number,
    lo: number,
    hi: number,
    copies: number,
  ): void;
  bandedComponents(
    sigs: number,
    n: number,
    k: number,
    empty: number,
    minEqual: number,
    starts: number,
    parts: number,
    scratch: number,
    parent: number,
  ): void;
  forestLabels(parent: number, n: number): void;
}

/** Where dist/kernel.wasm is: beside the built file's folder, or from src/ under the test runner. */
const KERNEL_URLS = [
  new URL('../kernel.wasm', import.meta.url),
  new URL('../../dist/kernel.wasm', import.meta.url),
];

/** A module whose one function returns `i32x4.splat(0)`: it validates only where SIMD is supported. */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x11, 0x0b,
]);

const PAGE = 65_536;
/** Bytes of the kernel's radix-sort histograms (8 digits of 256 u32). */
const HISTOGRAM_BYTES = 8 * 256 * 4;

/** Rounds a byte offset up to a multiple of 16 (the kernel's vector loads). */
function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/** Reads the compiled kernel, or `undefined` when no candidate file exists. */
export function readKernelBytes(urls: readonly URL[] = KERNEL_URLS): Uint8Array | undefined {
  for (const url of urls) {
    try {
      return readFileSync(fileURLToPath(url));
    } catch {
      // try the next place
    }
  }
  return undefined;
}

/** Options of {@link createWasmKernel}. */
export interface WasmKernelOptions {
  /**
   * Triplets the pair output region holds before a call has to grow it and run again.
   * @default 4096
   */
  pairCapacity?: number | undefined;
  /** The WebAssembly implementation. @default globalThis.WebAssembly */
  wasm?: WasmApi | undefined;
  /** The compiled kernel. @default the bytes of dist/kernel.wasm */
  bytes?: Uint8Array | undefined;
}

/** Memory figures of one kernel instance. */
export interface WasmKernelStats {
  /** Current size of the linear memory in bytes. */
  memoryBytes: number;
  /** The most bytes one call has laid out (inputs, scratch and outputs). */
  highWaterBytes: number;
  /** Calls that found their pair output region too small and ran again with a larger one. */
  retries: number;
}

/**
 * The WebAssembly backend of {@link ConsensusKernel}. Each call copies its inputs into the
 * instance's linear memory, runs one export and copies the outputs into fresh arrays. The
 * regions are laid out from the module's heap base on every call and the memory is reused
 * across calls: it grows when a call needs more than it has, and never shrinks.
 */
export class WasmKernel implements ConsensusKernel {
  readonly name = 'wasm';
  readonly #kernel: KernelExports;
  readonly #base: number;
  #pairCapacity: number;
  #highWater = 0;
  #retries = 0;

  constructor(kernel: KernelExports, pairCapacity: number) {
    this.#kernel = kernel;
    this.#base = kernel.heapBase();
    this.#pairCapacity = pairCapacity;
  }

  /** Memory figures, for tests and diagnostics. */
  stats(): WasmKernelStats {
    return {
      memoryBytes: this.#kernel.memory.buffer.byteLength,
      highWaterBytes: this.#highWater,
      retries: this.#retries,
    };
  }

  /** Makes the memory hold `bytes` bytes past the heap base, growing it if needed. */
  #reserve(bytes: number): void {
    const memory = this.#kernel.memory;
    const end = this.#base + bytes;
    const have = memory.buffer.byteLength;
    if (end > have) memory.grow(Math.ceil((end - have) / PAGE));
    if (bytes > this.#highWater) this.#highWater = bytes;
  }

  /** Pair capacity of an output region starting at `out` (bytes past the base), at least the hint. */
  #capacityAt(out: number, perPair: number): number {
    const room = Math.floor((this.#kernel.memory.buffer.byteLength - this.#base - out) / perPair);
    return Math.max(this.#pairCapacity, room);
  }

  #u32(): Uint32Array {
    return new Uint32Array(this.#kernel.memory.buffer);
  }

  signatures(hashes: Uint32Array, offsets: Uint32Array, k: number): Uint32Array {
    checkK(k);
    const n = offsets.length - 1;
    if (n < 0) throw new RangeError('Expected `offsets` to hold n + 1 values, got an empty array');
    let previous = 0;
    for (let i = 0; i <= n; i++) {
      const offset = offsets[i]!;
      if (offset < previous || offset > hashes.length) {
        throw new RangeError(
          `Expected \`offsets\` to ascend within 0..${hashes.length}, got \`${offset}\` at ${i}`,
        );
      }
      previous = offset;
    }
    const hashesAt = 0;
    const offsetsAt = align(hashesAt + hashes.length * 4);
    const seedsAt = align(offsetsAt + offsets.length * 4);
    const outAt = align(seedsAt + k * 4);
    const size = n * k;
    this.#reserve(outAt + size * 4);
    const base = this.#base;
    const u32 = this.#u32();
    u32.set(hashes, (base + hashesAt) / 4);
    u32.set(offsets, (base + offsetsAt) / 4);
    this.#kernel.signatures(base + hashesAt, base + offsetsAt, n, k, base + seedsAt, base + outAt);
    return this.#read(outAt, size);
  }

  exactPairs(
    sigs: Uint32Array,
    n: number,
    k: number,
    empty: Uint8Array,
    minEqual: number,
  ): Uint32Array {
    checkRows(sigs, n, k, empty);
    const emptyAt = align(n * k * 4);
    const outAt = align(emptyAt + n);
    this.#reserve(outAt + this.#pairCapacity * 12);
    this.#copyRows(sigs, n, k, emptyAt, empty);
    const base = this.#base;
    for (;;) {
      const cap = this.#capacityAt(outAt, 12);
      const count =
        this.#kernel.exactPairs(base, n, k, base + emptyAt, minEqual, base + outAt, cap) >>> 0;
      if (count <= cap) return this.#read(outAt, count * 3);
      this.#grow(count, outAt + count * 12);
    }
  }

  lshPairs(
    sigs: Uint32Array,
    n: number,
    k: number,
    empty: Uint8Array,
    minEqual: number,
    bands: number,
    rows: number,
  ): Uint32Array {
    checkRows(sigs, n, k, empty);
    checkBands(k, bands, rows);
    const emptyAt = align(n * k * 4);
    const scratchAt = align(emptyAt + n);
    const pairsAt = align(scratchAt + n * 16 + HISTOGRAM_BYTES + n * 4 + n * bands * rows * 4);
    // The pair region (two u64 per pair) and the triplets (12 bytes) share one capacity.
    this.#reserve(pairsAt + this.#pairCapacity * 28);
    this.#copyRows(sigs, n, k, emptyAt, empty);
    const base = this.#base;
    for (;;) {
      const cap = this.#capacityAt(pairsAt, 28);
      const outAt = align(pairsAt + cap * 16);
      const count =
        this.#kernel.lshPairs(
          base,
          n,
          k,
          base + emptyAt,
          minEqual,
          bands,
          rows,
          base + scratchAt,
          base + pairsAt,
          base + outAt,
          cap,
        ) >>> 0;
      if (count <= cap) return this.#read(outAt, count * 3);
      this.#grow(count, pairsAt + count * 28 + 16);
    }
  }

  components(
    sigs: Uint32Array,
    n: number,
    k: number,
    empty: Uint8Array,
    minEqual: number,
    minEqualDup: number,
    method: 'exact' | 'lsh',
    bands: number,
    rows: number,
  ): ComponentLabels {
    checkRows(sigs, n, k, empty);
    // The kernel takes u32 bounds: a bound of 0 or below already holds for every pair.
    const clusterMin = bound(minEqual);
    const duplicateMin = bound(minEqualDup);
    const emptyAt = align(n * k * 4);
    const clusterAt = align(emptyAt + n);
    const duplicateAt = align(clusterAt + n * 4);
    const scratchAt = align(duplicateAt + n * 4);
    const base = this.#base;
    if (method === 'exact') {
      this.#reserve(scratchAt + n);
      this.#copyRows(sigs, n, k, emptyAt, empty);
      // The forest of the higher bound is walked as the inner one.
      const [lo, hi] =
        clusterMin <= duplicateMin ? [clusterAt, duplicateAt] : [duplicateAt, clusterAt];
      this.#kernel.exactComponents(
        base,
        n,
        k,
        base + emptyAt,
        Math.min(clusterMin, duplicateMin),
        Math.max(clusterMin, duplicateMin),
        base + lo,
        base + hi,
        base + scratchAt,
      );
    } else {
      checkBands(k, bands, rows);
      const partitions = [
        bandPartition(k, 'cluster', clusterMin, bands, rows),
        bandPartition(k, 'duplicate', duplicateMin, bands, rows),
      ];
      const parts = Math.max(partitions[0]!.length, partitions[1]!.length) - 1;
      const startsAt = scratchAt;
      const workAt = align(startsAt + (parts + 1) * 4);
      this.#reserve(workAt + 12 * n + 4 * n * parts + 32 * n + HISTOGRAM_BYTES + 32);
      this.#copyRows(sigs, n, k, emptyAt, empty);
      const passes: Array<[number, number, Uint32Array]> = [
        [clusterMin, clusterAt, partitions[0]!],
        [duplicateMin, duplicateAt, partitions[1]!],
      ];
      for (const [min, at, starts] of passes) {
        this.#u32().set(starts, (base + startsAt) / 4);
        this.#kernel.bandedComponents(
          base,
          n,
          k,
          base + emptyAt,
          min,
          base + startsAt,
          starts.length - 1,
          base + workAt,
          base + at,
        );
      }
    }
    this.#kernel.forestLabels(base + clusterAt, n);
    this.#kernel.forestLabels(base + duplicateAt, n);
    return { cluster: this.#read(clusterAt, n), duplicate: this.#read(duplicateAt, n) };
  }

  equalTo(sigs: Uint32Array, n: number, k: number, rep: number): Uint32Array {
    checkRows(sigs, n, k, undefined);
    if (!Number.isInteger(rep) || rep < 0 || rep >= n) {
      throw new RangeError(`Expected \`rep\` to be an integer in 0..${n - 1}, got ${rep}`);
    }
    const outAt = align(n * k * 4);
    this.#reserve(outAt + n * 4);
    this.#u32().set(sigs.subarray(0, n * k), this.#base / 4);
    this.#kernel.equalTo(this.#base, n, k, rep, this.#base + outAt);
    return this.#read(outAt, n);
  }

  /** Copies the first n rows of signatures to the base and the empty flags after them. */
  #copyRows(sigs: Uint32Array, n: number, k: number, emptyAt: number, empty: Uint8Array): void {
    const buffer = this.#kernel.memory.buffer;
    new Uint32Array(buffer).set(sigs.subarray(0, n * k), this.#base / 4);
    new Uint8Array(buffer).set(empty.subarray(0, n), this.#base + emptyAt);
  }

  /** After a call found `count` pairs for a smaller region: remember the size and make room. */
  #grow(count: number, bytes: number): void {
    this.#retries++;
    this.#pairCapacity = count;
    this.#reserve(bytes);
  }

  /** A fresh copy of `length` u32 at `at` bytes past the base. */
  #read(at: number, length: number): Uint32Array {
    const start = (this.#base + at) / 4;
    return this.#u32().slice(start, start + length);
  }
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 4 || k % 4 !== 0) {
    throw new RangeError(`Expected \`k\` to be a positive multiple of 4, got ${k}`);
  }
}

function checkBands(k: number, bands: number, rows: number): void {
  if (!Number.isInteger(bands) || !Number.isInteger(rows) || bands < 1 || rows < 1) {
    throw new RangeError(
      `Expected \`bands\` and \`rows\` to be integers >= 1, got ${bands} and ${rows}`,
    );
  }
  if (bands * rows > k) {
    throw new RangeError(`Expected \`bands * rows\` to be <= ${k}, got ${bands * rows}`);
  }
}

/** A bound on equal slots as the kernel's u32: at least 0, rounded up (counts are integers). */
function bound(minEqual: number): number {
  if (Number.isNaN(minEqual)) throw new RangeError('Expected a bound on equal slots, got NaN');
  return Math.min(0xffffffff, Math.max(0, Math.ceil(minEqual)));
}

/**
 * The band boundaries of an LSH components pass (band t covers slots starts[t] ..
 * starts[t + 1] - 1), as the reference kernel chooses them: the LSH bands for clusters, and
 * for near-duplicates when there are at most k - minEqual of them; otherwise
 * k - minEqual + 1 disjoint bands, one of which every pair with at least minEqual equal
 * slots agrees on (pigeonhole), and every such pair is an LSH candidate.
 */
function bandPartition(
  k: number,
  forest: 'cluster' | 'duplicate',
  minEqual: number,
  bands: number,
  rows: number,
): Uint32Array {
  if (forest === 'cluster' || bands <= k - minEqual) {
    return Uint32Array.from({ length: bands + 1 }, (_, t) => t * rows);
  }
  const parts = Math.max(1, Math.min(k, k - minEqual + 1));
  return Uint32Array.from({ length: parts + 1 }, (_, p) => Math.floor((p * k) / parts));
}

function checkRows(sigs: Uint32Array, n: number, k: number, empty: Uint8Array | undefined): void {
  checkK(k);
  if (!Number.isInteger(n) || n < 0 || sigs.length < n * k) {
    throw new RangeError(
      `Expected \`n\` rows of ${k} slots in \`sigs\` (${sigs.length}), got n = ${n}`,
    );
  }
  if (empty !== undefined && empty.length < n) {
    throw new RangeError(`Expected \`empty\` to hold ${n} flags, got ${empty.length}`);
  }
}

/**
 * Instantiates the kernel, or returns `undefined` when WebAssembly or its SIMD extension is
 * not available, or when the bytes are missing or do not validate.
 */
export function createWasmKernel(options: WasmKernelOptions = {}): WasmKernel | undefined {
  const wasm =
    'wasm' in options ? options.wasm : (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined || !wasm.validate(SIMD_PROBE)) return undefined;
  const bytes = 'bytes' in options ? options.bytes : readKernelBytes();
  if (bytes === undefined || !wasm.validate(bytes)) return undefined;
  const instance = new wasm.Instance(new wasm.Module(bytes), {});
  return new WasmKernel(instance.exports as KernelExports, options.pairCapacity ?? 4096);
}

let loaded: { kernel: WasmKernel | undefined } | undefined;

/**
 * The process's WebAssembly kernel, compiled and instantiated on the first call; `undefined`
 * when WebAssembly or SIMD is unavailable or dist/kernel.wasm is missing or invalid.
 */
export function loadWasmKernel(): ConsensusKernel | undefined {
  loaded ??= { kernel: createWasmKernel() };
  return loaded.kernel;
}
