import { GCProfiler, getHeapStatistics } from 'node:v8';
import type { CaseFigure } from '../../runner/suite-definition.js';

/**
 * The high-water mark of the V8 heap plus external memory (where ArrayBuffers keep their
 * contents) during one call, above what was in use when it started. Between two garbage
 * collections memory in use only grows, so the high-water mark is the largest of the
 * readings just before each collection during the call (from `v8.GCProfiler`) and the
 * reading at its end. External memory is V8's own account of it, which drops only at the
 * collection after the one that freed a buffer: callers collect twice before a measurement so
 * that the starting point holds no buffer already dead.
 */

function inUse(stats: { readonly usedHeapSize: number; readonly externalMemory: number }): number {
  return stats.usedHeapSize + stats.externalMemory;
}

function nowInUse(): number {
  const stats = getHeapStatistics();
  return stats.used_heap_size + stats.external_memory;
}

/** Peak bytes above the starting point while `run` runs, and what it returned. */
export async function peakDuring<T>(
  run: () => T | Promise<T>,
): Promise<{ readonly value: T; readonly peakBytes: number }> {
  const before = nowInUse();
  const profiler = new GCProfiler();
  profiler.start();
  let value: T;
  let end: number;
  let collections: {
    readonly beforeGC: { readonly heapStatistics: Parameters<typeof inUse>[0] };
  }[];
  try {
    value = await run();
    end = nowInUse();
  } finally {
    collections = profiler.stop().statistics;
  }
  let peak = end;
  for (const gc of collections) peak = Math.max(peak, inUse(gc.beforeGC.heapStatistics));
  return { value, peakBytes: Math.max(0, peak - before) };
}

/** Two full collections (when `gc` is exposed), so that external memory is up to date. */
export function settle(gc: (() => unknown) | undefined = globalThis.gc): void {
  gc?.();
  gc?.();
}

/**
 * `peak memory` in MB: the runner collects garbage before each sample; this figure collects
 * once more (see {@link settle}), then takes the high-water mark of heap + external memory
 * during one call.
 */
export const peakMemoryFigure: CaseFigure = {
  name: 'peak memory',
  unit: 'MB',
  measure: async (call) => {
    globalThis.gc?.();
    return (await peakDuring(call)).peakBytes / 1e6;
  },
};
