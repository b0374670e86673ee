import type { BenchCase } from '../../runner/suite-definition.js';
import { implementation } from '../../runner/suite-definition.js';
import { compileLoop, type LoopKind, type LoopState } from './batch-loops.js';
import type { BenchKey, CacheContender } from './cache-contenders.js';
import { countLabel } from './count-label.js';
import type { CacheCondition, FilledCaches } from './filled-caches.js';
import {
  buildWorkload,
  keySpace,
  mixWriteShare,
  type Operation,
  type Workload,
  zipfExponent,
} from './operation-workloads.js';

export interface OperationCaseOptions {
  readonly operation: Operation;
  /** The full caches (and their size and key kind) this case works on. */
  readonly caches: FilledCaches;
  /** Accesses per measured call (`opsPerCall`). */
  readonly batch: number;
  /** Also weigh each implementation holding `size` integer keys with small values. */
  readonly weigh?: boolean;
  /** This is the last case using `caches`: its teardown releases them. */
  readonly releaseCaches?: boolean;
  readonly ours: CacheContender;
  readonly peers: readonly CacheContender[];
}

/** Name of the floor row of the operations that have one. */
export const mapFloorName = 'Map (floor)';

/**
 * The operations with a floor, its loop and what it does: a bare `Map` of the same keys, no
 * recency and no eviction bookkeeping. The zipf mix has none (a floor would need an eviction
 * order, which is a cache).
 */
const floorSpecs: Partial<Record<Operation, { loop: LoopKind; note: string }>> = {
  'get hit': {
    loop: 'get',
    note:
      'Not a cache and not a competitor: a bare `Map` of the same keys and values, filled once, ' +
      'one `map.get(key)` per access over the same keys. The least a lookup costs.',
  },
  'get miss': {
    loop: 'get',
    note:
      'Not a cache and not a competitor: a bare `Map` of the resident keys, one `map.get(key)` ' +
      'per access over the same absent keys.',
  },
  'set evicting': {
    loop: 'mapSet',
    note:
      'Not a cache and not a competitor: a bare `Map` holding the resident keys oldest first; ' +
      'per access `get(key)`, `delete` of the key an exact LRU evicts (known from its place in ' +
      'the key ring, no bookkeeping), `set(key, value)`. The least an evicting set costs.',
  },
};

/** A `Map` of the first `size` keys of `space`, key j mapped to j, oldest first. */
export function filledMap(space: readonly BenchKey[], size: number): Map<BenchKey, number> {
  const map = new Map<BenchKey, number>();
  for (let value = 0; value < size; value++) {
    map.set(space[value]!, value);
  }
  return map;
}

/**
 * Each operation's loop, the cache condition its workload and check need, and the one it
 * leaves: a get hit only reorders, a get miss changes nothing, sets replace keys. The mix's
 * hits depend on recency, so it needs every cache freshly filled.
 */
const operationSpecs: Readonly<
  Record<Operation, { loop: LoopKind; needs: CacheCondition; leaves?: CacheCondition }>
> = {
  'get hit': { loop: 'get', needs: 'keys resident', leaves: 'keys resident' },
  'get miss': { loop: 'get', needs: 'keys resident' },
  'set evicting': { loop: 'set', needs: 'keys resident', leaves: 'changed' },
  'zipf mix': { loop: 'mix', needs: 'filled in order', leaves: 'changed' },
};

function describeOperation(operation: Operation, batch: number): string {
  switch (operation) {
    case 'get hit':
      return `${batch} \`get\`s of resident keys drawn uniformly (the sum of the values is compared)`;
    case 'get miss':
      return `${batch} \`get\`s of keys never inserted (the sum of values found, 0, is compared)`;
    case 'set evicting':
      return `${batch} \`set\`s of absent keys, each inserting and evicting the least recently used (the size after is compared)`;
    case 'zipf mix': {
      const writes = Math.round(mixWriteShare * 100);
      return (
        `${batch} accesses, ${100 - writes}% \`get\` and ${writes}% \`set\`, keys ` +
        `zipf-distributed (s = ${zipfExponent}) over twice the cache size, same seeded sequence ` +
        'for all (the number of hits is compared)'
      );
    }
  }
}

/** A cache of `size` entries holding the integer keys 0…size−1, each mapped to itself. */
export function filledWithIntegers(contender: CacheContender, size: number): unknown {
  const cache = contender.create(size);
  for (let key = 0; key < size; key++) {
    cache.set(key, key);
  }
  return cache;
}

/**
 * One operation on full caches of one size and key kind: ours and every peer, each on its own
 * cache (built once per size and kind, refilled where a case needs it) and with its own
 * compiled loop over the same keys.
 */
export function operationCase(options: OperationCaseOptions): BenchCase {
  const { operation, caches, batch } = options;
  const { kind, size } = caches;
  const { loop, needs, leaves } = operationSpecs[operation];
  let shared: Workload | undefined;
  const workload = () => {
    shared ??= buildWorkload(operation, caches.keys(), size);
    return shared;
  };
  const contenderImplementation = (contender: CacheContender) =>
    implementation<LoopState>({
      name: contender.name,
      note: contender.note,
      setup: () => {
        const { keys, writes, start } = workload();
        const cache = caches.acquire(contender, needs, leaves);
        return { cache, keys, writes, batch, cursor: start };
      },
      fn: compileLoop(loop),
      teardown: () => {
        shared = undefined;
        if (options.releaseCaches === true) {
          caches.release();
        }
      },
      ...(options.weigh === true
        ? { memory: { items: size, build: () => filledWithIntegers(contender, size) } }
        : {}),
    });
  const floorSpec = floorSpecs[operation];
  const floor =
    floorSpec === undefined
      ? undefined
      : implementation<LoopState>({
          name: mapFloorName,
          note: floorSpec.note,
          setup: () => {
            const { keys, writes, start } = workload();
            return { cache: filledMap(caches.keys(), size), keys, writes, batch, cursor: start };
          },
          fn: compileLoop(floorSpec.loop),
          ...(options.weigh === true
            ? {
                memory: {
                  items: size,
                  build: () => filledMap(keySpace('integer', size), size),
                },
              }
            : {}),
        });
  return {
    name: `${operation} · ${kind} keys · ${countLabel(size)}`,
    description:
      `full cache of ${countLabel(size)} ${kind} keys, \`max: ${size}\`: ${describeOperation(operation, batch)}` +
      (options.weigh === true
        ? `; bytes/item: heap of a cache holding ${countLabel(size)} integer keys mapped to themselves`
        : ''),
    opsPerCall: batch,
    check: true,
    ours: contenderImplementation(options.ours),
    peers: options.peers.map(contenderImplementation),
    ...(floor === undefined ? {} : { floor }),
  };
}
