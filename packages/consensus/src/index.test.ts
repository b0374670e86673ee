import { expect, it } from 'vitest';
import { CONSENSUS_ALGORITHM_VERSION } from './index.js';

it('names the version of the algorithm it implements', () => {
  expect(CONSENSUS_ALGORITHM_VERSION).toBe(1);
});
