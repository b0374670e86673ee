import type { PoolContender } from './pool-contenders.js';
import type { BenchResource, ResourceFactory } from './pool-loops.js';

/**
 * The least a pool can do, as the floor of the pool cases: an array of idle resources and a
 * first-in first-out queue of waiting callers' resolvers. `acquire` pops an idle resource into
 * a resolved promise (creating one while below `max`), or queues; `release` hands the resource
 * to the longest waiter, or pushes it back. No timeout, no validation, no double-release check,
 * no statistics: not a pool anyone should use, and not a competitor.
 */
export class FloorPool {
  readonly #factory: ResourceFactory;
  readonly #max: number;
  readonly #idle: BenchResource[] = [];
  readonly #waiters: ((resource: BenchResource) => void)[] = [];
  #size = 0;

  constructor(factory: ResourceFactory, max: number) {
    this.#factory = factory;
    this.#max = max;
  }

  acquire(): Promise<BenchResource> {
    const idle = this.#idle.pop();
    if (idle !== undefined) {
      return Promise.resolve(idle);
    }
    if (this.#size < this.#max) {
      this.#size++;
      return this.#factory.create();
    }
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
    });
  }

  release(resource: BenchResource): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter(resource);
    } else {
      this.#idle.push(resource);
    }
  }

  /** Resources created and not idle. */
  get lent(): number {
    return this.#size - this.#idle.length;
  }

  /** Destroys the idle resources; the pool is not used after. */
  async close(): Promise<void> {
    for (const resource of this.#idle.splice(0)) {
      this.#size--;
      await this.#factory.destroy(resource);
    }
  }
}

export const floorPool: PoolContender = {
  name: 'array + FIFO queue (floor)',
  note:
    'Not a pool and not a competitor: an array of idle resources and a FIFO array of waiting ' +
    "callers' resolvers. Acquire is an awaited resolved promise and an array `pop` when a " +
    'resource is idle, a queued resolver otherwise; release hands the resource to the oldest ' +
    'waiter (`shift`) or `push`es it back. No timeout, validation or double-release check: ' +
    'the least an acquire/release pair costs.',
  prelude: '',
  acquire: (pool) => `${pool}.acquire()`,
  release: (pool, resource) => `${pool}.release(${resource})`,
  use: (pool, fn) =>
    `${pool}.acquire().then(async (r) => { try { return await ${fn}(r); } finally { ${pool}.release(r); } })`,
  create: (factory, max) => new FloorPool(factory, max),
  outstanding: (pool) => (pool as FloorPool).lent,
  close: (pool) => (pool as FloorPool).close(),
};
