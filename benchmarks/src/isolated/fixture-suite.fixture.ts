import type { SuiteDefinition } from '../runner/suite-definition.js';

/**
 * A tiny suite the isolated-harness tests run in child processes: sums of small arrays, a
 * floor, and a static table saying which harness computed it. Its setup and teardown count
 * their calls in `globalThis`, so an in-process test can see them.
 */

const counters = globalThis as { fixtureSetups?: number; fixtureTeardowns?: number };

const numbers = Array.from({ length: 64 }, (_, i) => i);

export const suite: SuiteDefinition = {
  name: 'fixture',
  description: 'Sums of 64 numbers, three ways.',
  setup: () => {
    counters.fixtureSetups = (counters.fixtureSetups ?? 0) + 1;
  },
  teardown: () => {
    counters.fixtureTeardowns = (counters.fixtureTeardowns ?? 0) + 1;
  },
  cases: [
    {
      name: 'sum',
      check: true,
      opsPerCall: 64,
      ours: {
        name: 'for loop',
        note: 'a plain loop',
        fn: () => {
          let sum = 0;
          for (let i = 0; i < numbers.length; i++) sum += numbers[i]!;
          return { sum };
        },
      },
      peers: [{ name: 'reduce', fn: () => ({ sum: numbers.reduce((a, b) => a + b, 0) }) }],
      floor: { name: 'constant (floor)', fn: () => ({ sum: 2016 }) },
    },
    {
      name: 'weighed',
      ours: {
        name: 'array',
        fn: () => numbers.length,
        memory: { items: 64, build: () => numbers.map((n) => ({ n })) },
      },
      peers: [{ name: 'async', fn: async () => numbers.length }],
      latency: true,
    },
  ],
  tables: ({ cases, harness }) => [
    {
      title: 'Harness',
      columns: [{ label: 'harness' }, { label: 'cases', digits: 0 }],
      rows: [[harness ?? 'in-process', cases.length]],
    },
  ],
};
