/**
 * Doubly-linked lists threaded through slot indices, stored in two `Uint32Array`s.
 *
 * Indices `0 .. lists - 1` are sentinels, one per list: a list is circular through its
 * sentinel, so linking and unlinking never branch on "first" or "last". Entry slots
 * start at {@link FIRST_SLOT}. The arrays grow by doubling as slots are handed out, so a
 * cache with `max: 1_000_000` that holds ten entries holds ten entries' worth of links.
 */

/** Number of sentinel indices reserved at the start of every slot array. */
export const LIST_COUNT = 3;
/** The first index that holds an entry. */
export const FIRST_SLOT = LIST_COUNT;

export class SlotLinks {
  next: Uint32Array;
  prev: Uint32Array;

  constructor(initialCapacity: number) {
    const capacity = Math.max(initialCapacity, FIRST_SLOT + 1);
    this.next = new Uint32Array(capacity);
    this.prev = new Uint32Array(capacity);
    for (let list = 0; list < LIST_COUNT; list++) {
      this.next[list] = list;
      this.prev[list] = list;
    }
  }

  /** Number of indices (sentinels included) the arrays can hold without growing. */
  get capacity(): number {
    return this.next.length;
  }

  /** Grows the arrays to hold at least `needed` indices, at most `limit`. */
  grow(needed: number, limit: number): void {
    let capacity = this.next.length;
    if (needed <= capacity) return;
    while (capacity < needed) capacity *= 2;
    capacity = Math.max(needed, Math.min(capacity, limit));
    const next = new Uint32Array(capacity);
    next.set(this.next);
    const prev = new Uint32Array(capacity);
    prev.set(this.prev);
    this.next = next;
    this.prev = prev;
  }

  /** Links `slot` at the head (most recent end) of `list`. */
  pushHead(list: number, slot: number): void {
    const next = this.next;
    const head = next[list]!;
    next[slot] = head;
    this.prev[slot] = list;
    this.prev[head] = slot;
    next[list] = slot;
  }

  /** Unlinks `slot` from whatever list holds it. */
  unlink(slot: number): void {
    const next = this.next;
    const prev = this.prev;
    const after = next[slot]!;
    const before = prev[slot]!;
    next[before] = after;
    prev[after] = before;
  }

  /** Moves `slot` (already in some list) to the head of `list`. */
  moveToHead(list: number, slot: number): void {
    const next = this.next;
    if (next[list] === slot) return;
    const prev = this.prev;
    const after = next[slot]!;
    const before = prev[slot]!;
    next[before] = after;
    prev[after] = before;
    const head = next[list]!;
    next[slot] = head;
    prev[slot] = list;
    prev[head] = slot;
    next[list] = slot;
  }

  /** Most recent slot of `list`, or the sentinel `list` itself when empty. */
  head(list: number): number {
    return this.next[list]!;
  }

  /** Least recent slot of `list`, or the sentinel `list` itself when empty. */
  tail(list: number): number {
    return this.prev[list]!;
  }

  /** Empties `list` (its slots' links are left stale; callers drop those slots). */
  reset(list: number): void {
    this.next[list] = list;
    this.prev[list] = list;
  }
}
