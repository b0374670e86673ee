import { hashText } from './random.js';

/** What `POST /v1/answer` returns. */
export interface ExpertAnswer {
  /** Name of the expert that answered. */
  expert: string;
  /** The answer text: the same for the same question and opinion. */
  answer: string;
  /** How sure the expert is, from 0 to 1. */
  confidence: number;
  /** Follow-up recommendations, one to three. */
  recommendations: string[];
}

const STANCES = [
  'favours caching the result close to the caller',
  'favours failing fast behind a circuit breaker',
  'favours batching the calls and accepting a short delay',
  'favours limiting the request rate at the edge',
  'favours a bounded pool with queueing and timeouts',
  'favours retrying with exponential backoff and jitter',
  'favours coalescing identical requests in flight',
] as const;

const ACTIONS = [
  'measure the p99 latency before and after the change',
  'add a timeout to every remote call',
  'load-test with twice the expected peak',
  'alert on the error rate rather than on single failures',
  'document the fallback behaviour for operators',
  'keep the change behind a flag for one release',
  'record the decision and its trade-offs',
] as const;

/** An earlier answer an expert reviews. */
export interface ReviewedAnswer {
  /** Name of the expert that gave it. */
  expert: string;
  /** Its text. */
  answer: string;
}

/**
 * The answer an expert of opinion group `opinion` gives to `question`. Deterministic: the
 * text depends only on the question (trimmed, case-folded) and the opinion, so experts of
 * one group agree word for word and experts of two groups give different texts. With a
 * `context` (the earlier answers it reviews), the answer ends by saying how many it
 * reviewed and from whom, in the order given.
 */
export function composeAnswer(
  expert: string,
  opinion: number,
  question: string,
  context?: readonly ReviewedAnswer[] | undefined,
): ExpertAnswer {
  const topic = hashText(question.trim().toLowerCase());
  const mixed = hashText(`${opinion}:${topic}`);
  const stance = STANCES[(topic + opinion) % STANCES.length]!;
  const first = mixed % ACTIONS.length;
  const count = 1 + ((mixed >>> 8) % 3);
  const recommendations: string[] = [];
  for (let i = 0; i < count; i++) recommendations.push(ACTIONS[(first + i) % ACTIONS.length]!);
  const reviewed =
    context === undefined
      ? ''
      : ` Reviewed ${context.length} ${context.length === 1 ? 'answer' : 'answers'}${
          context.length === 0 ? '' : ` (${context.map((c) => c.expert).join(', ')})`
        }.`;
  return {
    expert,
    answer: `School ${opinion} ${stance} (question ${topic.toString(16).padStart(8, '0')}).${reviewed}`,
    confidence: 0.5 + ((mixed >>> 16) % 46) / 100,
    recommendations,
  };
}
