import type { BenchCase, SuiteDefinition } from '../runner/suite-definition.js';
import { countLabel } from './cache/count-label.js';
import {
  type HotOptions,
  type KeysOptions,
  keyList,
  oursHotImpl,
  oursKeysImpl,
  rlflxHotImpl,
  rlflxKeysImpl,
} from './limiter/cases.js';
import type { LimitConfig } from './limiter/contenders.js';
import { limiterTargetsTable } from './limiter/targets.js';
import type { SpeedTarget } from './pool/targets-table.js';

export interface LimiterSuiteConfig {
  /** Decisions per measured call. */
  readonly batch: number;
  /** Distinct keys of the new-keys cases, and keys a memory build holds. */
  readonly keys: number;
}

export const defaultLimiterSuiteConfig: LimiterSuiteConfig = { batch: 1_000, keys: 1_000_000 };

/** Limits: high enough that every hot-key decision is allowed; low so nearly all are denied. */
export const limits = {
  allowed: { limit: 1e9, windowMs: 60_000 },
  denied: { limit: 100, windowMs: 3_600_000 },
  keys: { limit: 10, windowMs: 60_000 },
} as const satisfies Record<string, LimitConfig>;

export const caseNames = {
  hotAllowed: (algorithm: string) => `hot key · mostly allowed · ours ${algorithm}`,
  hotDenied: (algorithm: string) => `hot key · mostly denied · ours ${algorithm}`,
  keys: (count: number, algorithm: string) => `${countLabel(count)} new keys · ours ${algorithm}`,
} as const;

const peer = 'rate-limiter-flexible';

export const targetMins = { hot: 5, keys: 10 } as const;

/** The limiter suite for `config`; tests build it small. */
export function createLimiterSuite(config: LimiterSuiteConfig): SuiteDefinition {
  const { batch } = config;
  const keys = keyList(config.keys);
  const hot = (limit: LimitConfig, verify: boolean): HotOptions => ({
    config: limit,
    batch,
    verify,
  });
  const keyed: KeysOptions = { config: limits.keys, batch, count: config.keys, keys };
  const fixed = 'RateLimiter (fixed-window)';
  const gcra = 'RateLimiter (gcra)';
  const rate = (l: LimitConfig) => `${l.limit.toLocaleString('en-US')} per ${l.windowMs / 1000} s`;
  const cases: BenchCase[] = [
    {
      name: caseNames.hotAllowed('fixed-window'),
      description: `One key, ${batch} decisions per call, ${rate(limits.allowed)}: all allowed (allowed counts compared; every batch checked against the fixed-window model)`,
      opsPerCall: batch,
      check: true,
      ours: oursHotImpl(fixed, 'fixed-window', hot(limits.allowed, true)),
      peers: [rlflxHotImpl(hot(limits.allowed, true))],
    },
    {
      name: caseNames.hotAllowed('gcra'),
      description: `The same with ours as GCRA (burst = limit): all allowed on both sides, compared`,
      opsPerCall: batch,
      check: true,
      ours: oursHotImpl(gcra, 'gcra', hot(limits.allowed, true)),
      peers: [rlflxHotImpl(hot(limits.allowed, true))],
    },
    {
      name: caseNames.hotDenied('fixed-window'),
      description: `One key, ${batch} decisions per call, ${rate(limits.denied)}: the first ${limits.denied.limit} allowed, every later one denied (allowed counts compared; every batch checked against the fixed-window model)`,
      opsPerCall: batch,
      check: true,
      ours: oursHotImpl(fixed, 'fixed-window', hot(limits.denied, true)),
      peers: [rlflxHotImpl(hot(limits.denied, true))],
    },
    {
      name: caseNames.hotDenied('gcra'),
      description: `The same with ours as GCRA: it lets one more through every ${limits.denied.windowMs / limits.denied.limit / 1000} s, so counts are not compared`,
      opsPerCall: batch,
      ours: oursHotImpl(gcra, 'gcra', hot(limits.denied, false)),
      peers: [rlflxHotImpl(hot(limits.denied, true))],
    },
    {
      name: caseNames.keys(config.keys, 'fixed-window'),
      description: `Each decision on a key its limiter has never seen (\`key:0\` … \`key:${config.keys - 1}\`, a batch of ${batch} walks on; a fresh limiter after each pass), ${rate(limits.keys)}: all allowed (compared, every batch checked); bytes/item: heap per key of a limiter holding ${countLabel(config.keys)} keys`,
      opsPerCall: batch,
      check: true,
      ours: oursKeysImpl(fixed, 'fixed-window', keyed),
      peers: [rlflxKeysImpl(keyed)],
    },
    {
      name: caseNames.keys(config.keys, 'gcra'),
      description: 'The same with ours as GCRA (compared, every batch checked)',
      opsPerCall: batch,
      check: true,
      ours: oursKeysImpl(gcra, 'gcra', keyed),
      peers: [rlflxKeysImpl(keyed, false)],
    },
  ];
  const targets: SpeedTarget[] = [
    { caseName: caseNames.hotAllowed('fixed-window'), peer, min: targetMins.hot },
    { caseName: caseNames.hotDenied('fixed-window'), peer, min: targetMins.hot },
    { caseName: caseNames.keys(config.keys, 'fixed-window'), peer, min: targetMins.keys },
  ];
  return {
    name: 'limiter',
    description:
      '`RateLimiter` (`@breakwater/limiter`) against rate-limiter-flexible’s `RateLimiterMemory`: ' +
      'one hot key (mostly allowed, mostly denied) and a new key per decision, ours as a fixed ' +
      'window (its semantics) and as GCRA.',
    cases,
    tables: ({ cases: results }) => [limiterTargetsTable(results, targets)],
  };
}

export const suite = createLimiterSuite(defaultLimiterSuiteConfig);
