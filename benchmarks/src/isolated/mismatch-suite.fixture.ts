import type { SuiteDefinition } from '../runner/suite-definition.js';

/** A suite whose peer returns another result than ours, and whose second case cannot run. */
export const suite: SuiteDefinition = {
  name: 'mismatch',
  description: 'A peer that skips work.',
  cases: [
    {
      name: 'different',
      check: true,
      ours: { name: 'ours', fn: () => 1 },
      peers: [{ name: 'lazy', fn: () => 2 }],
    },
    {
      name: 'unsendable',
      ours: { name: 'ours', fn: () => () => 1 },
      peers: [
        {
          name: 'throws',
          fn: () => {
            throw new Error('broken peer');
          },
        },
      ],
    },
  ],
};
