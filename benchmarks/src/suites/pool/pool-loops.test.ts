import { describe, expect, it } from 'vitest';
import {
  type BenchResource,
  compilePoolLoops,
  type LoopState,
  type PoolSyntax,
  ResourceFactory,
} from './pool-loops.js';

/** A minimal pool with synchronous `take`/`give`, recording the most callers waiting at once. */
class TestPool {
  readonly idle: BenchResource[] = [];
  readonly waiting: ((resource: BenchResource) => void)[] = [];
  lent = 0;
  mostWaiting = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      this.idle.push({ id: i, busy: false });
    }
  }

  take(): Promise<BenchResource> {
    const resource = this.idle.pop();
    if (resource !== undefined) {
      this.lent++;
      return Promise.resolve(resource);
    }
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.mostWaiting = Math.max(this.mostWaiting, this.waiting.length);
    });
  }

  give(resource: BenchResource): void {
    const next = this.waiting.shift();
    if (next === undefined) {
      this.lent--;
      this.idle.push(resource);
      return;
    }
    next(resource);
  }
}

const syntax: PoolSyntax = {
  prelude:
    'const around = async (pool, fn) => { const r = await pool.take(); try { return await fn(r); } finally { pool.give(r); } };',
  acquire: (pool) => `${pool}.take()`,
  release: (pool, resource) => `${pool}.give(${resource})`,
  use: (pool, fn) => `around(${pool}, ${fn})`,
};

function stateFor(pool: TestPool, batch: number, workers = 1): LoopState {
  return {
    pool,
    batch,
    workers,
    settle: (pairs, overlaps) => {
      if (overlaps !== 0 || pool.lent !== 0) {
        throw new Error(`overlaps ${overlaps}, lent ${pool.lent}`);
      }
      return { pairs, live: pool.idle.length };
    },
  };
}

describe('ResourceFactory', () => {
  it('creates numbered idle resources asynchronously and counts what is alive', async () => {
    const factory = new ResourceFactory();
    const made = factory.create();
    expect(made).toBeInstanceOf(Promise);
    expect(await made).toEqual({ id: 0, busy: false });
    const second = await factory.create();
    expect(second.id).toBe(1);
    await factory.destroy(second);
    expect(factory).toMatchObject({ created: 2, destroyed: 1, live: 1 });
  });
});

describe('compilePoolLoops', () => {
  const loops = compilePoolLoops(syntax);

  it('runs one caller through `batch` acquire/release pairs', async () => {
    const pool = new TestPool(3);
    expect(await loops.sequential(stateFor(pool, 25))).toEqual({ pairs: 25, live: 3 });
    expect(pool.mostWaiting).toBe(0);
  });

  it('shares `batch` acquisitions among `workers` callers, most of them waiting', async () => {
    const pool = new TestPool(3);
    expect(await loops.contended(stateFor(pool, 101, 10))).toEqual({ pairs: 101, live: 3 });
    expect(pool.mostWaiting).toBe(7);
  });

  it('starts no more acquisitions than `batch`, however many workers', async () => {
    const pool = new TestPool(2);
    expect(await loops.contended(stateFor(pool, 3, 50))).toEqual({ pairs: 3, live: 2 });
    expect(pool.mostWaiting).toBe(1);
  });

  it('runs `use` with an async function between acquire and release', async () => {
    const pool = new TestPool(2);
    expect(await loops.use(stateFor(pool, 7))).toEqual({ pairs: 7, live: 2 });
  });

  it('counts a resource lent again while still in use', async () => {
    const shared: BenchResource = { id: 0, busy: false };
    const careless = { take: async () => shared, give: () => {} };
    let seen = -1;
    const state: LoopState = {
      pool: careless,
      batch: 6,
      workers: 3,
      settle: (pairs, overlaps) => {
        seen = overlaps;
        return { pairs, live: 1 };
      },
    };
    await loops.contended(state);
    expect(seen).toBeGreaterThan(0);
    await loops.sequential(state);
    expect(seen).toBe(0);
  });

  it('rejects when the pool refuses an acquire', async () => {
    const refusing = { take: () => Promise.reject(new Error('closed')), give: () => {} };
    const state: LoopState = {
      pool: refusing,
      batch: 4,
      workers: 2,
      settle: (pairs) => ({ pairs, live: 0 }),
    };
    await expect(loops.sequential(state)).rejects.toThrow('closed');
    await expect(loops.contended(state)).rejects.toThrow('closed');
    await expect(loops.use(state)).rejects.toThrow('closed');
  });
});
