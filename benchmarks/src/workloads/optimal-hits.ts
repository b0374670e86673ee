export interface OptimalHitsOptions {
  /**
   * Whether a missed key may be left out of the cache when its own next use is the farthest
   * (the bound for caches that filter admissions, as W-TinyLFU does). Without it, every
   * missed key is admitted and a resident is evicted (demand fetch, the classic MIN).
   * @default true
   */
  readonly bypass?: boolean;
}

/**
 * Belady's offline optimum: how many accesses of `trace` a cache of `capacity` entries hits
 * when, on every miss, it knows the future and evicts the entry whose next use is farthest.
 *
 * O(n log n): the next use of every access is precomputed in one backward pass; residents
 * sit in a max-heap by next use, with stale entries (a resident accessed again since) skipped
 * when they surface.
 */
export function optimalHits(
  trace: readonly number[],
  capacity: number,
  options: OptimalHitsOptions = {},
): number {
  if (!(Number.isInteger(capacity) && capacity > 0)) {
    throw new RangeError(`Expected \`capacity\` to be an integer > 0, got \`${capacity}\``);
  }
  const length = trace.length;
  /** Position of the next access to the same key; `length` when there is none. */
  const nextUse = new Int32Array(length);
  const seenAt = new Map<number, number>();
  for (let i = length - 1; i >= 0; i--) {
    const key = trace[i]!;
    nextUse[i] = seenAt.get(key) ?? length;
    seenAt.set(key, i);
  }

  /** Each resident key and the next use its heap entry must carry to be current. */
  const resident = new Map<number, number>();
  /** Access positions, ordered so that the one with the farthest next use is on top. */
  const heap = new Int32Array(length);
  let heapSize = 0;
  const push = (position: number) => {
    let child = heapSize++;
    const priority = nextUse[position]!;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      const above = heap[parent]!;
      if (nextUse[above]! >= priority) {
        break;
      }
      heap[child] = above;
      child = parent;
    }
    heap[child] = position;
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap[--heapSize]!;
    const priority = nextUse[last]!;
    let parent = 0;
    for (;;) {
      let child = 2 * parent + 1;
      if (child >= heapSize) {
        break;
      }
      if (child + 1 < heapSize && nextUse[heap[child + 1]!]! > nextUse[heap[child]!]!) {
        child++;
      }
      if (nextUse[heap[child]!]! <= priority) {
        break;
      }
      heap[parent] = heap[child]!;
      parent = child;
    }
    heap[parent] = last;
    return top;
  };

  const evictFarthest = () => {
    for (;;) {
      const position = pop();
      const candidate = trace[position]!;
      if (resident.get(candidate) === nextUse[position]) {
        resident.delete(candidate);
        return;
      }
    }
  };

  const bypass = options.bypass ?? true;
  let hits = 0;
  for (let i = 0; i < length; i++) {
    const key = trace[i]!;
    if (resident.has(key)) {
      hits++;
    } else if (!bypass && resident.size === capacity) {
      evictFarthest();
    }
    resident.set(key, nextUse[i]!);
    push(i);
    if (resident.size > capacity) {
      evictFarthest();
    }
  }
  return hits;
}
