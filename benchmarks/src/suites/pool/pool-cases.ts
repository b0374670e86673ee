import { type BenchCase, implementation } from '../../runner/suite-definition.js';
import type { PoolContender } from './pool-contenders.js';
import {
  compilePoolLoops,
  type LoopResult,
  type LoopState,
  type PoolLoop,
  type PoolLoops,
  ResourceFactory,
} from './pool-loops.js';

/** Which of the compiled loops a case measures. */
export type PoolWorkload = keyof PoolLoops;

export interface PoolCaseOptions {
  readonly name: string;
  readonly description: string;
  readonly workload: PoolWorkload;
  /** Resources each pool may hold (`max`); every pool is filled to it in setup. */
  readonly size: number;
  /** Acquire/release pairs per measured call. */
  readonly batch: number;
  /** Callers at once in the contended workload. @default 1 */
  readonly workers?: number;
  readonly ours: PoolContender;
  readonly peers: readonly PoolContender[];
  /** The floor measured with them (not a pool anyone would use), when the case has one. */
  readonly floor?: PoolContender;
}

interface Running {
  readonly contender: PoolContender;
  readonly pool: unknown;
  readonly loop: PoolLoop;
  readonly state: LoopState;
}

/**
 * The end-of-batch check for one pool: no resource was lent twice at once, the pool counts
 * none as lent out, and the result is the pairs completed with the resources alive.
 */
export function settleFor(
  contender: PoolContender,
  pool: unknown,
  factory: ResourceFactory,
  caseName: string,
): LoopState['settle'] {
  const fault = (problem: string) =>
    new Error(`"${contender.name}" ${problem} in case "${caseName}"`);
  return (pairs, overlaps): LoopResult => {
    if (overlaps !== 0) {
      throw fault(`lent a resource that was still in use (${overlaps} times in one batch)`);
    }
    const outstanding = contender.outstanding(pool);
    if (outstanding !== 0) {
      throw fault(`still counts ${outstanding} resources as lent out at the end of a batch`);
    }
    return { pairs, live: factory.live };
  };
}

/**
 * Fills `pool` to `size` resources: `size` callers acquire at once, each holding its
 * resource across a microtask, so the pool must create one for each. Throws when it did not.
 */
export async function prewarm(
  loops: PoolLoops,
  state: LoopState,
  factory: ResourceFactory,
  size: number,
  who: string,
): Promise<void> {
  await loops.contended({ ...state, batch: size, workers: size });
  if (factory.live !== size) {
    throw new Error(
      `${who} holds ${factory.live} resources after pre-warming instead of ${size} ` +
        `(${factory.created} created, ${factory.destroyed} destroyed)`,
    );
  }
}

/**
 * One workload measured for ours and every peer: each implementation gets its own factory,
 * its own pool of `size` resources, pre-warmed, and its own compiled loops. Each call returns
 * the pairs completed and the resources alive, compared across implementations.
 */
export function poolCase(options: PoolCaseOptions): BenchCase {
  const { name, size, batch, workload } = options;
  const workers = options.workers ?? 1;

  const contenderImplementation = (contender: PoolContender) =>
    implementation<Running>({
      name: contender.name,
      note: contender.note,
      setup: async () => {
        const loops = compilePoolLoops(contender);
        const factory = new ResourceFactory();
        const pool = contender.create(factory, size);
        const state: LoopState = {
          pool,
          batch,
          workers,
          settle: settleFor(contender, pool, factory, name),
        };
        try {
          await prewarm(loops, state, factory, size, `"${contender.name}" in case "${name}"`);
        } catch (error) {
          await contender.close(pool);
          throw error;
        }
        return { contender, pool, loop: loops[workload], state };
      },
      fn: ({ loop, state }) => loop(state),
      teardown: ({ contender: c, pool }) => c.close(pool),
    });

  return {
    name,
    description: options.description,
    opsPerCall: batch,
    check: true,
    ours: contenderImplementation(options.ours),
    peers: options.peers.map(contenderImplementation),
    ...(options.floor === undefined ? {} : { floor: contenderImplementation(options.floor) }),
  };
}
