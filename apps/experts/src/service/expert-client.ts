import { type BreakerState, CircuitBreaker, isBreakerOpenError } from '@breakwater/breaker';
import type { ExpertEndpoint, ServiceConfig } from './config.js';

/** What happened when one expert was asked. */
export interface ExpertOutcome {
  readonly expert: string;
  readonly status: 'ok' | 'error' | 'timeout' | 'fallback';
  /** Why no expert was called (`'breaker open'`), for a `fallback` outcome. */
  readonly reason?: string;
  readonly answer?: string;
  readonly confidence?: number;
  readonly latencyMs: number;
  readonly error?: string;
}

/** Options of every expert's circuit breaker (see the README). */
export const BREAKER_OPTIONS = Object.freeze({
  failureRateThreshold: 0.5,
  minimumCalls: 5,
  windowSize: 10,
  openDurationMs: 30_000,
  permittedCallsInHalfOpen: 1,
});

/** Every state a breaker can be in. */
export const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half-open'];

/** A failed answer, counted as a failure by the expert's breaker. */
class ExpertFailure extends Error {}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** Earlier answers a dependent expert reads (its plan's dependencies). */
export type ExpertContext = readonly { readonly expert: string; readonly answer: string }[];

async function askExpert(
  expert: ExpertEndpoint,
  breaker: CircuitBreaker,
  question: string,
  signal: AbortSignal,
  context: ExpertContext | undefined,
): Promise<ExpertOutcome> {
  const started = performance.now();
  const latency = (): number => Math.round(performance.now() - started);
  try {
    return await breaker.execute(
      ({ signal: callSignal }) => callExpert(expert, question, context, callSignal, latency),
      {
        signal,
      },
    );
  } catch (error) {
    if (isBreakerOpenError(error)) {
      return { expert: expert.name, status: 'fallback', reason: 'breaker open', latencyMs: 0 };
    }
    if (error instanceof ExpertFailure) {
      return { expert: expert.name, status: 'error', latencyMs: latency(), error: error.message };
    }
    if (isTimeout(error) || signal.aborted) {
      return {
        expert: expert.name,
        status: 'timeout',
        latencyMs: latency(),
        error: 'deadline exceeded',
      };
    }
    return { expert: expert.name, status: 'error', latencyMs: latency(), error: 'unreachable' };
  }
}

async function callExpert(
  expert: ExpertEndpoint,
  question: string,
  context: ExpertContext | undefined,
  signal: AbortSignal,
  latency: () => number,
): Promise<ExpertOutcome> {
  const response = await fetch(`${expert.url}/v1/answer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(context === undefined ? { question } : { question, context }),
    signal,
  });
  const text = await response.text();
  if (!response.ok) throw new ExpertFailure(`HTTP ${response.status}`);
  let json: { answer?: unknown; confidence?: unknown };
  try {
    json = JSON.parse(text) as { answer?: unknown; confidence?: unknown };
  } catch {
    throw new ExpertFailure('malformed answer');
  }
  const { answer, confidence } = json;
  if (
    typeof answer !== 'string' ||
    typeof confidence !== 'number' ||
    !(confidence >= 0 && confidence <= 1)
  ) {
    throw new ExpertFailure('malformed answer');
  }
  return { expert: expert.name, status: 'ok', answer, confidence, latencyMs: latency() };
}

async function checkHealth(expert: ExpertEndpoint, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(`${expert.url}/health`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** Options of {@link ExpertClient}. */
export interface ExpertClientOptions {
  /** Clock of the circuit breakers, in milliseconds. @default performance.now */
  breakerClock?: { now(): number } | undefined;
}

/** Asks experts, each call guarded by that expert's circuit breaker. */
export class ExpertClient {
  readonly #config: ServiceConfig;
  readonly #breakers = new Map<string, CircuitBreaker>();

  constructor(config: ServiceConfig, options: ExpertClientOptions = {}) {
    this.#config = config;
    for (const e of config.experts) {
      this.#breakers.set(
        e.name,
        new CircuitBreaker({
          name: e.name,
          failureRateThreshold: BREAKER_OPTIONS.failureRateThreshold,
          minimumCalls: BREAKER_OPTIONS.minimumCalls,
          window: { type: 'count', size: BREAKER_OPTIONS.windowSize },
          openDurationMs: BREAKER_OPTIONS.openDurationMs,
          permittedCallsInHalfOpen: BREAKER_OPTIONS.permittedCallsInHalfOpen,
          ...(options.breakerClock === undefined ? {} : { clock: options.breakerClock }),
        }),
      );
    }
  }

  /**
   * Asks one expert (with the answers it depends on, if any); never rejects: every failure
   * is an outcome.
   */
  ask(
    expert: ExpertEndpoint,
    question: string,
    signal: AbortSignal,
    context?: ExpertContext | undefined,
  ): Promise<ExpertOutcome> {
    const breaker = this.#breakers.get(expert.name);
    if (breaker === undefined) throw new Error(`Unknown expert ${expert.name}`);
    return askExpert(expert, breaker, question, signal, context);
  }

  /** Current breaker state of every expert. */
  breakerStates(): Map<string, BreakerState> {
    const states = new Map<string, BreakerState>();
    for (const [name, breaker] of this.#breakers) states.set(name, breaker.state);
    return states;
  }

  /** Whether every expert answers its `/health`. */
  async unhealthy(): Promise<string[]> {
    const experts = this.#config.experts;
    const results = await Promise.all(
      experts.map((e) => checkHealth(e, this.#config.readyTimeoutMs)),
    );
    return experts.filter((_, i) => !results[i]).map((e) => e.name);
  }

  /** Releases what the client holds. */
  async close(): Promise<void> {}
}
