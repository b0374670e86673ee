import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCase, SuiteDefinition } from '../runner/suite-definition.js';
import { type SyntheticWorkload, syntheticWorkloads } from '../workloads/synthetic-traces.js';
import { readTrace } from '../workloads/trace-file.js';
import { tracesDir, tracesDirVariable } from '../workloads/traces-dir.js';
import { lruPeers, oursLru, oursTinyLfu } from './cache/cache-contenders.js';
import { FilledCaches } from './cache/filled-caches.js';
import { hitRatioTables } from './cache/hit-ratio-table.js';
import { operationCase } from './cache/operation-cases.js';
import type { KeyKind, Operation } from './cache/operation-workloads.js';
import { traceReplayCases } from './cache/trace-replay-cases.js';
import { floorTable } from './speed-targets.js';

export interface CacheSuiteConfig {
  /** Cache sizes (entries) of the operation cases. */
  readonly sizes: readonly number[];
  /** Accesses per measured call. */
  readonly batch: number;
  /** The size whose `get hit · integer keys` case also weighs bytes per entry. */
  readonly weighAt: number;
  /** Where the `*.trace.gz` files are; hit ratios and replays are skipped without them. */
  readonly tracesDir: string | undefined;
  /** The trace whose replay loop is timed, and the cache size it is replayed at. */
  readonly replay: { readonly trace: string; readonly size: number };
  /** Seeded synthetic traces added to the hit-ratio table; none when left out. */
  readonly workloads?: readonly SyntheticWorkload[];
}

export const defaultCacheSuiteConfig: CacheSuiteConfig = {
  sizes: [10_000, 1_000_000],
  batch: 1_000,
  weighAt: 1_000_000,
  tracesDir: tracesDir(),
  replay: { trace: 'multi2', size: 1_000 },
  workloads: syntheticWorkloads,
};

const operations: readonly Operation[] = ['get hit', 'get miss', 'set evicting', 'zipf mix'];
const keyKinds: readonly KeyKind[] = ['string', 'integer'];

/** The cache suite for `config`; tests build it small. */
export function createCacheSuite(config: CacheSuiteConfig): SuiteDefinition {
  const cases: BenchCase[] = [];
  for (const size of config.sizes) {
    for (const kind of keyKinds) {
      const caches = new FilledCaches(kind, size);
      for (const operation of operations) {
        cases.push(
          operationCase({
            operation,
            caches,
            batch: config.batch,
            weigh: operation === 'get hit' && kind === 'integer' && size === config.weighAt,
            releaseCaches: operation === operations.at(-1),
            ours: oursLru,
            peers: lruPeers,
          }),
        );
      }
    }
  }
  const { trace, size } = config.replay;
  const replayFile =
    config.tracesDir === undefined ? undefined : join(config.tracesDir, `${trace}.trace.gz`);
  const replayable = replayFile !== undefined && existsSync(replayFile);
  if (replayable) {
    cases.push(
      ...traceReplayCases({
        name: trace,
        load: () => readTrace(replayFile),
        size,
        batch: config.batch,
        lru: oursLru,
        tinyLfu: oursTinyLfu,
        peers: lruPeers,
      }),
    );
  }
  return {
    name: 'cache',
    description:
      '`Cache` (`@breakwater/cache`) against lru-cache, lru.min and mnemonist: get hit, get ' +
      'miss, evicting set and a zipf 90/10 mix on full caches of string and integer keys, a ' +
      'timed trace replay, bytes per entry, and hit ratios on the shared traces and seeded ' +
      'synthetic ones against ' +
      "Belady's optimum.",
    cases,
    tables: ({ log, cases: results, harness }) => {
      const floors = floorTable(results, { unit: 'access' });
      if (harness === 'isolated') {
        log(
          '  Hit ratios are deterministic: the in-process run (`pnpm bench cache`) computes ' +
            'them; not repeated here.',
        );
        return [floors];
      }
      if (!replayable) {
        log(
          `  Trace replay cases skipped: no ${replayFile ?? `${trace}.trace.gz`} ` +
            `(set ${tracesDirVariable} to the traces folder).`,
        );
      }
      return [floors, ...hitRatioTables(config.tracesDir, log, config.workloads)];
    },
  };
}

export const suite = createCacheSuite(defaultCacheSuiteConfig);
