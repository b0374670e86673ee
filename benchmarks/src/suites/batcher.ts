import type { SuiteDefinition } from '../runner/suite-definition.js';
import { writeBehindCase } from './batcher/write-behind-cases.js';
import { floorTable } from './speed-targets.js';

export interface BatcherSuiteConfig {
  /** Items added per measured call of the write-behind case. */
  readonly writeItems: number;
  /** Items per written batch. */
  readonly writeBatchSize: number;
}

export const defaultBatcherSuiteConfig: BatcherSuiteConfig = {
  writeItems: 1_000,
  writeBatchSize: 100,
};

/** Case names, shared by the cases and the tables. */
export const caseNames = {
  writeBehind: (items: number, size: number) =>
    `write-behind · ${items} items in batches of ${size}`,
} as const;

/** The batcher suite for `config`; tests build it small. */
export function createBatcherSuite(config: BatcherSuiteConfig): SuiteDefinition {
  const { writeItems, writeBatchSize } = config;
  return {
    name: 'batcher',
    description:
      '`WriteBehindBatcher` (`@breakwater/batcher`) against the `setInterval` flusher most ' +
      'code starts with.',
    cases: [
      writeBehindCase({
        name: caseNames.writeBehind(writeItems, writeBatchSize),
        items: writeItems,
        batchSize: writeBatchSize,
        delayMs: 10,
      }),
    ],
    tables: ({ cases }) => [floorTable(cases, { unit: 'item' })],
  };
}

export const suite = createBatcherSuite(defaultBatcherSuiteConfig);
