export type {
  ConsensusAgreement,
  ConsensusCluster,
  ConsensusGroup,
  ConsensusRecommendation,
  ConsensusResult,
} from './analyze.js';
export { analyzeConsensus } from './analyze.js';
export { ConsensusBackendError, isConsensusBackendError } from './errors.js';
export type { ConsensusBackend, ConsensusMethod, ConsensusOptions } from './options.js';
export type { ConsensusResponse } from './responses.js';

/** The package's version of the consensus algorithm described in its README. */
export const CONSENSUS_ALGORITHM_VERSION = 1;
