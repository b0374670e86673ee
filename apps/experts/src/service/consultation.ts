import {
  analyzeConsensus,
  type ConsensusResponse,
  type ConsensusResult,
} from '@breakwater/consensus';
import type { ConsultRequest } from './consult.js';
import type { ExpertClient, ExpertOutcome } from './expert-client.js';

/** The body of a `POST /v1/consult` answer. */
export interface ConsultReply {
  readonly outcomes: ExpertOutcome[];
  readonly consensus: ConsensusResult;
}

/** Options of {@link runConsultation}. */
export interface RunOptions {
  /** Ends every call still running. */
  readonly signal: AbortSignal;
  /** Called with each outcome as it arrives (for streaming). */
  readonly onOutcome?: ((outcome: ExpertOutcome) => void) | undefined;
}

/** Asks the consultation's experts and returns their outcomes in request order. */
export async function runConsultation(
  consult: ConsultRequest,
  client: ExpertClient,
  options: RunOptions,
): Promise<ExpertOutcome[]> {
  return Promise.all(
    consult.experts.map(async (e) => {
      const outcome = await client.ask(e, consult.question, options.signal);
      options.onOutcome?.(outcome);
      return outcome;
    }),
  );
}

/** The consensus of the answers among `outcomes`. */
export async function consensusOf(outcomes: readonly ExpertOutcome[]): Promise<ConsensusResult> {
  const responses: ConsensusResponse[] = [];
  for (const o of outcomes) {
    if (o.status === 'ok')
      responses.push({ id: o.expert, text: o.answer ?? '', confidence: o.confidence ?? 0 });
  }
  return analyzeConsensus(responses);
}
