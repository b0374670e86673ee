import type { CaseResult } from '../runner/results.js';
import type { StaticTable } from '../runner/static-table.js';
import type { BenchCase, SuiteDefinition } from '../runner/suite-definition.js';
import { breakerCase } from './breaker/breaker-cases.js';
import {
  type BreakerContender,
  bareAwait,
  breakerPeers,
  cockatiel,
  opossumDefault,
  opossumTuned,
  ours,
} from './breaker/breaker-contenders.js';
import { allFail, allSucceed, everyNthFails } from './breaker/call-loop.js';
import {
  overheadTable,
  timePerCallTable,
  timeRatioTable,
  windowCostTable,
} from './breaker/derived-tables.js';
import { countLabel } from './cache/count-label.js';

export interface BreakerSuiteConfig {
  /** Calls per measured call in the success, mix and per-host cases. */
  readonly batch: number;
  /**
   * Calls per measured call in the all-failing cases. Small, because the runner makes at least
   * one measured call per turn and opossum's default sorts its whole window on every failure.
   */
  readonly failureBatch: number;
  /** Calls the failure-rate window of the 10% mix holds. */
  readonly mixWindow: number;
  /** Window sizes (calls) of the all-failing cases, smallest first. */
  readonly failureWindows: readonly number[];
  /** Per-host breakers each implementation builds, calls in turn and weighs. */
  readonly hosts: number;
}

export const defaultBreakerSuiteConfig: BreakerSuiteConfig = {
  batch: 100,
  failureBatch: 25,
  mixWindow: 50_000,
  failureWindows: [1_000, 10_000, 100_000],
  hosts: 10_000,
};

/** Case names, shared by the cases and the tables derived from them. */
export const caseNames = {
  success: 'success path',
  mix: (window: number) => `10% failures · window ${countLabel(window)}`,
  failures: (window: number) => `all fail · window ${countLabel(window)}`,
  hosts: (hosts: number) => `${countLabel(hosts)} per-host breakers`,
} as const;

/** Ours' failure cost at the largest window over the smallest, still counted as flat. */
export const flatWithin = 1.25;

/** Every implementation of a case with the floor, in table order. */
const withFloor: readonly BreakerContender[] = [ours, ...breakerPeers, bareAwait];

function derivedTables(config: BreakerSuiteConfig, cases: readonly CaseResult[]): StaticTable[] {
  const byName = new Map(cases.map((result) => [result.name, result]));
  const tables: StaticTable[] = [
    timePerCallTable(
      cases,
      withFloor.map((contender) => contender.name),
    ),
  ];
  const success = byName.get(caseNames.success);
  if (success !== undefined) {
    tables.push(
      overheadTable({
        result: success,
        floor: bareAwait.name,
        targets: [
          { peer: opossumDefault.name, max: 0.1 },
          { peer: opossumTuned.name, max: 0.1 },
          { peer: cockatiel.name, max: 0.5 },
        ],
      }),
    );
  }
  const mix = byName.get(caseNames.mix(config.mixWindow));
  if (mix !== undefined) {
    tables.push(
      timeRatioTable({
        result: mix,
        targets: [
          { peer: opossumDefault.name, max: 0.01 },
          { peer: opossumTuned.name, max: 0.01 },
        ],
      }),
    );
  }
  const failing = config.failureWindows.flatMap((window) => {
    const result = byName.get(caseNames.failures(window));
    return result === undefined ? [] : [{ window, result }];
  });
  if (failing.length > 0) {
    tables.push(
      windowCostTable({
        cases: failing,
        names: withFloor.map((contender) => contender.name),
        label: countLabel,
        flatWithin,
      }),
    );
  }
  return tables;
}

/** The breaker suite for `config`; tests build it small. */
export function createBreakerSuite(config: BreakerSuiteConfig): SuiteDefinition {
  const { batch, failureBatch, mixWindow, hosts } = config;
  const cases: BenchCase[] = [
    breakerCase({
      name: caseNames.success,
      description:
        `${batch} sequential \`execute(async () => 1)\` calls through one breaker of each ` +
        "library's defaults (the sum of the results is compared)",
      spec: { kind: 'defaults' },
      pattern: allSucceed,
      batch,
      ours,
      peers: breakerPeers,
      floor: bareAwait,
    }),
    breakerCase({
      name: caseNames.mix(mixWindow),
      description:
        `${batch} sequential calls, every 10th rejecting, through a breaker judging the failure ` +
        `rate (threshold 0.5, never reached) over the last ${countLabel(mixWindow)} calls; the ` +
        `window is filled with ${countLabel(mixWindow)} successful calls first (successes and ` +
        'failures per call are compared)',
      spec: { kind: 'failure rate', window: mixWindow, threshold: 0.5 },
      pattern: everyNthFails(10),
      batch,
      fill: mixWindow,
      ours,
      peers: breakerPeers,
      floor: bareAwait,
    }),
    ...config.failureWindows.map((window) =>
      breakerCase({
        name: caseNames.failures(window),
        description:
          `${failureBatch} sequential calls that all reject, through a breaker keeping a window ` +
          `of the last ${countLabel(window)} calls that never trips; the window is filled with ` +
          `${countLabel(window)} successful calls first (failures per call are compared)`,
        spec: { kind: 'never trips', window },
        pattern: allFail,
        batch: failureBatch,
        fill: window,
        ours,
        peers: breakerPeers,
        floor: bareAwait,
      }),
    ),
    breakerCase({
      name: caseNames.hosts(hosts),
      description:
        `${countLabel(hosts)} breakers of each library's defaults, one per host: ${batch} ` +
        'successful calls, each through the next host’s breaker; bytes/item: heap per idle ' +
        `breaker of ${countLabel(hosts)} built at once`,
      spec: { kind: 'defaults' },
      pattern: allSucceed,
      batch,
      hosts,
      weigh: true,
      ours,
      peers: breakerPeers,
    }),
  ];
  return {
    name: 'breaker',
    description:
      '`CircuitBreaker` (`@breakwater/breaker`) against opossum (default and tuned) and ' +
      'cockatiel, with a bare `await` as the floor: success path, a 10% failure mix over a ' +
      `${countLabel(mixWindow)}-call window, failure cost as the window grows, and ` +
      `${countLabel(hosts)} per-host breakers (time and heap per breaker).`,
    cases,
    tables: ({ cases: results }) => derivedTables(config, results),
  };
}

export const suite = createBreakerSuite(defaultBreakerSuiteConfig);
