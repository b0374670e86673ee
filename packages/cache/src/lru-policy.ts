import type { EvictionPolicy } from './eviction-policy.js';
import type { SlotLinks } from './slot-links.js';

/** The one list of the `lru` policy in the cache's links. */
export const LRU_LIST = 0;

/** Plain least-recently-used: one list, reads and writes move an entry to its head. */
export class LruPolicy implements EvictionPolicy {
  readonly usesHashes = false;
  readonly #links: SlotLinks;

  constructor(links: SlotLinks) {
    this.#links = links;
  }

  insert(slot: number): void {
    this.#links.pushHead(LRU_LIST, slot);
  }

  touch(slot: number): void {
    this.#links.moveToHead(LRU_LIST, slot);
  }

  miss(): void {}

  remove(slot: number): void {
    this.#links.unlink(slot);
  }

  victim(): number {
    return this.#links.tail(LRU_LIST);
  }

  order(): number[] {
    const out: number[] = [];
    const next = this.#links.next;
    for (let slot = next[LRU_LIST]!; slot !== LRU_LIST; slot = next[slot]!) out.push(slot);
    return out;
  }

  resize(): void {}

  clear(): void {
    this.#links.reset(LRU_LIST);
  }
}
