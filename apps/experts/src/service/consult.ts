import type { ExpertEndpoint, ServiceConfig } from './config.js';
import { DEADLINE_RANGE_MS } from './config.js';
import { ClientError } from './errors.js';

/** Longest question accepted, in characters. */
export const MAX_QUESTION_CHARS = 4000;

/** A validated `POST /v1/consult` body. */
export interface ConsultRequest {
  question: string;
  experts: ExpertEndpoint[];
  deadlineMs: number;
}

const CONSULT_KEYS = new Set(['question', 'experts', 'deadlineMs']);

/** Validates a `POST /v1/consult` body. @throws ClientError naming the field. */
export function parseConsult(body: unknown, config: ServiceConfig): ConsultRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ClientError('Expected the body to be a JSON object');
  }
  for (const key of Object.keys(body)) {
    if (!CONSULT_KEYS.has(key)) throw new ClientError(`Unknown field \`${key}\``);
  }
  const { question, experts, deadlineMs } = body as Record<string, unknown>;
  if (
    typeof question !== 'string' ||
    question.trim().length === 0 ||
    question.length > MAX_QUESTION_CHARS
  ) {
    throw new ClientError(
      `Expected \`question\` to be a non-blank string of at most ${MAX_QUESTION_CHARS} characters`,
    );
  }
  let selected: ExpertEndpoint[] = [...config.experts];
  if (experts !== undefined) {
    const names = config.experts.map((e) => e.name);
    if (!Array.isArray(experts) || experts.length === 0) {
      throw new ClientError(
        `Expected \`experts\` to be a non-empty array of names among ${names.join(', ')}`,
      );
    }
    const seen = new Set<string>();
    selected = [];
    for (const [i, name] of experts.entries()) {
      const endpoint = config.experts.find((e) => e.name === name);
      if (typeof name !== 'string' || endpoint === undefined) {
        throw new ClientError(`Expected \`experts[${i}]\` to be one of ${names.join(', ')}`);
      }
      if (seen.has(name))
        throw new ClientError(
          `Expected \`experts\` to name each expert once, got \`${name}\` twice`,
        );
      seen.add(name);
      selected.push(endpoint);
    }
  }
  let deadline = config.defaultDeadlineMs;
  if (deadlineMs !== undefined) {
    if (
      typeof deadlineMs !== 'number' ||
      !Number.isInteger(deadlineMs) ||
      deadlineMs < DEADLINE_RANGE_MS.min ||
      deadlineMs > DEADLINE_RANGE_MS.max
    ) {
      throw new ClientError(
        `Expected \`deadlineMs\` to be an integer >= ${DEADLINE_RANGE_MS.min} and <= ${DEADLINE_RANGE_MS.max}`,
      );
    }
    deadline = deadlineMs;
  }
  return { question, experts: selected, deadlineMs: deadline };
}
