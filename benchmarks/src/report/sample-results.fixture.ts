import type { CaseResult, ImplementationResult, Role, SuiteResult } from '../runner/results.js';
import { spread } from '../runner/statistics.js';

/** Figures of one implementation whose rounds all ran at `opsPerSec`, give or take 5%. */
export function sampleImplementation(
  name: string,
  role: Role,
  opsPerSec: number,
  extra: Partial<Pick<ImplementationResult, 'note' | 'latency' | 'memory' | 'figures'>> = {},
): ImplementationResult {
  const rounds = [opsPerSec * 0.95, opsPerSec, opsPerSec * 1.05];
  return {
    name,
    role,
    medianOpsPerSec: opsPerSec,
    spread: spread(rounds),
    roundOpsPerSec: rounds,
    ...extra,
  };
}

/** A case comparing `ours` with each peer, ratios computed from the medians. */
export function sampleCase(
  name: string,
  ours: ImplementationResult,
  peers: readonly ImplementationResult[],
): CaseResult {
  return {
    name,
    opsPerCall: 1,
    checked: true,
    roundOrders: [],
    ours,
    peers,
    comparisons: peers.map((peer) => ({
      peer: peer.name,
      ratio: ours.medianOpsPerSec / peer.medianOpsPerSec,
      roundRatios: [],
    })),
  };
}

/** A suite result measured on a made-up machine. */
export function sampleSuite(
  suite: string,
  cases: readonly CaseResult[],
  mode: 'quick' | 'full' = 'full',
): SuiteResult {
  return {
    schema: 1,
    suite,
    description: `The ${suite} suite.`,
    command: `pnpm bench ${suite}`,
    mode,
    settings: { warmupRounds: 2, rounds: 10, roundMs: 200, gcBetweenSlots: true },
    environment: {
      node: 'v20.20.2',
      v8: '11.3',
      platform: 'linux',
      arch: 'x64',
      cpuModel: 'Test CPU',
      cores: 2,
      date: '2026-01-02T03:04:05.000Z',
    },
    cases,
  };
}
