import { Pool } from '@breakwater/pool';
import { createPool, type Pool as GenericPool } from 'generic-pool';
import { Pool as TarnPool } from 'tarn';
import type { BenchResource, PoolSyntax, ResourceFactory } from './pool-loops.js';

/** One pool library as the suite uses it. */
export interface PoolContender extends PoolSyntax {
  readonly name: string;
  /** The options used, shown under the table. */
  readonly note: string;
  /** A pool lending at most `max` of `factory`'s resources; none created yet. */
  create(factory: ResourceFactory, max: number): unknown;
  /** Resources the pool itself counts as lent out. */
  outstanding(pool: unknown): number;
  /** Closes the pool: destroys its resources, clears its timers. */
  close(pool: unknown): Promise<void>;
}

/** Types a contender by its pool class and widens it to `PoolContender`. */
function contender<P>(
  definition: Omit<PoolContender, 'create' | 'outstanding' | 'close'> & {
    create(factory: ResourceFactory, max: number): P;
    outstanding(pool: P): number;
    close(pool: P): Promise<void>;
  },
): PoolContender {
  return definition as PoolContender;
}

export const ours = contender<Pool<BenchResource>>({
  name: 'Pool',
  note:
    '`@breakwater/pool` `new Pool({ create, destroy, max })`: no `validate`, its defaults ' +
    'otherwise (30 s acquire timeout, a timer per acquire that waits; 30 s idle timeout; ' +
    "`reuse: 'lifo'`); `await pool.acquire()`, `await pool.release(resource)` (it returns a " +
    'promise, rejected on a double release), `pool.use(fn)`; closed with `close()`.',
  prelude: '',
  acquire: (pool) => `${pool}.acquire()`,
  release: (pool, resource) => `await ${pool}.release(${resource})`,
  use: (pool, fn) => `${pool}.use(${fn})`,
  create: (factory, max) =>
    new Pool<BenchResource>({ create: factory.create, destroy: factory.destroy, max }),
  outstanding: (pool) => pool.stats().borrowed,
  close: (pool) => pool.close(),
});

export const genericPool = contender<GenericPool<BenchResource>>({
  name: 'generic-pool',
  note:
    'v3.9.0, `createPool({ create, destroy }, { max, min: 0 })`: no `validate` and ' +
    '`testOnBorrow` off, no `acquireTimeoutMillis` (no timer per acquire), evictor off, ' +
    '`fifo` at its default (true); `await pool.acquire()`, `pool.release(resource)` not ' +
    'awaited (it releases synchronously, as its README calls it), `pool.use(fn)`; closed ' +
    'with `drain()` then `clear()`.',
  prelude: '',
  acquire: (pool) => `${pool}.acquire()`,
  release: (pool, resource) => `${pool}.release(${resource})`,
  use: (pool, fn) => `${pool}.use(${fn})`,
  create: (factory, max) =>
    createPool({ create: factory.create, destroy: factory.destroy }, { max, min: 0 }),
  outstanding: (pool) => pool.borrowed,
  close: async (pool) => {
    await pool.drain();
    await pool.clear();
  },
});

export const tarn = contender<TarnPool<BenchResource>>({
  name: 'tarn',
  note:
    'v3.1.2, `new Pool({ create, destroy, min: 0, max })`: no `validate` (it calls its ' +
    'default `() => true` on every acquire), its defaults otherwise (a 30 s acquire timeout ' +
    'timer per acquire, which it always arms; a 1 s reap interval); ' +
    '`await pool.acquire().promise`, `pool.release(resource)` (synchronous). tarn has no ' +
    '`use`: the `use()` case calls the helper a tarn user writes, `acquire` then ' +
    '`try { return await fn(resource) } finally { release }`. Closed with `destroy()`.',
  prelude: `const withResource = async (pool, fn) => {
      const resource = await pool.acquire().promise;
      try {
        return await fn(resource);
      } finally {
        pool.release(resource);
      }
    };`,
  acquire: (pool) => `${pool}.acquire().promise`,
  release: (pool, resource) => `${pool}.release(${resource})`,
  use: (pool, fn) => `withResource(${pool}, ${fn})`,
  create: (factory, max) =>
    new TarnPool<BenchResource>({
      create: factory.create,
      destroy: factory.destroy,
      min: 0,
      max,
    }),
  outstanding: (pool) => pool.numUsed(),
  close: async (pool) => {
    await pool.destroy();
  },
});

/** The peers of every case, in table order. */
export const poolPeers: readonly PoolContender[] = [genericPool, tarn];
