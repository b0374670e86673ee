import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { EventHub } from './events.js';
import { type DashboardSources, DashboardState, type DashboardStateOptions } from './state.js';

/** Options of {@link registerDashboard}. */
export interface DashboardOptions extends DashboardStateOptions {
  /** Event-stream clients connected at once; more get a 503. @default 16 */
  readonly maxClients?: number | undefined;
  /** How often the event stream checks for a new snapshot, in milliseconds. @default 1000 */
  readonly eventIntervalMs?: number | undefined;
  /** A heartbeat comment after this long without an event, in milliseconds. @default 15000 */
  readonly heartbeatMs?: number | undefined;
}

/**
 * The dashboard's policy: its own script, style sheet and event stream, nothing inline,
 * nothing from elsewhere.
 */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The dashboard's files, served as they are (no build step). */
const ASSETS = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  '/dashboard.svg': { file: 'icon.svg', type: 'image/svg+xml' },
} as const;

/**
 * The folder of the dashboard's files: `src/service/dashboard/public` of the package, reached
 * the same way from the sources and from `dist/service/dashboard`.
 */
export const ASSETS_DIR = new URL('../../../src/service/dashboard/public/', import.meta.url);

/** Paths served by the dashboard. */
export const DASHBOARD_ROUTES = [...Object.keys(ASSETS), '/v1/dashboard', '/v1/events'] as const;

/**
 * Registers the dashboard: `GET /` (the page), its script, style sheet and icon,
 * `GET /v1/dashboard` (one snapshot as JSON) and `GET /v1/events` (snapshots as
 * server-sent events). Latencies of `POST /v1/consult` are taken from the app's answers;
 * call {@link DashboardState.consulted} with each consultation's reply. Event streams end
 * when the app closes.
 */
export function registerDashboard(
  app: FastifyInstance,
  sources: DashboardSources,
  options: DashboardOptions = {},
): DashboardState {
  const state = new DashboardState(sources, options);
  const hub = new EventHub({
    maxClients: options.maxClients ?? 16,
    intervalMs: options.eventIntervalMs ?? 1000,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    build: () => state.snapshot(),
  });

  // Route hooks run after the app's: this policy replaces its `default-src 'none'`.
  const withPolicy = async (_request: unknown, reply: FastifyReply, payload: unknown) => {
    reply.header('content-security-policy', DASHBOARD_CSP);
    return payload;
  };
  for (const [path, asset] of Object.entries(ASSETS)) {
    const body = readFileSync(new URL(asset.file, ASSETS_DIR));
    app.get(path, { onSend: withPolicy }, async (_request, reply) =>
      reply.header('content-type', asset.type).header('cache-control', 'no-cache').send(body),
    );
  }

  app.get('/v1/dashboard', async (_request, reply) =>
    reply.header('cache-control', 'no-store').send(state.snapshot()),
  );

  app.get('/v1/events', async (_request, reply) => {
    if (hub.full) {
      return reply
        .status(503)
        .header('retry-after', '5')
        .header('connection', 'close')
        .send({ error: 'Too many dashboard event streams' });
    }
    reply.hijack();
    hub.add(reply.raw);
    return reply;
  });

  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.url === '/v1/consult' && reply.statusCode === 200) {
      state.observeLatency(reply.elapsedTime);
    }
  });
  app.addHook('preClose', async () => hub.close());
  return state;
}
