import type { SuiteDefinition } from '../runner/suite-definition.js';
import { loaderCase } from './batcher/loader-cases.js';
import { writeBehindCase } from './batcher/write-behind-cases.js';
import { floorTable, type SpeedTarget, targetsTable } from './speed-targets.js';

export interface BatcherSuiteConfig {
  /** `load` calls per measured call of the loader case, all in one tick. */
  readonly loads: number;
  /** Distinct keys among them. */
  readonly distinctKeys: number;
  /** Items added per measured call of the write-behind case. */
  readonly writeItems: number;
  /** Items per written batch. */
  readonly writeBatchSize: number;
}

export const defaultBatcherSuiteConfig: BatcherSuiteConfig = {
  loads: 100,
  distinctKeys: 64,
  writeItems: 1_000,
  writeBatchSize: 100,
};

/** Case names, shared by the cases and the tables. */
export const caseNames = {
  loader: (loads: number, distinct: number) =>
    `load · ${loads} loads over ${distinct} keys per tick`,
  writeBehind: (items: number, size: number) =>
    `write-behind · ${items} items in batches of ${size}`,
} as const;

/** Our `load` speed over DataLoader's that the suite reports as met or missed. */
export const minLoaderSpeedUp = 2;

/** The batcher suite for `config`; tests build it small. */
export function createBatcherSuite(config: BatcherSuiteConfig): SuiteDefinition {
  const { loads, distinctKeys, writeItems, writeBatchSize } = config;
  const loader = caseNames.loader(loads, distinctKeys);
  const targets: SpeedTarget[] = [{ caseName: loader, peer: 'DataLoader', min: minLoaderSpeedUp }];
  return {
    name: 'batcher',
    description:
      '`createLoader` (`@breakwater/batcher`) against DataLoader, and `WriteBehindBatcher` ' +
      'against the `setInterval` flusher most code starts with.',
    cases: [
      loaderCase({ name: loader, loads, distinct: distinctKeys }),
      writeBehindCase({
        name: caseNames.writeBehind(writeItems, writeBatchSize),
        items: writeItems,
        batchSize: writeBatchSize,
        delayMs: 10,
      }),
    ],
    tables: ({ cases }) => [
      targetsTable(cases, targets, {
        unit: 'load',
        description:
          'Our `load` speed over DataLoader’s (median ops/s ÷ median ops/s, as in the table ' +
          'above), with ns per load and our time over the floor’s. Reported, not asserted: ' +
          'a quick run’s figures are not for quoting.',
      }),
      floorTable(cases, { unit: 'op' }),
    ],
  };
}

export const suite = createBatcherSuite(defaultBatcherSuiteConfig);
