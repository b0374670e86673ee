export type {
  ConsensusAgreement,
  ConsensusCluster,
  ConsensusGroup,
  ConsensusRecommendation,
  ConsensusResult,
} from './analyze.js';
export { analyzeConsensus } from './analyze.js';
export {
  ConsensusBackendError,
  ConsensusWorkerError,
  isConsensusBackendError,
  isConsensusWorkerError,
} from './errors.js';
export type { ConsensusBackend, ConsensusMethod, ConsensusOptions } from './options.js';
export type { ParallelConsensusOptions } from './parallel.js';
export { analyzeConsensusParallel } from './parallel.js';
export type { ConsensusResponse } from './responses.js';
export { closeConsensusWorkers } from './worker-pool.js';

/** The package's version of the consensus algorithm described in its README. */
export const CONSENSUS_ALGORITHM_VERSION = 1;
