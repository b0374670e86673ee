import type { ConsensusResponse } from '@breakwater/consensus';

/**
 * The baseline the suite measures against: what a plain TypeScript consensus check does
 * without MinHash. Each text becomes its set of tokens (NFKC, lower case, the same token
 * pattern as the package), every pair of sets is compared by exact Jaccard similarity
 * (n(n-1)/2 comparisons), pairs at or above the threshold are joined by union-find, and the
 * consensus is the cluster with the largest total confidence.
 */

const TOKEN = /[\p{L}\p{N}\p{M}]+/gu;

/** The distinct tokens of a text, as the package tokenises it. */
export function tokenSet(text: string): Set<string> {
  return new Set(text.normalize('NFKC').toLowerCase().match(TOKEN) ?? []);
}

/** Exact Jaccard similarity of two token sets; 1 when both are empty. */
export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  if (a.size <= b.size) {
    for (const token of a) if (b.has(token)) shared++;
  } else {
    for (const token of b) if (a.has(token)) shared++;
  }
  return shared / (a.size + b.size - shared);
}

/** What the baseline reports: the consensus cluster and its share of the confidence. */
export interface NaiveConsensus {
  /** The consensus cluster's ids, in input order. */
  readonly ids: string[];
  readonly share: number;
  readonly reached: boolean;
}

function find(parent: Int32Array, i: number): number {
  let root = i;
  while (parent[root] !== root) root = parent[root]!;
  while (parent[i] !== root) {
    const next = parent[i]!;
    parent[i] = root;
    i = next;
  }
  return root;
}

/** The consensus of `responses` by exact token Jaccard over all pairs. */
export function naiveConsensus(
  responses: readonly ConsensusResponse[],
  threshold = 0.7,
  minAgreement = 0.5,
): NaiveConsensus {
  const n = responses.length;
  const sets = responses.map((r) => tokenSet(r.text));
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (jaccard(sets[i]!, sets[j]!) >= threshold) {
        const a = find(parent, i);
        const b = find(parent, j);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  }
  const confidence = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < n; i++) {
    const root = find(parent, i);
    const c = responses[i]!.confidence;
    confidence.set(root, (confidence.get(root) ?? 0) + c);
    total += c;
  }
  // Roots are each cluster's smallest index, and Map keeps first-seen order, so a tie goes
  // to the cluster whose first member comes first.
  let best = -1;
  let bestConfidence = -1;
  for (const [root, c] of confidence) {
    if (c > bestConfidence) {
      best = root;
      bestConfidence = c;
    }
  }
  const ids: string[] = [];
  for (let i = 0; i < n; i++) if (find(parent, i) === best) ids.push(responses[i]!.id);
  const share = n === 0 ? 0 : total > 0 ? bestConfidence / total : ids.length / n;
  return { ids, share, reached: n > 0 && share >= minAgreement };
}
