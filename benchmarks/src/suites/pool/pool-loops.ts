/**
 * The workloads of the pool suite, compiled once per implementation (and case) with that
 * library's own acquire, release and `use` calls written into the loop, so each call site
 * sees one library only, as in a user's code.
 */

/** What every pool in the suite lends out: a plain object, so the pool is what is measured. */
export interface BenchResource {
  readonly id: number;
  /** Set while a caller holds it: a pool lending it again before its release is caught. */
  busy: boolean;
}

/**
 * Creates and destroys the resources of one pool, counting both. `create` is async and
 * resolves at once: no I/O, nothing for a pool to wait on but its own bookkeeping.
 */
export class ResourceFactory {
  created = 0;
  destroyed = 0;

  readonly create = async (): Promise<BenchResource> => ({ id: this.created++, busy: false });

  readonly destroy = async (_resource: BenchResource): Promise<void> => {
    this.destroyed++;
  };

  /** Resources created and not destroyed. */
  get live(): number {
    return this.created - this.destroyed;
  }
}

/** How one library's calls read, as source code spliced into the compiled loops. */
export interface PoolSyntax {
  /** Source run once before the loops are defined (helpers the calls below use), or `''`. */
  readonly prelude: string;
  /** An expression whose awaited value is a resource of the pool held in `pool`. */
  acquire(pool: string): string;
  /** A statement that gives `resource` back to `pool` (awaited where the library's docs do). */
  release(pool: string, resource: string): string;
  /** An expression whose awaited value is `fn(resource)`'s, run between acquire and release. */
  use(pool: string, fn: string): string;
}

/** What one measured call works on. */
export interface LoopState {
  readonly pool: unknown;
  /** Acquire/release pairs per measured call: the case's `opsPerCall`. */
  readonly batch: number;
  /** Callers sharing the pool at once (the contended loop only). */
  readonly workers: number;
  /**
   * Checks the batch once it is over and returns what the call returns; throws when a
   * resource was lent while still in use (`overlaps`) or when the pool still counts some as
   * lent out.
   */
  settle(pairs: number, overlaps: number): LoopResult;
}

/** What a measured call returns, compared across implementations. */
export interface LoopResult {
  /** Acquire/release pairs completed, counted inside the critical section. */
  readonly pairs: number;
  /** Resources the pool's factory created and did not destroy. */
  readonly live: number;
}

export type PoolLoop = (state: LoopState) => Promise<LoopResult>;

/** The three workloads, compiled for one library. */
export interface PoolLoops {
  /** One caller: `batch` times acquire, count, release, each awaited in turn. */
  readonly sequential: PoolLoop;
  /**
   * `workers` callers at once, each looping acquire, count, `await Promise.resolve()`,
   * release, until `batch` acquisitions have been started between them.
   */
  readonly contended: PoolLoop;
  /** One caller: `batch` times `use(fn)` with an async `fn` that counts. */
  readonly use: PoolLoop;
}

/** A freshly compiled copy of the three loops with `syntax`'s calls at their call sites. */
export function compilePoolLoops(syntax: PoolSyntax): PoolLoops {
  const acquire = syntax.acquire('pool');
  const release = syntax.release('pool', 'resource');
  const factory = new Function(
    `'use strict';
    ${syntax.prelude}
    async function sequential(state) {
      const pool = state.pool;
      let pairs = 0;
      let overlaps = 0;
      for (let n = state.batch; n > 0; n--) {
        const resource = await ${acquire};
        if (resource.busy) overlaps++;
        resource.busy = true;
        pairs++;
        resource.busy = false;
        ${release};
      }
      return state.settle(pairs, overlaps);
    }
    async function contended(state) {
      const pool = state.pool;
      let remaining = state.batch;
      let pairs = 0;
      let overlaps = 0;
      const worker = async () => {
        while (remaining > 0) {
          remaining--;
          const resource = await ${acquire};
          if (resource.busy) overlaps++;
          resource.busy = true;
          pairs++;
          await Promise.resolve();
          resource.busy = false;
          ${release};
        }
      };
      const running = [];
      for (let w = state.workers; w > 0; w--) running.push(worker());
      await Promise.all(running);
      return state.settle(pairs, overlaps);
    }
    async function use(state) {
      const pool = state.pool;
      let pairs = 0;
      let overlaps = 0;
      const work = async (resource) => {
        if (resource.busy) overlaps++;
        resource.busy = true;
        pairs++;
        resource.busy = false;
      };
      for (let n = state.batch; n > 0; n--) {
        await ${syntax.use('pool', 'work')};
      }
      return state.settle(pairs, overlaps);
    }
    return { sequential, contended, use };`,
  ) as () => PoolLoops;
  return factory();
}
