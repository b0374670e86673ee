import { setMaxListeners } from 'node:events';
import {
  type BreakerState,
  type BulkheadPolicy,
  bulkhead,
  CircuitBreaker,
  type ExecuteOptions,
  isBreakerOpenError,
  isBulkheadClosedError,
  isBulkheadRejectedError,
  isOperationTimeoutError,
  type Operation,
  retry,
  wrap,
} from '@breakwater/breaker';
import { FleetCircuitBreaker, isFleetBreakerClosedError } from '@breakwater/breaker/redis';
import { Cache } from '@breakwater/cache';
import { isRateLimiterClosedError, RateLimiter } from '@breakwater/limiter';
import type { Counter, Registry } from '@breakwater/metrics';
import { Agent, request } from 'undici';
import type { ExpertEndpoint, ServiceConfig } from './config.js';
import type { RedisLink, RedisLinkLogger } from './redis-link.js';
import type { SharedMode } from './shared-state.js';

/** Why an expert gave a `fallback` outcome. */
export type FallbackReason =
  | 'breaker open'
  | 'bulkhead full'
  | 'provider quota'
  | 'retries exhausted';

/** Every fallback reason, in the order the README lists them. */
export const FALLBACK_REASONS: readonly FallbackReason[] = [
  'breaker open',
  'bulkhead full',
  'provider quota',
  'retries exhausted',
];

/** What happened when one expert was asked. */
export interface ExpertOutcome {
  readonly expert: string;
  /**
   * `ok`: an attempt answered. `fallback`: no answer, for `reason`. `timeout`: the
   * request's deadline ended the call first. `error`: the expert refused the question
   * (HTTP 4xx other than 408 and 429), or the client was closed.
   */
  readonly status: 'ok' | 'error' | 'timeout' | 'fallback';
  /** Why there is no fresh answer, for a `fallback` outcome. */
  readonly reason?: FallbackReason;
  readonly answer?: string;
  readonly confidence?: number;
  /** True when `answer` is the expert's last good answer to this question, not a new one. */
  readonly stale?: boolean;
  /** Requests sent to the expert for this call (retries included). */
  readonly attempts?: number;
  readonly latencyMs: number;
  readonly error?: string;
}

/** Options of every expert's circuit breaker (see the README). */
export const BREAKER_OPTIONS = Object.freeze({
  failureRateThreshold: 0.5,
  minimumCalls: 5,
  windowSize: 10,
  permittedCallsInHalfOpen: 1,
});

/**
 * Options of every expert's breaker shared through Redis: the same threshold over a time
 * window of the fleet's calls (a fleet breaker counts in time buckets, not per call).
 */
export const FLEET_BREAKER_OPTIONS = Object.freeze({
  failureRateThreshold: BREAKER_OPTIONS.failureRateThreshold,
  minimumCalls: BREAKER_OPTIONS.minimumCalls,
  windowMs: 10_000,
  buckets: 10,
  permittedCallsInHalfOpen: BREAKER_OPTIONS.permittedCallsInHalfOpen,
  /** How often each instance pushes its outcomes and reads the fleet's state, in ms. */
  syncIntervalMs: 200,
});

/** Keys of the shared breakers, after `REDIS_PREFIX` (then `{<expert>}:…`). */
export const BREAKER_KEY_PREFIX = 'breaker:';

/** Wait before retry n: 50 ms × 2^(n−1), at most 1 s, up to half of it taken off at random. */
export const RETRY_BACKOFF = Object.freeze({
  type: 'exponential',
  initialDelayMs: 50,
  maxDelayMs: 1000,
  multiplier: 2,
  jitter: 0.5,
} as const);

/** A retry starts only if the deadline leaves its longest wait plus this much for the attempt. */
export const MIN_ATTEMPT_MS = 50;

/** Last good answers kept per expert (question → answer), served stale by a fallback. */
export const STALE_ANSWERS_PER_EXPERT = 256;

/** Largest answer body read from an expert, in bytes. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** Every state a breaker can be in. */
export const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half-open'];

/** Earlier answers a dependent expert reads (its plan's dependencies). */
export type ExpertContext = readonly { readonly expert: string; readonly answer: string }[];

/** What the service needs of an expert client, resilient or naive. */
export interface ExpertClient {
  /** Asks one expert (with the answers it depends on, if any). */
  ask(
    expert: ExpertEndpoint,
    question: string,
    signal: AbortSignal,
    context?: ExpertContext | undefined,
  ): Promise<ExpertOutcome>;
  /** Current breaker state of every expert (empty without breakers). */
  breakerStates(): Map<string, BreakerState>;
  /** Where the breakers decide when they are shared through Redis (see the resilient client). */
  sharedMode?(): SharedMode | undefined;
  /** Names of the experts that do not answer their `/health`. */
  unhealthy(): Promise<string[]>;
  /** Releases what the client holds. */
  close(): Promise<void>;
}

/** A failed attempt (5xx, 408, 429, malformed answer): retried and counted by the breaker. */
export class ExpertFailure extends Error {}

/** The expert refused the question (another 4xx): neither retried nor counted. */
export class ExpertRefusal extends Error {}

/** The expert's provider quota is used up for now. */
class ProviderQuotaError extends Error {}

const deadlines = new WeakMap<AbortSignal, number>();

/**
 * `AbortSignal.timeout(ms)` whose deadline the resilient client can read: it then bounds
 * each attempt's timeout and starts a retry only when the deadline leaves room for it.
 * With any other signal, attempts get `EXPERT_TIMEOUT_MS` and retries go on until it aborts.
 */
export function deadlineSignal(ms: number): AbortSignal {
  const signal = AbortSignal.timeout(ms);
  // Every call under the deadline listens to it (up to MAX_PARALLEL experts, their retries).
  setMaxListeners(0, signal);
  deadlines.set(signal, performance.now() + ms);
  return signal;
}

/** Sends `question` to `/v1/answer` and reads a valid answer. */
export function answerBody(question: string, context: ExpertContext | undefined): string {
  return JSON.stringify(context === undefined ? { question } : { question, context });
}

/**
 * Reads an expert's reply. @throws ExpertFailure for a 5xx, 408, 429 or a malformed
 * answer; ExpertRefusal for another non-2xx status.
 */
export function readAnswer(status: number, text: string): { answer: string; confidence: number } {
  if (status < 200 || status > 299) {
    if (status >= 500 || status === 408 || status === 429) {
      throw new ExpertFailure(`HTTP ${status}`);
    }
    throw new ExpertRefusal(`HTTP ${status}`);
  }
  let json: { answer?: unknown; confidence?: unknown };
  try {
    json = JSON.parse(text) as { answer?: unknown; confidence?: unknown };
  } catch {
    throw new ExpertFailure('malformed answer');
  }
  const { answer, confidence } = json ?? {};
  if (
    typeof answer !== 'string' ||
    typeof confidence !== 'number' ||
    !(confidence >= 0 && confidence <= 1)
  ) {
    throw new ExpertFailure('malformed answer');
  }
  return { answer, confidence };
}

/** Whether an error is a failed attempt: retried, and counted by the expert's breaker. */
function isAttemptFailure(error: unknown): boolean {
  if (isOperationTimeoutError(error) || error instanceof ExpertFailure) return true;
  if (
    error instanceof ExpertRefusal ||
    error instanceof ProviderQuotaError ||
    isBreakerOpenError(error) ||
    isBulkheadRejectedError(error) ||
    isBulkheadClosedError(error) ||
    isFleetBreakerClosedError(error) ||
    isRateLimiterClosedError(error)
  ) {
    return false;
  }
  // An abort is the caller's (the request's deadline), never the expert's fault.
  return !(
    error instanceof Error &&
    (error.name === 'AbortError' || error.name === 'TimeoutError')
  );
}

function describeFailure(error: unknown): string {
  if (isOperationTimeoutError(error)) return `attempt timed out after ${error.timeoutMs} ms`;
  if (error instanceof ExpertFailure) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return 'answer too large';
  return 'unreachable';
}

/** The longest wait `RETRY_BACKOFF` can draw before retry `n`. */
function longestWait(n: number): number {
  const b = RETRY_BACKOFF;
  return Math.min(b.maxDelayMs, b.initialDelayMs * b.multiplier ** (n - 1));
}

interface Guarded {
  readonly endpoint: ExpertEndpoint;
  readonly breaker: CircuitBreaker | FleetCircuitBreaker;
  readonly bulkhead: BulkheadPolicy;
  readonly agent: Agent;
  readonly answers: Cache<string, { answer: string; confidence: number }>;
  /** The latest failed attempt at this expert. */
  lastFailure: string | undefined;
}

/** What one call has done so far. */
interface CallState {
  /** Requests sent to the expert. */
  attempts: number;
  /** Attempts started, refused ones included. */
  tries: number;
  /** This call's latest failed attempt. */
  failure: string | undefined;
}

interface ClientMetrics {
  readonly retries: Counter<'expert'>;
  readonly fallbacks: Counter<'expert' | 'reason'>;
  readonly limit: Counter<'expert' | 'decision'>;
}

/** Options of {@link ExpertClient}. */
export interface ExpertClientOptions {
  /** Clock of the circuit breakers, in milliseconds. @default performance.now */
  breakerClock?: { now(): number } | undefined;
  /** Clock of the per-expert provider quotas. @default `breakerClock`, else performance.now */
  quotaClock?: { now(): number } | undefined;
  /** Where the client's metrics go. @default none */
  registry?: Registry | undefined;
  /**
   * Shares each expert's breaker with every instance through Redis; while Redis cannot
   * answer, each instance's breaker decides alone. @default none: breakers in this process
   */
  redis?: RedisLink | undefined;
  /** Where the switches to local breakers and back are logged. @default none */
  log?: RedisLinkLogger | undefined;
}

/**
 * Asks experts through a guard per expert: retries with backoff inside the request's
 * deadline around a circuit breaker, a bulkhead, the provider quota and a per-attempt
 * timeout, over a bounded pool of keep-alive connections; every refusal or exhausted
 * retry is a `fallback` outcome, with the expert's last good answer when it has one.
 *
 * With a Redis link each expert's breaker is the fleet's ({@link FLEET_BREAKER_OPTIONS}): an
 * opening on one instance reaches the others within the sync interval; while Redis cannot
 * answer each instance's breaker goes on alone from the fleet's last known state.
 */
export class ResilientExpertClient implements ExpertClient {
  readonly #config: ServiceConfig;
  readonly #experts = new Map<string, Guarded>();
  readonly #quota: RateLimiter;
  readonly #metrics: ClientMetrics | undefined;
  readonly #unsubscribe: (() => void)[] = [];

  constructor(config: ServiceConfig, options: ExpertClientOptions = {}) {
    this.#config = config;
    const quotaClock = options.quotaClock ?? options.breakerClock;
    this.#quota = new RateLimiter({
      limits: { limit: config.expertLimitPerSecond, windowMs: 1000 },
      ...(quotaClock === undefined ? {} : { clock: quotaClock }),
    });
    for (const e of config.experts) {
      this.#experts.set(e.name, {
        endpoint: e,
        breaker:
          options.redis === undefined
            ? new CircuitBreaker({
                name: e.name,
                failureRateThreshold: BREAKER_OPTIONS.failureRateThreshold,
                minimumCalls: BREAKER_OPTIONS.minimumCalls,
                window: { type: 'count', size: BREAKER_OPTIONS.windowSize },
                openDurationMs: config.breakerOpenMs,
                permittedCallsInHalfOpen: BREAKER_OPTIONS.permittedCallsInHalfOpen,
                isFailure: isAttemptFailure,
                ...(options.breakerClock === undefined ? {} : { clock: options.breakerClock }),
              })
            : this.#fleetBreaker(e.name, options.redis, options),
        bulkhead: bulkhead({ maxConcurrent: config.expertConcurrency, maxQueue: 0 }),
        agent: new Agent({
          connections: config.expertConnections,
          maxResponseSize: MAX_ANSWER_BYTES,
        }),
        answers: new Cache({ max: STALE_ANSWERS_PER_EXPERT }),
        lastFailure: undefined,
      });
    }
    this.#metrics = options.registry === undefined ? undefined : this.#register(options.registry);
  }

  /** The breaker of expert `name` shared by every instance, logging its switches. */
  #fleetBreaker(name: string, redis: RedisLink, options: ExpertClientOptions): FleetCircuitBreaker {
    const f = FLEET_BREAKER_OPTIONS;
    const breaker = new FleetCircuitBreaker({
      redis: redis.client,
      name,
      prefix: `${this.#config.redisPrefix}${BREAKER_KEY_PREFIX}`,
      failureRateThreshold: f.failureRateThreshold,
      minimumCalls: f.minimumCalls,
      window: { type: 'time', durationMs: f.windowMs, buckets: f.buckets },
      openDurationMs: this.#config.breakerOpenMs,
      permittedCallsInHalfOpen: f.permittedCallsInHalfOpen,
      syncIntervalMs: f.syncIntervalMs,
      isFailure: isAttemptFailure,
      ...(options.breakerClock === undefined ? {} : { clock: options.breakerClock }),
    });
    const log = options.log;
    this.#unsubscribe.push(
      breaker.onModeChange((event) => {
        if (event.mode === 'local') {
          log?.warn(
            { primitive: 'breaker', expert: name, reason: event.reason, state: breaker.state },
            'breaker decided locally',
          );
        } else {
          log?.info(
            { primitive: 'breaker', expert: name, reason: event.reason, state: breaker.state },
            'breaker shared through Redis again',
          );
        }
      }),
    );
    return breaker;
  }

  #register(registry: Registry): ClientMetrics {
    const experts = this.#experts.size;
    registry.gauge({
      name: 'experts_expert_in_flight',
      help: 'Requests in flight to each expert (bounded by EXPERT_CONCURRENCY).',
      labelNames: ['expert'],
      maxLabelValues: { expert: experts },
      collect: (gauge) => {
        for (const [name, g] of this.#experts) {
          gauge.set({ expert: name }, g.bulkhead.stats().running);
        }
      },
    });
    return {
      retries: registry.counter({
        name: 'experts_expert_retries_total',
        help: 'Attempts at an expert after a failed one, by expert.',
        labelNames: ['expert'],
        maxLabelValues: { expert: experts },
      }),
      fallbacks: registry.counter({
        name: 'experts_expert_fallbacks_total',
        help: 'Fallback outcomes, by expert and reason.',
        labelNames: ['expert', 'reason'],
        maxLabelValues: { expert: experts, reason: FALLBACK_REASONS.length },
      }),
      limit: registry.counter({
        name: 'experts_expert_limit_total',
        help: 'Provider quota decisions before each request to an expert, by expert.',
        labelNames: ['expert', 'decision'],
        maxLabelValues: { expert: experts, decision: 2 },
      }),
    };
  }

  /**
   * Asks one expert (with the answers it depends on, if any); never rejects: every failure
   * is an outcome.
   */
  async ask(
    expert: ExpertEndpoint,
    question: string,
    signal: AbortSignal,
    context?: ExpertContext | undefined,
  ): Promise<ExpertOutcome> {
    const g = this.#experts.get(expert.name);
    if (g === undefined) throw new Error(`Unknown expert ${expert.name}`);
    const started = performance.now();
    const call: CallState = { attempts: 0, tries: 0, failure: undefined };
    try {
      const { answer, confidence } = await this.#policy(g, call, signal).execute(
        ({ signal: attemptSignal }) => {
          this.#takeQuota(g.endpoint.name);
          call.attempts++;
          return this.#call(g, question, context, attemptSignal);
        },
        { signal },
      );
      g.answers.set(question, { answer, confidence });
      return {
        expert: g.endpoint.name,
        status: 'ok',
        answer,
        confidence,
        attempts: call.attempts,
        latencyMs: Math.round(performance.now() - started),
      };
    } catch (error) {
      return this.#failed(g, question, call, signal, error, started);
    }
  }

  /**
   * The guard of one call: retries within the deadline around the breaker, the bulkhead
   * and (in the operation) the provider quota.
   */
  #policy(g: Guarded, call: CallState, signal: AbortSignal) {
    const deadlineAt = deadlines.get(signal);
    const { expertTimeoutMs, expertRetries } = this.#config;
    const breaker = {
      // Each attempt gets EXPERT_TIMEOUT_MS when the deadline is further away; otherwise
      // the deadline itself ends it, as the caller's abort (which the breaker does not count).
      execute: <T>(fn: Operation<T>, options?: ExecuteOptions): Promise<T> => {
        call.tries++;
        if (call.tries > 1) this.#metrics?.retries.inc({ expert: g.endpoint.name });
        const left =
          deadlineAt === undefined ? Number.POSITIVE_INFINITY : deadlineAt - performance.now();
        return g.breaker
          .execute(fn, {
            signal: options?.signal,
            timeoutMs: expertTimeoutMs < left ? expertTimeoutMs : undefined,
          })
          .catch((error: unknown) => {
            if (isAttemptFailure(error) && !signal.aborted) {
              call.failure = describeFailure(error);
              g.lastFailure = call.failure;
            }
            throw error;
          });
      },
    };
    return wrap(
      retry({
        maxAttempts: expertRetries + 1,
        backoff: RETRY_BACKOFF,
        shouldRetry: (error, n) =>
          isAttemptFailure(error) &&
          (deadlineAt === undefined ||
            deadlineAt - performance.now() >= longestWait(n) + MIN_ATTEMPT_MS),
      }),
      breaker,
      g.bulkhead,
    );
  }

  /** The outcome of a call that ended without an answer. */
  #failed(
    g: Guarded,
    question: string,
    call: CallState,
    signal: AbortSignal,
    error: unknown,
    started: number,
  ): ExpertOutcome {
    const base = {
      expert: g.endpoint.name,
      ...(call.attempts > 0 ? { attempts: call.attempts } : {}),
      latencyMs: Math.round(performance.now() - started),
    };
    if (signal.aborted) {
      const deadline = (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
      return { ...base, status: 'timeout', error: deadline ? 'deadline exceeded' : 'cancelled' };
    }
    if (error instanceof ExpertRefusal) return { ...base, status: 'error', error: error.message };
    let reason: FallbackReason;
    let refusal: string;
    if (isBreakerOpenError(error)) {
      reason = 'breaker open';
      refusal = `breaker ${error.state}`;
    } else if (isBulkheadRejectedError(error)) {
      reason = 'bulkhead full';
      refusal = `${error.running} requests in flight`;
    } else if (error instanceof ProviderQuotaError) {
      reason = 'provider quota';
      refusal = error.message;
    } else if (isAttemptFailure(error)) {
      reason = 'retries exhausted';
      refusal = describeFailure(error);
    } else {
      return { ...base, status: 'error', error: 'client closed' };
    }
    this.#metrics?.fallbacks.inc({ expert: g.endpoint.name, reason });
    const last = g.answers.get(question);
    return {
      ...base,
      status: 'fallback',
      reason,
      ...(last === undefined ? {} : { ...last, stale: true }),
      error: call.failure ?? g.lastFailure ?? refusal,
    };
  }

  #takeQuota(name: string): void {
    const result = this.#quota.consume(name);
    this.#metrics?.limit.inc({ expert: name, decision: result.allowed ? 'allowed' : 'limited' });
    if (!result.allowed) {
      throw new ProviderQuotaError(`provider quota used up, retry in ${result.retryAfterMs} ms`);
    }
  }

  async #call(
    g: Guarded,
    question: string,
    context: ExpertContext | undefined,
    signal: AbortSignal,
  ): Promise<{ answer: string; confidence: number }> {
    const response = await request(`${g.endpoint.url}/v1/answer`, {
      dispatcher: g.agent,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: answerBody(question, context),
      signal,
    });
    const text = await response.body.text();
    return readAnswer(response.statusCode, text);
  }

  /** Current breaker state of every expert. */
  breakerStates(): Map<string, BreakerState> {
    const states = new Map<string, BreakerState>();
    for (const [name, g] of this.#experts) states.set(name, g.breaker.state);
    return states;
  }

  /**
   * Where the breakers decide: `redis` (shared by every instance), `local` when any of them
   * decides alone (Redis cannot answer), `undefined` when they are not shared.
   */
  sharedMode(): SharedMode | undefined {
    let mode: SharedMode | undefined;
    for (const g of this.#experts.values()) {
      if (!(g.breaker instanceof FleetCircuitBreaker)) return undefined;
      if (g.breaker.mode === 'local') return 'local';
      mode = 'redis';
    }
    return mode;
  }

  /** Names of the experts that do not answer their `/health` within `READY_TIMEOUT_MS`. */
  async unhealthy(): Promise<string[]> {
    const experts = [...this.#experts.values()];
    const timeoutMs = this.#config.readyTimeoutMs;
    const results = await Promise.all(
      experts.map(async (g) => {
        try {
          const response = await request(`${g.endpoint.url}/health`, {
            dispatcher: g.agent,
            signal: AbortSignal.timeout(timeoutMs),
          });
          await response.body.dump();
          return response.statusCode >= 200 && response.statusCode <= 299;
        } catch {
          return false;
        }
      }),
    );
    return experts.filter((_, i) => !results[i]).map((g) => g.endpoint.name);
  }

  /** Refuses new calls, waits for those in flight, then closes the connections. */
  async close(): Promise<void> {
    const experts = [...this.#experts.values()];
    await Promise.all(experts.map((g) => g.bulkhead.close()));
    // Fleet breakers push their last outcomes, then stop syncing.
    for (const off of this.#unsubscribe.splice(0)) off();
    await Promise.all(
      experts.map((g) =>
        g.breaker instanceof FleetCircuitBreaker ? g.breaker.close() : undefined,
      ),
    );
    await this.#quota.close();
    await Promise.all(experts.map((g) => g.agent.close()));
    for (const g of experts) g.answers.clear();
  }
}

/** `new ExpertClient(config, options)` builds the resilient client. */
export const ExpertClient: new (
  config: ServiceConfig,
  options?: ExpertClientOptions,
) => ExpertClient = ResilientExpertClient;
