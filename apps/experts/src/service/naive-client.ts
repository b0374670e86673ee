import type { BreakerState } from '@breakwater/breaker';
import type { ExpertEndpoint, ServiceConfig } from './config.js';
import {
  answerBody,
  type ExpertClient,
  type ExpertContext,
  ExpertFailure,
  type ExpertOutcome,
  ExpertRefusal,
  readAnswer,
} from './expert-client.js';

/** An expert call of the naive client failed: the whole consultation fails with it. */
export class ExpertCallError extends Error {
  readonly expert: string;
  readonly why: string;

  constructor(expert: string, why: string) {
    super(`expert ${expert} failed: ${why}`);
    this.name = 'ExpertCallError';
    this.expert = expert;
    this.why = why;
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/**
 * The client of `MODE=naive`: one plain global `fetch` per expert, bounded only by the
 * request's deadline signal; no breaker, retry, bulkhead, quota or connection bound. A
 * failed call rejects with {@link ExpertCallError}, so a consultation that awaits its
 * experts together fails as soon as one of them does.
 */
export class NaiveExpertClient implements ExpertClient {
  readonly #config: ServiceConfig;

  constructor(config: ServiceConfig) {
    this.#config = config;
  }

  /**
   * Asks one expert. @throws ExpertCallError when it answers with an error or a malformed
   * answer, cannot be reached, or the deadline passes first.
   */
  async ask(
    expert: ExpertEndpoint,
    question: string,
    signal: AbortSignal,
    context?: ExpertContext | undefined,
  ): Promise<ExpertOutcome> {
    const started = performance.now();
    try {
      const response = await fetch(`${expert.url}/v1/answer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: answerBody(question, context),
        signal,
      });
      const { answer, confidence } = readAnswer(response.status, await response.text());
      const latencyMs = Math.round(performance.now() - started);
      return { expert: expert.name, status: 'ok', answer, confidence, latencyMs };
    } catch (error) {
      let why = 'unreachable';
      if (error instanceof ExpertFailure || error instanceof ExpertRefusal) why = error.message;
      else if (signal.aborted || isAbort(error)) why = 'deadline exceeded';
      throw new ExpertCallError(expert.name, why);
    }
  }

  /** No breakers in naive mode: always empty. */
  breakerStates(): Map<string, BreakerState> {
    return new Map();
  }

  /** Names of the experts that do not answer their `/health` within `READY_TIMEOUT_MS`. */
  async unhealthy(): Promise<string[]> {
    const experts = this.#config.experts;
    const results = await Promise.all(
      experts.map(async (e) => {
        try {
          const response = await fetch(`${e.url}/health`, {
            signal: AbortSignal.timeout(this.#config.readyTimeoutMs),
          });
          await response.arrayBuffer();
          return response.ok;
        } catch {
          return false;
        }
      }),
    );
    return experts.filter((_, i) => !results[i]).map((e) => e.name);
  }

  /** Nothing to release. */
  async close(): Promise<void> {}
}
