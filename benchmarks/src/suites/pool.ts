import type { SuiteDefinition } from '../runner/suite-definition.js';
import { countLabel } from './cache/count-label.js';
import { floorPool } from './pool/floor-pool.js';
import { poolCase } from './pool/pool-cases.js';
import { genericPool, ours, poolPeers } from './pool/pool-contenders.js';
import { floorTable, type SpeedTarget, targetsTable } from './speed-targets.js';

export interface PoolSuiteConfig {
  /** Resources each pool may hold (`max`), all created before measuring. */
  readonly size: number;
  /** Acquire/release pairs per measured call of the single-caller cases. */
  readonly batch: number;
  /** Acquisitions per measured call of the contended case, shared by its workers. */
  readonly contendedBatch: number;
  /** Callers sharing the pool at once in the contended case. */
  readonly workers: number;
}

export const defaultPoolSuiteConfig: PoolSuiteConfig = {
  size: 10,
  batch: 100,
  contendedBatch: 1_000,
  workers: 100,
};

/** Case names, shared by the cases and the targets table. */
export const caseNames = {
  uncontended: 'acquire + release · uncontended',
  contended: (workers: number, size: number) =>
    `${countLabel(workers)} workers · ${countLabel(size)} resources`,
  use: 'use() · uncontended',
} as const;

/** Our speed over generic-pool's that the suite reports as met or missed. */
export const minSpeedUp = 4;

/** The pool suite for `config`; tests build it small. */
export function createPoolSuite(config: PoolSuiteConfig): SuiteDefinition {
  const { size, batch, contendedBatch, workers } = config;
  const contended = caseNames.contended(workers, size);
  const pool = `a pool of max ${size}, filled to ${size} resources before measuring`;
  const targets: SpeedTarget[] = [
    { caseName: caseNames.uncontended, peer: genericPool.name, min: minSpeedUp },
    { caseName: contended, peer: genericPool.name, min: minSpeedUp },
  ];
  return {
    name: 'pool',
    description:
      '`Pool` (`@breakwater/pool`) against generic-pool and tarn: acquire + release by one ' +
      `caller, ${workers} callers sharing ${size} resources, and \`use()\`.`,
    cases: [
      poolCase({
        name: caseNames.uncontended,
        description:
          `One caller, ${batch} times: \`await\` acquire, count, release, from ${pool} ` +
          '(pairs counted inside the critical section and live resources are compared)',
        workload: 'sequential',
        size,
        batch,
        ours,
        peers: poolPeers,
        floor: floorPool,
      }),
      poolCase({
        name: contended,
        description:
          `${workers} callers at once, each looping acquire, count, \`await Promise.resolve()\`, ` +
          `release, until ${countLabel(contendedBatch)} acquisitions in all, from ${pool}: up ` +
          `to ${workers - size} callers wait in the queue (pairs and live resources are compared)`,
        workload: 'contended',
        size,
        batch: contendedBatch,
        workers,
        ours,
        peers: poolPeers,
        floor: floorPool,
      }),
      poolCase({
        name: caseNames.use,
        description:
          `One caller, ${batch} times \`await pool.use(fn)\` with an async \`fn\` that counts, ` +
          `from ${pool}; tarn has no \`use\`, so it runs the acquire/try/finally-release helper ` +
          'its users write (pairs and live resources are compared)',
        workload: 'use',
        size,
        batch,
        ours,
        peers: poolPeers,
      }),
    ],
    tables: ({ cases }) => [
      targetsTable(cases, targets),
      floorTable(cases, {
        unit: 'pair',
        notes: ['The `use()` case has no floor: it would be the uncontended floor plus a call.'],
      }),
    ],
  };
}

export const suite = createPoolSuite(defaultPoolSuiteConfig);
