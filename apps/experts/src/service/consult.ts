import type { ExpertEndpoint, ServiceConfig } from './config.js';
import { DEADLINE_RANGE_MS } from './config.js';
import { ClientError } from './errors.js';
import { type ConsultPlan, parsePlan } from './plan.js';

/** Longest question accepted, in characters. */
export const MAX_QUESTION_CHARS = 4000;

/** A validated `POST /v1/consult` body. */
export interface ConsultRequest {
  question: string;
  experts: ExpertEndpoint[];
  deadlineMs: number;
  /** The experts' dependencies and parallelism, when the request has a `plan`. */
  plan?: ConsultPlan | undefined;
}

const CONSULT_KEYS = new Set(['question', 'experts', 'deadlineMs', 'plan']);

/** Validates a `POST /v1/consult` body. @throws ClientError naming the field. */
export function parseConsult(body: unknown, config: ServiceConfig): ConsultRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ClientError('Expected the body to be a JSON object');
  }
  for (const key of Object.keys(body)) {
    if (!CONSULT_KEYS.has(key)) {
      throw new ClientError(`Unknown field \`${key.length > 40 ? `${key.slice(0, 40)}…` : key}\``);
    }
  }
  const fields = body as Record<string, unknown>;
  const own = (key: string): unknown => (Object.hasOwn(fields, key) ? fields[key] : undefined);
  const question = own('question');
  const experts = own('experts');
  const deadlineMs = own('deadlineMs');
  const rawPlan = own('plan');
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
  let plan: ConsultPlan | undefined;
  if (rawPlan !== undefined) {
    if (experts !== undefined) {
      throw new ClientError(
        'Expected either `experts` or `plan`, not both: a plan selects its experts',
      );
    }
    plan = parsePlan(rawPlan, config);
    selected = plan.steps.map((s) => s.expert);
  } else if (experts !== undefined) {
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
  return plan === undefined
    ? { question, experts: selected, deadlineMs: deadline }
    : { question, experts: selected, deadlineMs: deadline, plan };
}
