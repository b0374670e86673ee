import { type BreakerState, CircuitBreaker, isBreakerOpenError } from '@breakwater/breaker';
import {
  analyzeConsensus,
  type ConsensusResponse,
  type ConsensusResult,
} from '@breakwater/consensus';
import { Registry } from '@breakwater/metrics';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import {
  DEADLINE_RANGE_MS,
  type ExpertEndpoint,
  type LogLevel,
  type ServiceConfig,
} from './config.js';

/** Longest question accepted, in characters. */
export const MAX_QUESTION_CHARS = 4000;

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

/** The body of a `POST /v1/consult` answer. */
export interface ConsultReply {
  readonly outcomes: ExpertOutcome[];
  readonly consensus: ConsensusResult;
}

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** The logger; `false` logs nothing. @default a pino logger at `config.logLevel` on stdout */
  logger?: FastifyBaseLogger | false | undefined;
  /**
   * Clock of the per-expert circuit breakers, in milliseconds (tests inject a manual one).
   * @default performance.now
   */
  breakerClock?: { now(): number } | undefined;
}

/** Options of every expert's circuit breaker (see the README). */
export const BREAKER_OPTIONS = Object.freeze({
  failureRateThreshold: 0.5,
  minimumCalls: 5,
  windowSize: 10,
  openDurationMs: 30_000,
  permittedCallsInHalfOpen: 1,
});

const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half-open'];
const KNOWN_ROUTES = new Set(['/v1/consult', '/health', '/ready', '/metrics']);

/** A failed answer, counted as a failure by the expert's breaker. */
class ExpertFailure extends Error {}

/** Log paths never written in clear. Bodies are not logged at all. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.body.question',
  'body.question',
  'question',
];

/** Creates the service's pino logger (redacting {@link REDACTED_PATHS}). */
export function createLogger(
  level: LogLevel,
  destination?: pino.DestinationStream | undefined,
): FastifyBaseLogger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination === undefined ? pino(options) : pino(options, destination);
}

class ClientError extends Error {
  readonly statusCode: number;
  constructor(message: string, statusCode = 400) {
    super(message);
    this.statusCode = statusCode;
  }
}

interface ConsultRequest {
  question: string;
  experts: ExpertEndpoint[];
  deadlineMs: number;
}

const CONSULT_KEYS = new Set(['question', 'experts', 'deadlineMs']);

function parseConsult(body: unknown, config: ServiceConfig): ConsultRequest {
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

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

async function askExpert(
  expert: ExpertEndpoint,
  breaker: CircuitBreaker,
  question: string,
  signal: AbortSignal,
): Promise<ExpertOutcome> {
  const started = performance.now();
  const latency = (): number => Math.round(performance.now() - started);
  try {
    return await breaker.execute(
      ({ signal: callSignal }) => callExpert(expert, question, callSignal, latency),
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
  signal: AbortSignal,
  latency: () => number,
): Promise<ExpertOutcome> {
  const response = await fetch(`${expert.url}/v1/answer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question }),
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

/**
 * Builds the Circle-of-Experts HTTP service (not listening yet: call `listen()` or `inject()`).
 */
export function buildApp(config: ServiceConfig, options: BuildAppOptions = {}): FastifyInstance {
  const logger = options.logger ?? createLogger(config.logLevel);
  const app = Fastify({
    ...(logger === false ? { logger: false } : { loggerInstance: logger }),
    bodyLimit: config.bodyLimitBytes,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
  }) as unknown as FastifyInstance;

  const breakers = new Map<string, CircuitBreaker>();
  for (const e of config.experts) {
    breakers.set(
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
  const names = config.experts.map((e) => e.name);
  const routes = [...KNOWN_ROUTES, 'other'];
  const registry = new Registry();
  const requestsTotal = registry.counter({
    name: 'experts_requests_total',
    help: 'HTTP requests answered, by route and status code.',
    labelNames: ['route', 'status'],
    maxLabelValues: { route: routes.length, status: 64 },
  });
  const requestDuration = registry.histogram({
    name: 'experts_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route.',
    labelNames: ['route'],
    unit: 'seconds',
    maxLabelValues: { route: routes.length },
  });
  const expertCalls = registry.counter({
    name: 'experts_expert_calls_total',
    help: 'Questions put to experts, by expert and outcome (ok, error, timeout, fallback).',
    labelNames: ['expert', 'outcome'],
    maxLabelValues: { expert: names.length, outcome: 4 },
  });
  const expertDuration = registry.histogram({
    name: 'experts_expert_call_duration_seconds',
    help: 'Time an expert took to answer or fail (fallbacks excluded), by expert.',
    labelNames: ['expert'],
    unit: 'seconds',
    maxLabelValues: { expert: names.length },
  });
  registry.gauge({
    name: 'experts_breaker_state',
    help: 'State of each expert circuit breaker: 1 for the current state, 0 for the others.',
    labelNames: ['expert', 'state'],
    maxLabelValues: { expert: names.length, state: BREAKER_STATES.length },
    collect: (gauge) => {
      for (const [name, breaker] of breakers) {
        const current = breaker.state;
        for (const state of BREAKER_STATES) {
          gauge.set({ expert: name, state }, state === current ? 1 : 0);
        }
      }
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    const declared = request.routeOptions.url;
    const route = declared !== undefined && KNOWN_ROUTES.has(declared) ? declared : 'other';
    requestsTotal.inc({ route, status: reply.statusCode });
    requestDuration.observe({ route }, reply.elapsedTime / 1000);
  });

  app.get('/metrics', async (request, reply) => {
    const { body, contentType } = registry.expose(request.headers.accept);
    return reply.header('content-type', contentType).send(body);
  });

  // Only JSON bodies: any other content type is a 415.
  app.removeContentTypeParser('text/plain');

  // While closing, answers end their connection, so that close() need not wait for keep-alive.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    reply.header('x-content-type-options', 'nosniff');
    reply.removeHeader('x-powered-by');
    return payload;
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send({ error: 'Internal server error' });
    }
    const message =
      error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
        ? 'Expected the body to be valid JSON'
        : error.message;
    return reply.status(status).send({ error: message });
  });

  app.setNotFoundHandler((_request, reply) => reply.status(404).send({ error: 'Not found' }));

  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/ready', async (_request, reply) => {
    const results = await Promise.all(
      config.experts.map((e) => checkHealth(e, config.readyTimeoutMs)),
    );
    const failed = config.experts.filter((_, i) => !results[i]).map((e) => e.name);
    if (failed.length > 0) return reply.status(503).send({ status: 'unavailable', failed });
    return { status: 'ready' };
  });

  app.post('/v1/consult', async (request, reply) => {
    const started = performance.now();
    const consult = parseConsult(request.body, config);
    const signal = AbortSignal.timeout(consult.deadlineMs);
    const outcomes = await Promise.all(
      consult.experts.map((e) => askExpert(e, breakers.get(e.name)!, consult.question, signal)),
    );
    for (const o of outcomes) {
      expertCalls.inc({ expert: o.expert, outcome: o.status });
      if (o.status !== 'fallback') expertDuration.observe({ expert: o.expert }, o.latencyMs / 1000);
    }
    const responses: ConsensusResponse[] = [];
    for (const o of outcomes) {
      if (o.status === 'ok')
        responses.push({ id: o.expert, text: o.answer ?? '', confidence: o.confidence ?? 0 });
    }
    const consensus = analyzeConsensus(responses);
    reply.header('x-exec-time', String(Math.round(performance.now() - started)));
    return { outcomes, consensus } satisfies ConsultReply;
  });

  return app;
}
