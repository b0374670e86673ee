import type { BenchCache, BenchKey } from './cache-contenders.js';

/** What one measured call works on: a cache and a ring of keys it walks `batch` at a time. */
export interface LoopState {
  readonly cache: BenchCache;
  /** The keys to use, in order; the walk wraps around at the end. */
  readonly keys: readonly BenchKey[];
  /** For `mix`: 1 where the access at the same position is a `set`, 0 for a `get`. */
  readonly writes: Uint8Array;
  /** Accesses per call: the case's `opsPerCall`. */
  readonly batch: number;
  /** Where the next call starts in `keys`. */
  cursor: number;
}

/**
 * The operation every access of a call performs on `key` (at position `i`), and what the
 * call returns, accumulated in `result`, so that results can be compared across libraries.
 */
const loops = {
  /** `get`; returns the sum of the values found (0 when every lookup misses). */
  get: {
    access: 'const value = cache.get(keys[i]); if (value !== undefined) result += value;',
    returns: 'result',
  },
  /** `set` of keys absent from the full cache: each inserts and evicts; returns the size. */
  set: { access: 'cache.set(keys[i], i);', returns: 'cache.size' },
  /** `set` where `writes` says so, else `get`; returns the number of hits. */
  mix: {
    access:
      'const key = keys[i]; if (writes[i] === 1) cache.set(key, i); ' +
      'else if (cache.get(key) !== undefined) result++;',
    returns: 'result',
  },
  /**
   * The floor of an evicting `set`, on a bare `Map` holding the resident keys oldest first:
   * `get(key)`, `delete` of the key an exact LRU evicts (half the ring behind, known from the
   * position: no bookkeeping), `set(key, i)`; returns the size.
   */
  mapSet: {
    access:
      'const key = keys[i]; cache.get(key); let j = i + half; if (j >= length) j -= length; ' +
      'cache.delete(keys[j]); cache.set(key, i);',
    returns: 'cache.size',
  },
  /** `get`, then `set(key, key)` on a miss, as an application does; returns the hits. */
  replay: {
    access:
      'const key = keys[i]; if (cache.get(key) === undefined) cache.set(key, key); else result++;',
    returns: 'result',
  },
} as const;

export type LoopKind = keyof typeof loops;

/**
 * A freshly compiled copy of the loop of `kind`. Each implementation of each case gets its
 * own copy, so the `cache.get`/`cache.set` calls inside only ever see one library: V8 can
 * inline them as in a user's hot loop, instead of going megamorphic on a shared call site
 * (the runner's batch loop is compiled per implementation for the same reason).
 */
export function compileLoop(kind: LoopKind): (state: LoopState) => number {
  const { access, returns } = loops[kind];
  return new Function(
    'state',
    `'use strict';
    const cache = state.cache;
    const keys = state.keys;
    const writes = state.writes;
    const length = keys.length;
    const half = length >>> 1;
    let i = state.cursor;
    let result = 0;
    for (let n = state.batch; n > 0; n--) {
      ${access}
      if (++i === length) i = 0;
    }
    state.cursor = i;
    return ${returns};`,
  ) as (state: LoopState) => number;
}
