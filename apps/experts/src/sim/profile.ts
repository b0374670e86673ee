import {
  checkBoolean,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOptions,
  invalidMessage,
  MAX_TIMER_MS,
} from '@breakwater/core';

/** The latency of a simulated expert: a log-normal law given by two percentiles. */
export interface LatencyProfile {
  /** Median delay before an answer, in milliseconds (0 to 2147483647). */
  median: number;
  /** 99th-percentile delay in milliseconds; `>= median`, at most 2147483647. */
  p99: number;
}

/** How a simulated expert behaves; every field can be changed while it runs. */
export interface ExpertProfile {
  /** Delay law of the answers. @default { median: 0, p99: 0 } */
  latencyMs: LatencyProfile;
  /** Share of requests answered with a 500, from 0 to 1. @default 0 */
  errorRate: number;
  /** When true every `/v1/answer` request gets a 503. @default false */
  outage: boolean;
  /** Factor applied to every drawn delay, >= 1 and finite. @default 1 */
  slowdown: number;
  /** Seed of the delay and error draws (an integer from 0 to 4294967295). @default 1 */
  seed: number;
  /** Opinion group: experts with the same opinion give the same answer. @default 0 */
  opinion: number;
}

/** A profile update: any subset of the fields, each `undefined` meaning "unchanged". */
export type ExpertProfileInput = {
  [K in keyof ExpertProfile]?:
    | (K extends 'latencyMs' ? LatencyProfile : ExpertProfile[K])
    | undefined;
};

/** The profile of an expert that was given none. */
export const DEFAULT_PROFILE: Readonly<ExpertProfile> = Object.freeze({
  latencyMs: Object.freeze({ median: 0, p99: 0 }),
  errorRate: 0,
  outage: false,
  slowdown: 1,
  seed: 1,
  opinion: 0,
});

const PROFILE_KEYS = ['latencyMs', 'errorRate', 'outage', 'slowdown', 'seed', 'opinion'] as const;

function checkLatency(name: string, value: unknown): LatencyProfile {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(invalidMessage(name, 'an object `{ median, p99 }`', value));
  }
  checkKnownKeys(name, value, ['median', 'p99']);
  const raw = value as { median?: unknown; p99?: unknown };
  const median = checkNumber(`${name}.median`, raw.median, { min: 0, max: MAX_TIMER_MS });
  const p99 = checkNumber(`${name}.p99`, raw.p99, { min: median, max: MAX_TIMER_MS });
  return Object.freeze({ median, p99 });
}

/**
 * Validates a profile update and returns the profile it gives over `base`.
 * @throws TypeError or RangeError naming the field; an unknown key is refused.
 */
export function applyProfile(
  base: Readonly<ExpertProfile>,
  input: unknown,
  name = 'profile',
): Readonly<ExpertProfile> {
  const raw = checkOptions(name, input as ExpertProfileInput | undefined) as {
    [K in keyof ExpertProfile]?: unknown;
  };
  checkKnownKeys(name, raw, PROFILE_KEYS);
  return Object.freeze({
    latencyMs:
      raw.latencyMs === undefined
        ? base.latencyMs
        : checkLatency(`${name}.latencyMs`, raw.latencyMs),
    errorRate: checkNumber(`${name}.errorRate`, raw.errorRate, {
      min: 0,
      max: 1,
      default: base.errorRate,
    }),
    outage: checkBoolean(`${name}.outage`, raw.outage, base.outage),
    slowdown: checkNumber(`${name}.slowdown`, raw.slowdown, { min: 1, default: base.slowdown }),
    seed: checkInteger(`${name}.seed`, raw.seed, {
      min: 0,
      max: 0xffffffff,
      default: base.seed,
    }),
    opinion: checkInteger(`${name}.opinion`, raw.opinion, {
      min: 0,
      max: 1_000_000,
      default: base.opinion,
    }),
  });
}
