import { invalidMessage } from '@breakwater/core';
import type { FastifyInstance } from 'fastify';
import type { ExpertStatsRow, RecordSink, StatsTotals } from './records.js';

/** Bounds of the `window` of `GET /v1/stats`, in milliseconds: 1 s to 30 days. */
export const STATS_WINDOW_MS = { min: 1000, max: 30 * 86_400_000 } as const;
/** The window of `GET /v1/stats` without `?window=`. */
export const DEFAULT_STATS_WINDOW = '15m';

/** Milliseconds to the microsecond: quantiles interpolate, and need no more digits. */
function ms(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1000) / 1000;
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const WINDOW = /^([0-9]{1,9})([smhd])$/;

/**
 * Reads a stats window: an integer and a unit (`s`, `m`, `h` or `d`), from 1s to 30d.
 * @throws RangeError naming `window` for anything else.
 */
export function parseWindow(raw: unknown): number {
  const what = 'an integer followed by s, m, h or d, from 1s to 30d (e.g. 15m)';
  const match = typeof raw === 'string' ? WINDOW.exec(raw) : null;
  if (match === null) throw new RangeError(invalidMessage('window', what, raw));
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms < STATS_WINDOW_MS.min || ms > STATS_WINDOW_MS.max) {
    throw new RangeError(invalidMessage('window', what, raw));
  }
  return ms;
}

/** The body of `GET /v1/stats`. */
export interface StatsReply {
  readonly window: string;
  readonly windowMs: number;
  /** Start and end of the window, ISO 8601. */
  readonly from: string;
  readonly to: string;
  readonly totals: StatsTotals;
  readonly experts: readonly ExpertStatsRow[];
}

/**
 * Registers `GET /v1/stats?window=15m`: per-expert calls, latency quantiles, error and
 * fallback rates, and consultation totals over the window, from `records`.
 */
export function registerStatsRoute(
  app: FastifyInstance,
  records: RecordSink,
  now: () => number = Date.now,
): void {
  app.get('/v1/stats', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const window = query['window'] ?? DEFAULT_STATS_WINDOW;
    let windowMs: number;
    try {
      windowMs = parseWindow(window);
    } catch (error) {
      return reply.status(400).send({ error: (error as Error).message });
    }
    const to = now();
    let totals: StatsTotals;
    let experts: ExpertStatsRow[];
    try {
      totals = await records.totals(windowMs);
      experts = await records.stats(windowMs);
    } catch (error) {
      request.log.error({ err: error }, 'stats query failed');
      return reply.status(503).send({ error: 'The records store is unavailable' });
    }
    const body: StatsReply = {
      window: String(window),
      windowMs,
      from: new Date(to - windowMs).toISOString(),
      to: new Date(to).toISOString(),
      totals: { ...totals, p50Ms: ms(totals.p50Ms), p95Ms: ms(totals.p95Ms) },
      experts: experts.map((e) => ({
        ...e,
        p50Ms: ms(e.p50Ms),
        p95Ms: ms(e.p95Ms),
        p99Ms: ms(e.p99Ms),
      })),
    };
    return body;
  });
}
