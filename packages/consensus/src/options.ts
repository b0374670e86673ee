import {
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOneOf,
  checkOptions,
} from '@breakwater/core';

/** How pairs of responses are found: every pair, or locality-sensitive hashing. */
export type ConsensusMethod = 'exact' | 'lsh';
/** The kernel that computes signatures and pairs. */
export type ConsensusBackend = 'wasm' | 'js';

/** Options of {@link analyzeConsensus}. */
export interface ConsensusOptions {
  /**
   * Estimated similarity at which two responses agree (join one cluster): a number > 0
   * and <= 1.
   * @default 0.7
   */
  threshold?: number | undefined;
  /**
   * Estimated similarity at which two responses are near-duplicates: a number >=
   * `threshold` and <= 1.
   * @default 0.9, or `threshold` when it is higher
   */
  duplicateThreshold?: number | undefined;
  /** Share of the confidence the consensus cluster needs for `reached`: > 0 and <= 1. @default 0.5 */
  minAgreement?: number | undefined;
  /** MinHash slots per response: an integer multiple of 4, >= 16 and <= 1024. @default 128 */
  signatureSize?: number | undefined;
  /** Tokens per shingle: an integer >= 1 and <= 16. @default 3 */
  shingleSize?: number | undefined;
  /** Recommendations returned, most supported first: an integer >= 0 and <= 1000. @default 5 */
  topRecommendations?: number | undefined;
  /**
   * `'exact'` compares every pair, `'lsh'` only the pairs that share an LSH band, and
   * `'auto'` is exact for at most `exactLimit` responses.
   * @default 'auto'
   */
  method?: 'auto' | ConsensusMethod | undefined;
  /** Largest number of responses `method: 'auto'` compares pair by pair: an integer >= 2. @default 2000 */
  exactLimit?: number | undefined;
  /**
   * LSH bands: an integer >= 1 with `lshBands * lshRows <= signatureSize`.
   * @default 32, or `floor(signatureSize / lshRows)` when that is smaller
   */
  lshBands?: number | undefined;
  /** Signature slots per LSH band: an integer >= 1 and <= `signatureSize`. @default 4 */
  lshRows?: number | undefined;
  /**
   * `'wasm'` requires the WebAssembly kernel, `'js'` uses the TypeScript one, `'auto'` the
   * WebAssembly kernel when it is available and the TypeScript one otherwise. Both give
   * the same results.
   * @default 'auto'
   */
  backend?: 'auto' | ConsensusBackend | undefined;
}

/** The options with their defaults, validated. */
export interface ResolvedConsensusOptions {
  readonly threshold: number;
  readonly duplicateThreshold: number;
  readonly minAgreement: number;
  readonly signatureSize: number;
  readonly shingleSize: number;
  readonly topRecommendations: number;
  readonly method: 'auto' | ConsensusMethod;
  readonly exactLimit: number;
  readonly lshBands: number;
  readonly lshRows: number;
  readonly backend: 'auto' | ConsensusBackend;
}

export const CONSENSUS_OPTION_KEYS = [
  'threshold',
  'duplicateThreshold',
  'minAgreement',
  'signatureSize',
  'shingleSize',
  'topRecommendations',
  'method',
  'exactLimit',
  'lshBands',
  'lshRows',
  'backend',
] as const;

/**
 * Validates the options of an analysis and resolves their defaults into a frozen object.
 * @throws TypeError for an unknown key or a value of the wrong type, RangeError for a value
 *   out of range; the message names the option.
 */
export function resolveConsensusOptions(
  options: ConsensusOptions | undefined,
): ResolvedConsensusOptions {
  const o = checkOptions('options', options);
  checkKnownKeys('options', o, CONSENSUS_OPTION_KEYS);
  const threshold = checkNumber('threshold', o.threshold, {
    min: 0,
    exclusiveMin: true,
    max: 1,
    default: 0.7,
  });
  const duplicateThreshold = checkNumber('duplicateThreshold', o.duplicateThreshold, {
    min: threshold,
    max: 1,
    default: Math.max(0.9, threshold),
  });
  const minAgreement = checkNumber('minAgreement', o.minAgreement, {
    min: 0,
    exclusiveMin: true,
    max: 1,
    default: 0.5,
  });
  const signatureSize = checkInteger('signatureSize', o.signatureSize, {
    min: 16,
    max: 1024,
    default: 128,
  });
  if (signatureSize % 4 !== 0) {
    throw new RangeError(
      `Expected \`signatureSize\` to be a multiple of 4 >= 16 and <= 1024, got \`${signatureSize}\` (number)`,
    );
  }
  const shingleSize = checkInteger('shingleSize', o.shingleSize, { min: 1, max: 16, default: 3 });
  const topRecommendations = checkInteger('topRecommendations', o.topRecommendations, {
    min: 0,
    max: 1000,
    default: 5,
  });
  const method = checkOneOf('method', o.method, ['auto', 'exact', 'lsh'], 'auto');
  const exactLimit = checkInteger('exactLimit', o.exactLimit, { min: 2, default: 2000 });
  const lshRows = checkInteger('lshRows', o.lshRows, { min: 1, max: signatureSize, default: 4 });
  const lshBands = checkInteger('lshBands', o.lshBands, {
    min: 1,
    max: Math.floor(signatureSize / lshRows),
    default: Math.min(32, Math.floor(signatureSize / lshRows)),
  });
  const backend = checkOneOf('backend', o.backend, ['auto', 'wasm', 'js'], 'auto');
  return Object.freeze({
    threshold,
    duplicateThreshold,
    minAgreement,
    signatureSize,
    shingleSize,
    topRecommendations,
    method,
    exactLimit,
    lshBands,
    lshRows,
    backend,
  });
}

/**
 * The fewest equal slots out of `k` at which two signatures reach a similarity threshold:
 * the smallest integer `e` with `e / k >= threshold`, as the similarity `e / k` is reported.
 * `Math.ceil(threshold * k)` alone can be one too many, when the product rounds up past an
 * integer (`0.55 * 100` is `55.00000000000001`, while `55 / 100` is `0.55`).
 */
export function minEqualSlots(threshold: number, k: number): number {
  let slots = Math.ceil(threshold * k);
  while (slots > 0 && (slots - 1) / k >= threshold) slots--;
  while (slots / k < threshold) slots++;
  return slots;
}
