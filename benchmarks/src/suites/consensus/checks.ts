import { isDeepStrictEqual } from 'node:util';
import type { ConsensusResult } from '@breakwater/consensus';
import { withoutBackend } from './backends.js';
import type { NaiveConsensus } from './naive.js';

/** Names of the implementations, shared by the cases, the tables and the tests. */
export const implementationNames = {
  wasm: 'analyzeConsensus · wasm',
  js: 'analyzeConsensus · js',
  naive: 'naive Jaccard',
  floor: 'tokenise only',
} as const;

/** Throws unless both backends returned the same result (their `backend` field aside). */
export function checkSameResult(ours: ConsensusResult, other: ConsensusResult): void {
  if (!isDeepStrictEqual(withoutBackend(ours), withoutBackend(other))) {
    throw new Error(
      `the ${ours.backend} and ${other.backend} backends returned different results ` +
        `(consensus ${ours.consensus?.size} vs ${other.consensus?.size} members, ` +
        `${ours.clusters.length} vs ${other.clusters.length} clusters)`,
    );
  }
}

/** Throws unless the baseline found the same consensus cluster (members and `reached`). */
export function checkSameConsensus(ours: ConsensusResult, naive: NaiveConsensus): void {
  const ids = ours.consensus?.ids ?? [];
  if (!isDeepStrictEqual(ids, naive.ids) || ours.reached !== naive.reached) {
    throw new Error(
      `consensus clusters differ: ours ${ids.length} members (${ids.slice(0, 5).join(', ')}…), ` +
        `reached ${ours.reached}; baseline ${naive.ids.length} members ` +
        `(${naive.ids.slice(0, 5).join(', ')}…), reached ${naive.reached}`,
    );
  }
}
