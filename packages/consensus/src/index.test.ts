import { expect, it } from 'vitest';
import * as entry from './index.js';
import { CONSENSUS_ALGORITHM_VERSION } from './index.js';

it('names the version of the algorithm it implements', () => {
  expect(CONSENSUS_ALGORITHM_VERSION).toBe(1);
});

it('exports what a user calls, catches or checks, and nothing internal', () => {
  expect(Object.keys(entry).sort()).toEqual([
    'CONSENSUS_ALGORITHM_VERSION',
    'ConsensusBackendError',
    'ConsensusWorkerError',
    'analyzeConsensus',
    'analyzeConsensusParallel',
    'closeConsensusWorkers',
    'isConsensusBackendError',
    'isConsensusWorkerError',
  ]);
});
