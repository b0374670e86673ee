/** The package's version of the consensus algorithm described in its README. */
export const CONSENSUS_ALGORITHM_VERSION = 1;
