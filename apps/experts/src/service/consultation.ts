import {
  analyzeConsensus,
  type ConsensusResponse,
  type ConsensusResult,
} from '@breakwater/consensus';
import type { ConsensusAnalyzer } from './consensus-analyzer.js';
import type { ConsultRequest } from './consult.js';
import type { ExpertClient, ExpertContext, ExpertOutcome } from './expert-client.js';
import { ExpertCallError } from './naive-client.js';
import type { PlanStep } from './plan.js';

/** An expert's outcome and the wave it ran in. */
export type ConsultOutcome = ExpertOutcome & {
  /** Index in `waves` of the wave the expert belongs to. */
  readonly wave: number;
};

/** The body of a `POST /v1/consult` answer. */
export interface ConsultReply {
  /** Each expert's outcome, in request order. */
  readonly outcomes: ConsultOutcome[];
  /** The experts of each wave: independent ones first, then those that read earlier answers. */
  readonly waves: readonly (readonly string[])[];
  readonly consensus: ConsensusResult;
}

/** Options of {@link runConsultation}. */
export interface RunOptions {
  /** Ends every call still running. */
  readonly signal: AbortSignal;
  /** Called with each outcome as it arrives (for streaming). */
  readonly onOutcome?: ((outcome: ConsultOutcome) => void) | undefined;
  /** Experts asked at once without a plan (a plan brings its own). @default every expert */
  readonly maxParallel?: number | undefined;
}

/** The steps of a consultation: its plan's, or every expert on its own in wave 0. */
export function stepsOf(consult: ConsultRequest): readonly PlanStep[] {
  return consult.plan?.steps ?? consult.experts.map((expert) => ({ expert, after: [], wave: 0 }));
}

/** The waves of a consultation: its plan's, or one wave of every expert. */
export function wavesOf(consult: ConsultRequest): readonly (readonly string[])[] {
  return consult.plan?.waves ?? [consult.experts.map((e) => e.name)];
}

/**
 * Asks the consultation's experts and returns their outcomes in request order. An expert
 * starts once every expert it waits for has an outcome, and reads the answers of those that
 * answered (a failed dependency leaves it out); never more than `maxParallel` experts are
 * asked at once. Among experts ready to start, earlier waves go first, then request order.
 */
export function runConsultation(
  consult: ConsultRequest,
  client: ExpertClient,
  options: RunOptions,
): Promise<ConsultOutcome[]> {
  const steps = stepsOf(consult);
  const limit = consult.plan?.maxParallel ?? options.maxParallel ?? steps.length;
  const index = new Map(steps.map((s, i) => [s.expert.name, i]));
  const outcomes: (ConsultOutcome | undefined)[] = new Array(steps.length);
  const waiting = steps.map((s) => s.after.length);
  const dependents: number[][] = steps.map(() => []);
  for (const [i, s] of steps.entries()) {
    for (const dep of s.after) dependents[index.get(dep)!]!.push(i);
  }
  const ready: number[] = [];
  for (const [i, w] of waiting.entries()) if (w === 0) ready.push(i);
  let running = 0;
  let done = 0;

  const ask = async (step: PlanStep): Promise<ExpertOutcome> => {
    if (options.signal.aborted) {
      return {
        expert: step.expert.name,
        status: 'timeout',
        latencyMs: 0,
        error: 'deadline exceeded',
      };
    }
    let context: ExpertContext | undefined;
    if (step.after.length > 0) {
      const answers: { expert: string; answer: string }[] = [];
      for (const dep of step.after) {
        const o = outcomes[index.get(dep)!];
        if (o?.status === 'ok') answers.push({ expert: o.expert, answer: o.answer ?? '' });
      }
      context = answers;
    }
    try {
      return await client.ask(step.expert, consult.question, options.signal, context);
    } catch (error) {
      // A client that fails the whole request (the naive mode's) has its error go through.
      if (error instanceof ExpertCallError) throw error;
      return { expert: step.expert.name, status: 'error', latencyMs: 0, error: 'internal error' };
    }
  };

  let failed = false;
  return new Promise((resolve, reject) => {
    const pump = (): void => {
      if (failed) return;
      if (done === steps.length) {
        resolve(outcomes as ConsultOutcome[]);
        return;
      }
      ready.sort((a, b) => steps[a]!.wave - steps[b]!.wave || a - b);
      while (running < limit && ready.length > 0) {
        const i = ready.shift()!;
        const step = steps[i]!;
        running++;
        void ask(step).then(
          (outcome) => {
            const result: ConsultOutcome = { ...outcome, wave: step.wave };
            outcomes[i] = result;
            running--;
            done++;
            for (const d of dependents[i]!) if (--waiting[d]! === 0) ready.push(d);
            try {
              options.onOutcome?.(result);
            } catch {
              // A failing listener (a closed stream) does not stop the consultation.
            }
            pump();
          },
          (error: unknown) => {
            failed = true;
            reject(error);
          },
        );
      }
    };
    pump();
  });
}

/**
 * The consensus of the answers among `outcomes`, on worker threads when `analyzer` says
 * the answers are large enough, else in this thread.
 */
export async function consensusOf(
  outcomes: readonly ExpertOutcome[],
  analyzer?: ConsensusAnalyzer | undefined,
): Promise<ConsensusResult> {
  const responses: ConsensusResponse[] = [];
  for (const o of outcomes) {
    if (o.status === 'ok')
      responses.push({ id: o.expert, text: o.answer ?? '', confidence: o.confidence ?? 0 });
  }
  return analyzer === undefined ? analyzeConsensus(responses) : analyzer.analyze(responses);
}
