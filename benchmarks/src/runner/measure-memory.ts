import { isThenable } from './is-thenable.js';
import { median } from './statistics.js';
import type { MemorySpec } from './suite-definition.js';

/** Thrown when a case asks for memory figures but `global.gc` is not exposed. */
export class MissingGcError extends Error {
  override readonly name = 'MissingGcError';
  readonly code = 'ERR_BENCH_MISSING_GC';

  constructor(what: string) {
    super(
      `Measuring memory of ${what} needs global.gc(): run node with --expose-gc ` +
        '(`pnpm bench` does: its script is `node --expose-gc dist/cli.js`)',
    );
  }
}

/**
 * Bytes per item of one structure, the median of a few builds: the V8 heap plus the
 * memory of ArrayBuffers (typed arrays keep their contents outside the heap).
 */
export interface MemoryResult {
  readonly items: number;
  readonly bytesPerItem: number;
  /** Bytes per item of each build, in build order. */
  readonly samples: readonly number[];
}

export interface MeasureMemoryOptions {
  /** Named in the error when `gc` is missing. */
  readonly what?: string;
  /** Full garbage collection. @default globalThis.gc */
  readonly gc?: (() => unknown) | undefined;
  /** How many structures to build and weigh. @default 5 */
  readonly builds?: number;
}

/** Holds the structure being weighed so it stays reachable across the second collection. */
const kept: { value: unknown } = { value: undefined };

/**
 * Builds into `kept.value` inside a frame of its own. Had the caller held the structure in a
 * local, the interpreter's register could keep the previous build reachable into the next
 * weighing, which then reads zero growth.
 */
async function buildAndKeep(spec: MemorySpec): Promise<void> {
  const built = spec.build();
  kept.value = isThenable(built) ? await built : built;
}

/** Used heap plus ArrayBuffer memory (typed arrays' contents live outside the heap). */
function usedBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/**
 * Builds the structure `builds` times and weighs each: collects garbage, reads the used
 * memory, builds, collects again while the structure is still referenced, reads it again.
 */
export async function measureMemory(
  spec: MemorySpec,
  options: MeasureMemoryOptions = {},
): Promise<MemoryResult> {
  const gc = 'gc' in options ? options.gc : globalThis.gc;
  if (typeof gc !== 'function') {
    throw new MissingGcError(options.what ?? 'a structure');
  }
  if (!(Number.isInteger(spec.items) && spec.items > 0)) {
    throw new RangeError(
      `Expected \`memory.items\` to be an integer > 0, got \`${spec.items}\` (${typeof spec.items})`,
    );
  }
  const builds = options.builds ?? 5;
  const samples: number[] = [];
  for (let i = 0; i < builds; i++) {
    gc();
    gc();
    const before = usedBytes();
    await buildAndKeep(spec);
    gc();
    gc();
    const after = usedBytes();
    kept.value = undefined;
    samples.push((after - before) / spec.items);
  }
  return { items: spec.items, bytesPerItem: median(samples), samples };
}
