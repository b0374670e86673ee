import type { EvictionPolicy } from './eviction-policy.js';
import type { SlotLinks } from './slot-links.js';

const LIST = 0;

/** Plain least-recently-used: one list, reads and writes move an entry to its head. */
export class LruPolicy implements EvictionPolicy {
  readonly usesHashes = false;
  readonly #links: SlotLinks;

  constructor(links: SlotLinks) {
    this.#links = links;
  }

  insert(slot: number): void {
    this.#links.pushHead(LIST, slot);
  }

  touch(slot: number): void {
    this.#links.moveToHead(LIST, slot);
  }

  miss(): void {}

  remove(slot: number): void {
    this.#links.unlink(slot);
  }

  victim(): number {
    return this.#links.tail(LIST);
  }

  order(): number[] {
    const out: number[] = [];
    const next = this.#links.next;
    for (let slot = next[LIST]!; slot !== LIST; slot = next[slot]!) out.push(slot);
    return out;
  }

  resize(): void {}

  clear(): void {
    this.#links.reset(LIST);
  }
}
