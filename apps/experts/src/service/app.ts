import { createHash, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { Registry } from '@breakwater/metrics';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { AccessControl, registerAdminRoutes } from './access.js';
import { AnswerCache } from './answer-cache.js';
import type { ServiceConfig } from './config.js';
import { ConsensusAnalyzer } from './consensus-analyzer.js';
import { type ConsultRequest, parseConsult } from './consult.js';
import { type ConsultReply, consensusOf, runConsultation, wavesOf } from './consultation.js';
import { type DashboardOptions, registerDashboard } from './dashboard/routes.js';
import { DuckDbRecordSink } from './duckdb-records.js';
import { BREAKER_STATES, deadlineSignal, ExpertClient } from './expert-client.js';
import { createLogger } from './logger.js';
import { ExpertCallError, NaiveExpertClient } from './naive-client.js';
import { OutcomeStream, wantsNdjson } from './ndjson.js';
import type { RecordSink } from './records.js';
import { connectRedis, type RedisLink } from './redis-link.js';
import { registerRedisFallback, sharedModes } from './shared-state.js';
import { registerStatsRoute } from './stats-route.js';
import { RecordStream, StreamingRecordSink } from './stream-records.js';

export type { ConsultReply } from './consultation.js';

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** The logger; `false` logs nothing. @default a pino logger at `config.logLevel` on stdout */
  logger?: FastifyBaseLogger | false | undefined;
  /**
   * Clock of the per-expert circuit breakers, in milliseconds (tests inject a manual one).
   * @default performance.now
   */
  breakerClock?: { now(): number } | undefined;
  /** Where consultation records go. @default a DuckDB store at `config.recordsDb` */
  records?: RecordSink | undefined;
  /**
   * Connections to Redis shared by the primitives when the service runs as several
   * instances. @default `connectRedis(config)`: a link when `REDIS_URL` or
   * `REDIS_CLUSTER_NODES` is set, else none
   */
  redis?: RedisLink | undefined;
  /** Clock of the client quotas, in milliseconds. @default performance.now */
  accessClock?: { now(): number } | undefined;
  /** Clock of the answer cache's TTLs, in milliseconds. @default performance.now */
  cacheClock?: { now(): number } | undefined;
  /** Intervals and limits of the dashboard (`GET /`, `GET /v1/events`). */
  dashboard?: DashboardOptions | undefined;
}

/** The key of a consultation in the cache and the coalescer: its normalised request, deadline included. */
export function consultKey(consult: ConsultRequest): string {
  const question = consult.question.normalize('NFKC').trim().replace(/\s+/g, ' ');
  const e = consult.experts.map((x) => x.name).sort();
  // The deadline bounds what the answer holds (a short one times experts out), and a request
  // must not wait past its own: only consultations with the same deadline share an answer.
  const d = consult.deadlineMs;
  // Dependencies change the answers (a reviewer reads the others'): they are part of the key.
  const steps = consult.plan?.steps ?? [];
  if (!steps.some((s) => s.after.length > 0)) return JSON.stringify({ q: question, e, d });
  const p = steps.map((s) => [s.expert.name, [...s.after].sort()]).sort();
  return JSON.stringify({ q: question, e, d, p });
}

function hashQuestion(question: string): string {
  return createHash('sha256').update(question, 'utf8').digest('hex');
}

const KNOWN_ROUTES = new Set(['/v1/consult', '/v1/stats', '/health', '/ready', '/metrics']);

/**
 * Builds the Circle-of-Experts HTTP service (not listening yet: call `listen()` or `inject()`).
 * Closing the app (`app.close()`) closes everything it opened.
 */
export function buildApp(config: ServiceConfig, options: BuildAppOptions = {}): FastifyInstance {
  if (config.experts.length === 0) {
    throw new RangeError('Expected at least one expert in the configuration (`EXPERTS`)');
  }
  const logger =
    options.logger ??
    createLogger(config.logLevel, undefined, { logQuestions: config.logQuestions });
  const app = Fastify({
    ...(logger === false ? { logger: false } : { loggerInstance: logger }),
    bodyLimit: config.bodyLimitBytes,
    // A client trickling its request cannot hold a connection forever: Node's check runs at
    // a tenth of the timeout (its default, 30 s, would let it run far past it).
    serverFactory: (handler) =>
      createServer(
        {
          requestTimeout: config.requestTimeoutMs,
          connectionsCheckingInterval: Math.max(100, Math.floor(config.requestTimeoutMs / 10)),
        },
        handler,
      ),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
  }) as unknown as FastifyInstance;

  const registry = new Registry();
  const redis = options.redis ?? connectRedis(config, app.log);
  const client: ExpertClient =
    config.mode === 'naive'
      ? new NaiveExpertClient(config)
      : new ExpertClient(config, {
          breakerClock: options.breakerClock,
          registry,
          redis,
          log: app.log,
        });
  const access = new AccessControl(config, registry, {
    clock: options.accessClock,
    redis,
    log: app.log,
  });
  // Where each shared primitive decides now (Redis, or locally during an outage).
  const shared = {
    quota: () => access.sharedMode(),
    breakers: () => client.sharedMode?.(),
  };
  if (redis !== undefined) registerRedisFallback(registry, shared);
  const answers = new AnswerCache(config, registry, {
    clock: options.cacheClock,
    redis,
    log: app.log,
  });
  const localRecords: RecordSink =
    options.records ?? new DuckDbRecordSink(config, registry, app.log);
  // With Redis, every record also goes to the fleet's stream.
  const stream = redis && new RecordStream(redis, config, registry, app.log);
  const records: RecordSink = stream ? new StreamingRecordSink(localRecords, stream) : localRecords;
  const analyzer = new ConsensusAnalyzer({
    workerChars: config.consensusWorkerChars,
    workers: config.consensusWorkers,
  });
  // No answer without its record: a store that cannot be opened stops the start.
  app.addHook('onReady', async () => {
    await records.open?.();
  });
  // Closed in this order once in-flight requests have finished: nothing new is queued.
  app.addHook('onClose', async () => {
    await answers.close();
    await access.close();
    await client.close();
    await records.close();
    await analyzer.close();
    await redis?.close();
  });

  const names = config.experts.map((e) => e.name);
  const routes = [...KNOWN_ROUTES, 'other'];
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
      for (const [name, current] of client.breakerStates()) {
        for (const state of BREAKER_STATES) {
          gauge.set({ expert: name, state }, state === current ? 1 : 0);
        }
      }
    },
  });

  registry.counter({
    name: 'experts_consensus_analyses_total',
    help: 'Consensus analyses, by where they ran (inline, or workers for large answers).',
    labelNames: ['path'],
    maxLabelValues: { path: 2 },
    collect: (counter) => {
      const stats = analyzer.stats();
      const inline = stats.inline + stats.fallbacks;
      counter.inc({ path: 'inline' }, inline - counter.get({ path: 'inline' }));
      counter.inc({ path: 'workers' }, stats.workers - counter.get({ path: 'workers' }));
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
  // Responses to requests that reached their handler: close() waits for these, and once they
  // are done ends every other connection (a client that never finishes sending its request
  // would otherwise hold the shutdown).
  const answering = new Set<ServerResponse>();
  const endStragglers = (): void => {
    if (closing && answering.size === 0) app.server.closeAllConnections();
  };
  app.addHook('preHandler', async (_request, reply) => {
    const response = reply.raw;
    answering.add(response);
    response.once('close', () => {
      answering.delete(response);
      endStragglers();
    });
  });
  app.addHook('preClose', async () => {
    closing = true;
    // After the server stops listening (close() calls it once the preClose hooks are done).
    setImmediate(endStragglers);
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    reply.header('x-content-type-options', 'nosniff');
    reply.removeHeader('x-powered-by');
    return payload;
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    // Naive mode: one failed expert fails the whole consultation.
    if (error instanceof ExpertCallError) return reply.status(502).send({ error: error.message });
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

  registerStatsRoute(app, records);

  app.get('/ready', async (_request, reply) => {
    const [failed, redisUp] = await Promise.all([
      client.unhealthy(),
      redis === undefined ? undefined : redis.ping(config.readyTimeoutMs),
    ]);
    // Without Redis every instance keeps serving on its own (each primitive's outage
    // policy): ready, but it says so.
    const link =
      redis === undefined
        ? {}
        : {
            redis: redisUp === true ? 'connected' : 'unreachable',
            shared: {
              ...sharedModes(shared),
              ...answers.shared(redisUp === true),
              stream: stream?.state(redisUp === true),
            },
          };
    if (failed.length > 0) {
      return reply.status(503).send({ status: 'unavailable', failed, ...link });
    }
    return { status: 'ready', ...link };
  });

  registerAdminRoutes(app, access, answers);

  const dashboard = registerDashboard(
    app,
    {
      instanceId: config.instanceId,
      mode: config.mode,
      breakerStates: () => client.breakerStates(),
      registry,
    },
    options.dashboard,
  );

  // Keys and quotas are checked before the body is even read.
  const admit = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    await access.admit(request, reply);
  };
  app.post('/v1/consult', { onRequest: admit }, async (request, reply) => {
    const started = performance.now();
    const consult = parseConsult(request.body, config);
    request.log.debug({ question: consult.question, deadlineMs: consult.deadlineMs }, 'consult');
    const signal = deadlineSignal(consult.deadlineMs);
    // Streamed: the 200 starts now, each outcome is a line as it comes, errors an error line.
    const stream = wantsNdjson(request.headers.accept) ? new OutcomeStream(reply) : undefined;
    let answered: Awaited<ReturnType<AnswerCache['get']>>;
    try {
      answered = await answers.get(consultKey(consult), async () => {
        const outcomes = await runConsultation(consult, client, {
          signal,
          maxParallel: config.maxParallel,
          onOutcome: stream?.outcome,
        });
        for (const o of outcomes) {
          expertCalls.inc({ expert: o.expert, outcome: o.status });
          if (o.attempts !== undefined)
            expertDuration.observe({ expert: o.expert }, o.latencyMs / 1000);
        }
        return {
          outcomes,
          waves: wavesOf(consult),
          consensus: await consensusOf(outcomes, analyzer),
        };
      });
    } catch (error) {
      if (stream === undefined) throw error;
      if (error instanceof ExpertCallError) {
        stream.fail(error.message);
        return reply;
      }
      request.log.error({ err: error }, 'consultation failed');
      stream.fail('Internal server error');
      return reply;
    }
    const { reply: body, source } = answered;
    const totalMs = Math.round(performance.now() - started);
    records.add({
      id: randomUUID(),
      at: Date.now(),
      questionHash: hashQuestion(consult.question),
      source,
      totalMs,
      agreement: body.consensus.share,
      outcomes: body.outcomes.map((o) => ({
        expert: o.expert,
        status: o.status,
        latencyMs: o.latencyMs,
      })),
    });
    dashboard.consulted(body, source);
    if (stream !== undefined) {
      stream.finish(body, totalMs);
      return reply;
    }
    reply.header('x-exec-time', String(totalMs));
    reply.header('x-cache', source);
    return body satisfies ConsultReply;
  });

  return app;
}
