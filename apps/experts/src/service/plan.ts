import { describeValue } from '@breakwater/core';
import type { ExpertEndpoint, ServiceConfig } from './config.js';
import { ClientError } from './errors.js';

/** One expert of a plan and the experts whose answers it reads. */
export interface PlanStep {
  readonly expert: ExpertEndpoint;
  /** Names of the experts of the plan this one waits for, in request order. */
  readonly after: readonly string[];
  /** Index of the wave the expert belongs to: 0 without dependencies, else 1 + the latest wave it waits for. */
  readonly wave: number;
}

/** A validated `plan` of a consultation. */
export interface ConsultPlan {
  /** The steps, in request order. */
  readonly steps: readonly PlanStep[];
  /** Experts asked at once, at most. */
  readonly maxParallel: number;
  /** The experts of each wave, in request order. */
  readonly waves: readonly (readonly string[])[];
}

const PLAN_KEYS = new Set(['steps', 'maxParallel']);
const STEP_KEYS = new Set(['expert', 'after']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value of an own property, never one inherited from a prototype. */
function own(value: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(value, key) ? value[key] : undefined;
}

function checkKeys(value: Record<string, unknown>, known: Set<string>, field: string): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) {
      throw new ClientError(
        `Unknown field \`${field}.${key.length > 40 ? `${key.slice(0, 40)}…` : key}\``,
      );
    }
  }
}

/**
 * Validates the `plan` field of a consultation: each step names a configured expert once,
 * `after` names other experts of the plan, the dependencies have no cycle and `maxParallel`
 * is within 1..`config.maxParallel`. Only own keys are read.
 * @throws ClientError naming the field (`plan.steps[1].after[0]`).
 */
export function parsePlan(value: unknown, config: ServiceConfig): ConsultPlan {
  if (!isRecord(value)) {
    throw new ClientError(
      `Expected \`plan\` to be an object \`{ steps, maxParallel? }\`, got ${describeValue(value)}`,
    );
  }
  checkKeys(value, PLAN_KEYS, 'plan');
  const configured = new Map(config.experts.map((e) => [e.name, e]));
  const names = [...configured.keys()].join(', ');
  const steps = own(value, 'steps');
  const most = config.experts.length;
  if (!Array.isArray(steps) || steps.length === 0 || steps.length > most) {
    throw new ClientError(
      `Expected \`plan.steps\` to be an array of 1 to ${most} steps, got ${describeValue(steps)}`,
    );
  }
  let maxParallel = config.maxParallel;
  const rawParallel = own(value, 'maxParallel');
  if (rawParallel !== undefined) {
    if (
      typeof rawParallel !== 'number' ||
      !Number.isInteger(rawParallel) ||
      rawParallel < 1 ||
      rawParallel > config.maxParallel
    ) {
      throw new ClientError(
        `Expected \`plan.maxParallel\` to be an integer >= 1 and <= ${config.maxParallel}, got ${describeValue(rawParallel)}`,
      );
    }
    maxParallel = rawParallel;
  }

  // First the experts, so that `after` can name a step that comes later.
  const endpoints: ExpertEndpoint[] = [];
  const index = new Map<string, number>();
  for (const [i, step] of steps.entries()) {
    const field = `plan.steps[${i}]`;
    if (!isRecord(step)) {
      throw new ClientError(
        `Expected \`${field}\` to be an object \`{ expert, after? }\`, got ${describeValue(step)}`,
      );
    }
    checkKeys(step, STEP_KEYS, field);
    const name = own(step, 'expert');
    const endpoint = typeof name === 'string' ? configured.get(name) : undefined;
    if (typeof name !== 'string' || endpoint === undefined) {
      throw new ClientError(
        `Expected \`${field}.expert\` to be one of ${names}, got ${describeValue(name)}`,
      );
    }
    if (index.has(name)) {
      throw new ClientError(
        `Expected \`${field}.expert\` to name each expert once, got \`${name}\` twice`,
      );
    }
    index.set(name, i);
    endpoints.push(endpoint);
  }

  const inPlan = [...index.keys()].join(', ');
  const after: string[][] = [];
  for (const [i, step] of (steps as Record<string, unknown>[]).entries()) {
    const field = `plan.steps[${i}].after`;
    const raw = own(step, 'after');
    const deps: string[] = [];
    after.push(deps);
    if (raw === undefined) continue;
    // Bounded before it is read; a longer list than the plan allows fails on one of its entries.
    if (!Array.isArray(raw) || raw.length > most) {
      throw new ClientError(
        `Expected \`${field}\` to be an array of at most ${most} experts of the plan, got ${describeValue(raw)}`,
      );
    }
    for (const [j, dep] of raw.entries()) {
      const depField = `${field}[${j}]`;
      if (typeof dep !== 'string' || !index.has(dep)) {
        throw new ClientError(
          `Expected \`${depField}\` to name an expert of the plan (${inPlan}), got ${describeValue(dep)}`,
        );
      }
      if (dep === endpoints[i]!.name) {
        throw new ClientError(
          `Expected \`${depField}\` to name another expert, got \`${dep}\`: a step cannot wait for itself`,
        );
      }
      if (deps.includes(dep)) {
        throw new ClientError(
          `Expected \`${field}\` to name each expert once, got \`${dep}\` twice`,
        );
      }
      deps.push(dep);
    }
  }

  const waveOf = assignWaves(endpoints, after, index);
  const result: PlanStep[] = endpoints.map((expert, i) => ({
    expert,
    after: after[i]!,
    wave: waveOf[i]!,
  }));
  const waves: string[][] = [];
  for (const step of result) {
    while (waves.length <= step.wave) waves.push([]);
    waves[step.wave]!.push(step.expert.name);
  }
  return { steps: result, maxParallel, waves };
}

/**
 * The wave of each step (Kahn's algorithm over the dependencies).
 * @throws ClientError naming the experts of a cycle.
 */
function assignWaves(
  endpoints: readonly ExpertEndpoint[],
  after: readonly (readonly string[])[],
  index: ReadonlyMap<string, number>,
): number[] {
  const n = endpoints.length;
  const waiting = after.map((deps) => deps.length);
  const dependents: number[][] = endpoints.map(() => []);
  for (const [i, deps] of after.entries()) {
    for (const dep of deps) dependents[index.get(dep)!]!.push(i);
  }
  const wave = new Array<number>(n).fill(0);
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (waiting[i] === 0) queue.push(i);
  let placed = 0;
  while (placed < queue.length) {
    const i = queue[placed++]!;
    for (const d of dependents[i]!) {
      wave[d] = Math.max(wave[d]!, wave[i]! + 1);
      if (--waiting[d]! === 0) queue.push(d);
    }
  }
  if (placed < n) {
    // Every step left waits for another step left: walk their dependencies until one repeats.
    const path: number[] = [];
    const seen = new Map<number, number>();
    let at = waiting.findIndex((w) => w > 0);
    while (!seen.has(at)) {
      seen.set(at, path.length);
      path.push(at);
      const next = after[at]!.map((dep) => index.get(dep)!).find((j) => waiting[j]! > 0);
      at = next!;
    }
    const cycle = path.slice(seen.get(at)).map((i) => endpoints[i]!.name);
    throw new ClientError(
      `Expected \`plan.steps\` to have no dependency cycle, got ${[...cycle, cycle[0]].join(' -> ')} (each waits for the next)`,
    );
  }
  return wave;
}
