import type { ConsensusResponse } from '@breakwater/consensus';
import { seededRandom } from '../../workloads/seeded-random.js';

/**
 * Generated response sets for the consensus suite: families of paraphrases (one base text,
 * each member with a few of its words replaced) plus unrelated one-off answers, so that
 * clusters, a consensus, outliers, near-copies and shared recommendations all exist.
 * Deterministic: the same size and seed give the same responses on every machine.
 */

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ru',
  'sa',
  'ti',
  'vo',
  'ze',
  'pa',
  'do',
  'fi',
  'gu',
  'he',
  'jo',
  'ba',
  'ce',
  'di',
  'fo',
  'ga',
  'hi',
  'ju',
  'le',
  'ma',
  'no',
  'pe',
  'qui',
  'ro',
  'su',
  'ta',
] as const;

/** Short words every text uses now and then, as real answers do. */
const COMMON = ['the', 'a', 'of', 'to', 'and', 'in', 'is', 'it', 'on', 'for'] as const;

/** Words in the shared vocabulary the families draw from. */
const VOCABULARY_SIZE = 20_000;

/** Members of the consensus family: 30% of the responses, at most this many. */
const MAX_CONSENSUS_FAMILY = 200;

/** Members of every other family: 2 to this many. */
const MAX_FAMILY = 12;

/** Share of the responses that belong to no family (each its own cluster). */
const LONER_SHARE = 0.1;

function buildVocabulary(random: () => number): string[] {
  const words = new Set<string>();
  while (words.size < VOCABULARY_SIZE) {
    const syllables = 2 + Math.floor(random() * 3);
    let word = '';
    for (let i = 0; i < syllables; i++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    words.add(word);
  }
  return [...words];
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function baseText(random: () => number, vocabulary: readonly string[], words: number): string[] {
  return Array.from({ length: words }, () =>
    random() < 0.15 ? pick(random, COMMON) : pick(random, vocabulary),
  );
}

/** The base with `substitutions` words replaced by other vocabulary words. */
function paraphrase(
  random: () => number,
  vocabulary: readonly string[],
  base: readonly string[],
  substitutions: number,
): string[] {
  const words = [...base];
  for (let i = 0; i < substitutions; i++) {
    words[Math.floor(random() * words.length)] = pick(random, vocabulary);
  }
  return words;
}

/** A sentence-like rendering: capitalised first word, some commas, a full stop. */
function render(random: () => number, words: readonly string[]): string {
  let text = '';
  for (let i = 0; i < words.length; i++) {
    const word = i === 0 ? words[i]!.charAt(0).toUpperCase() + words[i]!.slice(1) : words[i]!;
    text += i === 0 ? word : random() < 0.08 ? `, ${word}` : ` ${word}`;
  }
  return `${text}.`;
}

/** Recommendations of a family, written with varying case and spacing by its members. */
function familyRecommendations(random: () => number, vocabulary: readonly string[]): string[] {
  return Array.from(
    { length: 3 },
    () =>
      `${pick(random, ['Restart', 'Scale', 'Check', 'Alert on'])} ${pick(random, vocabulary)} ${pick(random, vocabulary)}`,
  );
}

function memberRecommendations(random: () => number, recommendations: readonly string[]): string[] {
  const out: string[] = [];
  for (const recommendation of recommendations) {
    if (random() < 0.5) {
      out.push(
        random() < 0.3 ? `  ${recommendation.toUpperCase()} ` : recommendation.replace(' ', '  '),
      );
    }
  }
  return out;
}

export interface GeneratedResponses {
  readonly responses: readonly ConsensusResponse[];
  /** Ids of the consensus family's members, in input order. */
  readonly consensusIds: readonly string[];
  /** Families generated (the consensus family included). */
  readonly families: number;
}

/**
 * `n` responses: a consensus family of `min(ceil(0.3 n), 200)` long texts (60 to 80 words,
 * at most one word replaced, higher confidence), families of 2 to 12 texts of 20 to 80 words
 * with up to one replaced word per 30, and 10% one-off texts, shuffled. Every family's
 * texts are far above the 0.7 threshold from each other, in MinHash similarity of 3-word
 * shingles as in token Jaccard, and unrelated texts far below, so that both measures give
 * the same consensus cluster.
 */
export function generateResponses(n: number, seed = 1): GeneratedResponses {
  const random = seededRandom(seed);
  const vocabulary = buildVocabulary(random);
  const rows: { text: string; confidence: number; recommendations: string[]; family: number }[] =
    [];
  const consensusSize = Math.min(Math.ceil(n * 0.3), MAX_CONSENSUS_FAMILY, n);
  const loners = Math.floor(n * LONER_SHARE);
  let families = 0;
  const addFamily = (
    size: number,
    minWords: number,
    maxSubstitutionsPer: number,
    minConfidence: number,
  ) => {
    const words = minWords + Math.floor(random() * (81 - minWords));
    const base = baseText(random, vocabulary, words);
    const recommendations = familyRecommendations(random, vocabulary);
    const maxSubstitutions = Math.floor(words / maxSubstitutionsPer);
    for (let i = 0; i < size; i++) {
      const substitutions = Math.floor(random() * (maxSubstitutions + 1));
      rows.push({
        text: render(random, paraphrase(random, vocabulary, base, substitutions)),
        confidence: Math.round((minConfidence + random() * (1 - minConfidence)) * 100) / 100,
        recommendations: memberRecommendations(random, recommendations),
        family: families,
      });
    }
    families++;
  };
  addFamily(consensusSize, 60, 60, 0.5);
  while (rows.length < n - loners) {
    addFamily(
      Math.min(2 + Math.floor(random() * (MAX_FAMILY - 1)), n - loners - rows.length),
      20,
      30,
      0,
    );
  }
  while (rows.length < n) {
    const words = 20 + Math.floor(random() * 61);
    rows.push({
      text: render(random, baseText(random, vocabulary, words)),
      confidence: Math.round(random() * 100) / 100,
      recommendations: random() < 0.5 ? [`Check ${pick(random, vocabulary)}`] : [],
      family: -1,
    });
  }
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  const responses = rows.map((row, i) => ({
    id: `r${i}`,
    text: row.text,
    confidence: row.confidence,
    recommendations: row.recommendations,
  }));
  const consensusIds = rows.flatMap((row, i) => (row.family === 0 ? [`r${i}`] : []));
  return { responses, consensusIds, families };
}
