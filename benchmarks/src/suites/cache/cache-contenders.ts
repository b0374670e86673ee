import { createRequire } from 'node:module';
import { Cache } from '@breakwater/cache';
import { createLRU } from 'lru.min';
import { LRUCache } from 'lru-cache';
import type LRUMapWithDeleteClass from 'mnemonist/lru-map-with-delete.js';

/** Keys the suite uses: strings or small integers, never both in one cache. */
export type BenchKey = string | number;

/** What the workloads call on every cache; each library spells these the same way. */
export interface BenchCache {
  get(key: BenchKey): number | undefined;
  set(key: BenchKey, value: number): unknown;
  readonly size: number;
}

/** One cache implementation as the suite builds it: a name, how it is configured, a factory. */
export interface CacheContender {
  readonly name: string;
  /** The options used and why, shown under the table. */
  readonly note: string;
  create(max: number): BenchCache;
}

/**
 * mnemonist's subpath exports only have a `require` condition, and its typings declare an
 * ES default export; load it as Node would.
 */
const LRUMapWithDelete = createRequire(import.meta.url)(
  'mnemonist/lru-map-with-delete.js',
) as typeof LRUMapWithDeleteClass.default;

export const oursLru: CacheContender = {
  name: 'Cache (lru)',
  note: '`@breakwater/cache` `new Cache({ max })`: the default `lru` policy, no ttl, no size bound.',
  create: (max) => new Cache<BenchKey, number>({ max }),
};

export const oursTinyLfu: CacheContender = {
  name: 'Cache (tinylfu)',
  note: "`@breakwater/cache` `new Cache({ max, policy: 'tinylfu' })`: W-TinyLFU admission, no ttl.",
  create: (max) => new Cache<BenchKey, number>({ max, policy: 'tinylfu' }),
};

export const lruCache: CacheContender = {
  name: 'lru-cache',
  note:
    'v11.5.3, `new LRUCache({ max })` and nothing else: no ttl, size tracking or dispose, the ' +
    'setup its README recommends when performance matters (storage preallocated for `max`).',
  create: (max) => new LRUCache<BenchKey, number>({ max }),
};

export const lruMin: CacheContender = {
  name: 'lru.min',
  note: 'v1.1.5, `createLRU({ max })`, no `onEviction`.',
  create: (max) => createLRU<BenchKey, number>({ max }),
};

export const mnemonist: CacheContender = {
  name: 'mnemonist LRUMapWithDelete',
  note:
    'v0.40.8, `new LRUMapWithDelete(max)`: the mnemonist LRU with our semantics, Map-backed ' +
    "(any key type; `1` and `'1'` stay distinct) and with `delete`. Its Object-backed " +
    '`LRUCache` turns every key into a string, and `LRUMap`/`LRUCache` cannot delete.',
  create: (max) => new LRUMapWithDelete<BenchKey, number>(max),
};

/** The peers of every operation case: the main peer first, then the extra columns. */
export const lruPeers: readonly [CacheContender, ...CacheContender[]] = [
  lruCache,
  lruMin,
  mnemonist,
];
