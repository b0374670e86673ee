import { selectKernel } from './backend.js';
import { type ComponentLabels, type ConsensusKernel, kernelComponents } from './kernel.js';
import type {
  ConsensusBackend,
  ConsensusMethod,
  ConsensusOptions,
  ResolvedConsensusOptions,
} from './options.js';
import { minEqualSlots, resolveConsensusOptions } from './options.js';
import { type CheckedResponse, type ConsensusResponse, checkResponses } from './responses.js';
import { shingleTexts } from './text.js';

/** A group of responses that agree, members in input order. */
export interface ConsensusCluster {
  /** The members' ids. */
  readonly ids: string[];
  /** The members' positions in the input, ascending. */
  readonly indices: number[];
  /** The members' total confidence. */
  readonly confidence: number;
  /** The number of members. */
  readonly size: number;
}

/** The consensus cluster (the first cluster) and its representative. */
export interface ConsensusGroup extends ConsensusCluster {
  /** The id of the member with the highest confidence (the first one on a tie). */
  readonly representative: string;
}

/** How closely one response agrees with the representative. */
export interface ConsensusAgreement {
  readonly id: string;
  /** Estimated similarity to the representative, in [0, 1] (1 for the representative). */
  readonly agreement: number;
}

/** A recommendation and the responses that make it. */
export interface ConsensusRecommendation {
  /** The normalised text (NFKC, lower case, single spaces, trimmed). */
  readonly text: string;
  /** Responses that recommend it. */
  readonly support: number;
  /** `support / n`. */
  readonly share: number;
}

/** What {@link analyzeConsensus} returns. */
export interface ConsensusResult {
  /** Number of responses. */
  readonly n: number;
  /** How pairs were found. */
  readonly method: ConsensusMethod;
  /** Which kernel ran. */
  readonly backend: ConsensusBackend;
  /** Whether the consensus cluster holds at least `minAgreement` of the confidence. */
  readonly reached: boolean;
  /** The consensus cluster's share of the total confidence (of the responses when it is 0). */
  readonly share: number;
  /** The `threshold` the clusters were built with. */
  readonly threshold: number;
  /** Every cluster, by total confidence descending, then by first member. */
  readonly clusters: ConsensusCluster[];
  /** The first cluster with its representative; `null` without responses. */
  readonly consensus: ConsensusGroup | null;
  /** Each response's agreement with the representative, in input order. */
  readonly agreement: ConsensusAgreement[];
  /** Ids of the responses alone in a cluster other than the consensus, in input order. */
  readonly outliers: string[];
  /** Groups of near-duplicate responses (ids in input order), by first member. */
  readonly duplicates: string[][];
  /** Mean confidence of the responses. */
  readonly averageConfidence: number;
  /** Confidence weighted by agreement with the representative. */
  readonly weightedConfidence: number;
  /** The most supported recommendations. */
  readonly recommendations: ConsensusRecommendation[];
}

/**
 * The groups of component labels (each the smallest index of its component), every empty
 * response joined to the first one: each group ascending, groups by smallest member.
 */
function groupsOf(labels: Uint32Array, empty: Uint8Array): number[][] {
  const n = labels.length;
  const byLabel: Array<number[] | undefined> = new Array(n);
  const groups: number[][] = [];
  let firstEmpty = -1;
  for (let i = 0; i < n; i++) {
    let label = labels[i]!;
    if (empty[i] === 1) {
      if (firstEmpty < 0) firstEmpty = i;
      label = firstEmpty;
    }
    const group = byLabel[label];
    if (group === undefined) {
      const created = [i];
      byLabel[label] = created;
      groups.push(created);
    } else group.push(i);
  }
  return groups;
}

/** NFKC, lower case, whitespace runs as one space, trimmed. */
function normalizeRecommendation(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

function countRecommendations(
  responses: readonly CheckedResponse[],
  top: number,
): ConsensusRecommendation[] {
  if (top === 0) return [];
  const counts = new Map<string, number>();
  const once = new Set<string>();
  for (const response of responses) {
    once.clear();
    for (const raw of response.recommendations) {
      const text = normalizeRecommendation(raw);
      if (text === '' || once.has(text)) continue;
      once.add(text);
      counts.set(text, (counts.get(text) ?? 0) + 1);
    }
  }
  const ranked = Array.from(counts).sort(([ta, ca], [tb, cb]) =>
    ca !== cb ? cb - ca : ta < tb ? -1 : ta > tb ? 1 : 0,
  );
  const n = responses.length;
  return ranked.slice(0, top).map(([text, support]) => ({ text, support, share: support / n }));
}

function emptyResult(method: ConsensusMethod, backend: ConsensusBackend, threshold: number) {
  return {
    n: 0,
    method,
    backend,
    reached: false,
    share: 0,
    threshold,
    clusters: [],
    consensus: null,
    agreement: [],
    outliers: [],
    duplicates: [],
    averageConfidence: 0,
    weightedConfidence: 0,
    recommendations: [],
  } satisfies ConsensusResult;
}

/**
 * Runs an analysis on a given kernel: every backend goes through here, so that the results
 * differ only by what the kernel computes (and kernels compute the same integers).
 * @throws TypeError or RangeError for invalid responses, naming `responses[i].field`.
 */
export function analyzeWith(
  kernel: ConsensusKernel,
  responses: readonly ConsensusResponse[],
  options: ResolvedConsensusOptions,
): ConsensusResult {
  return analyzeChecked(kernel, checkResponses(responses), options);
}

/** What the kernel computed for an analysis: the input of {@link analysisFromComponents}. */
export interface KernelOutputs {
  /** How the pairs were found. */
  readonly method: ConsensusMethod;
  /** The kernel that computed the signatures and components, reported as `backend`. */
  readonly backend: ConsensusBackend;
  /** n*k signature slots, row-major. */
  readonly sigs: Uint32Array;
  /** 1 where a response has no shingle hash. */
  readonly empty: Uint8Array;
  /** Component labels (smallest index of each component) of the non-empty responses at
   *  `threshold` and at `duplicateThreshold`; empty responses are their own labels. */
  readonly components: ComponentLabels;
}

/** The method an analysis of `n` responses uses. */
export function methodFor(n: number, options: ResolvedConsensusOptions): ConsensusMethod {
  return options.method === 'auto' ? (n <= options.exactLimit ? 'exact' : 'lsh') : options.method;
}

export function analyzeChecked(
  kernel: ConsensusKernel,
  responses: readonly CheckedResponse[],
  options: ResolvedConsensusOptions,
): ConsensusResult {
  const n = responses.length;
  const k = options.signatureSize;
  const method = methodFor(n, options);
  if (n === 0) return emptyResult(method, kernel.name, options.threshold);

  const { hashes, offsets, empty } = shingleTexts(
    responses.map((r) => r.text),
    options.shingleSize,
  );
  const sigs = kernel.signatures(hashes, offsets, k);
  const components = kernelComponents(
    kernel,
    sigs,
    n,
    k,
    empty,
    minEqualSlots(options.threshold, k),
    minEqualSlots(options.duplicateThreshold, k),
    method,
    options.lshBands,
    options.lshRows,
  );
  return analysisFromComponents(kernel, responses, options, {
    method,
    backend: kernel.name,
    sigs,
    empty,
    components,
  });
}

/**
 * The analysis from the kernel's outputs on: clusters, consensus, agreement, outliers,
 * near-duplicates and recommendations. `kernel` computes the equal-slot counts to the
 * representative. Shared by the single-threaded and the parallel analyses, so that both
 * give the same result from the same integers.
 */
export function analysisFromComponents(
  kernel: ConsensusKernel,
  responses: readonly CheckedResponse[],
  options: ResolvedConsensusOptions,
  outputs: KernelOutputs,
): ConsensusResult {
  const n = responses.length;
  const k = options.signatureSize;
  const { method, sigs, empty, components } = outputs;
  if (n === 0) return emptyResult(method, outputs.backend, options.threshold);

  // Clusters: connected components of the agreement edges.
  const clusters = groupsOf(components.cluster, empty)
    .map((indices): ConsensusCluster => {
      let confidence = 0;
      for (const i of indices) confidence += responses[i]!.confidence;
      return {
        ids: indices.map((i) => responses[i]!.id),
        indices,
        confidence,
        size: indices.length,
      };
    })
    .sort((a, b) => b.confidence - a.confidence || a.indices[0]! - b.indices[0]!);
  const first = clusters[0]!;

  let totalConfidence = 0;
  for (const r of responses) totalConfidence += r.confidence;
  const share = totalConfidence > 0 ? first.confidence / totalConfidence : first.size / n;

  let rep = first.indices[0]!;
  for (const i of first.indices) {
    if (responses[i]!.confidence > responses[rep]!.confidence) rep = i;
  }

  const equal = kernel.equalTo(sigs, n, k, rep);
  const repEmpty = empty[rep] === 1;
  let agreementSum = 0;
  let weighted = 0;
  const agreement = responses.map(({ id, confidence }, i): ConsensusAgreement => {
    let value: number;
    if (i === rep) value = 1;
    else if (empty[i] === 1 || repEmpty) value = empty[i] === 1 && repEmpty ? 1 : 0;
    else value = equal[i]! / k;
    agreementSum += value;
    weighted += confidence * value;
    return { id, agreement: value };
  });

  const outliers: number[] = [];
  for (let c = 1; c < clusters.length; c++) {
    const cluster = clusters[c]!;
    if (cluster.size === 1) outliers.push(cluster.indices[0]!);
  }
  outliers.sort((a, b) => a - b);

  const duplicates = groupsOf(components.duplicate, empty)
    .filter((group) => group.length >= 2)
    .map((group) => group.map((i) => responses[i]!.id));

  return {
    n,
    method,
    backend: outputs.backend,
    reached: share >= options.minAgreement,
    share,
    threshold: options.threshold,
    clusters,
    consensus: {
      ids: [...first.ids],
      indices: [...first.indices],
      confidence: first.confidence,
      size: first.size,
      representative: responses[rep]!.id,
    },
    agreement,
    outliers: outliers.map((i) => responses[i]!.id),
    duplicates,
    averageConfidence: totalConfidence / n,
    weightedConfidence: agreementSum > 0 ? weighted / agreementSum : 0,
    recommendations: countRecommendations(responses, options.topRecommendations),
  };
}

/**
 * Analyses several answers to one question: which of them agree, whether a consensus is
 * reached, how far each response is from it, which responses are outliers or
 * near-duplicates, and which recommendations come up most. The algorithm is described in
 * the package's README; results are the same on every backend.
 * @throws TypeError or RangeError for invalid options (naming the option) or responses
 *   (naming `responses[i].field`).
 * @throws ConsensusBackendError for `backend: 'wasm'` when the WebAssembly kernel is
 *   unavailable.
 */
export function analyzeConsensus(
  responses: readonly ConsensusResponse[],
  options?: ConsensusOptions | undefined,
): ConsensusResult {
  const resolved = resolveConsensusOptions(options);
  const checked = checkResponses(responses);
  return analyzeChecked(selectKernel(resolved.backend), checked, resolved);
}
