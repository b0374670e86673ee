import { sleep } from '@breakwater/core';
import type { FastifyInstance } from 'fastify';
import { type ExpertServer, startExpertServer } from '../sim/expert-server.js';
import { buildApp } from './app.js';
import { loadConfig, type ServiceConfig } from './config.js';
import type { RecordSink } from './records.js';

/**
 * What the simulated experts of a test saw: the order of their calls (`start x`, `end x`,
 * the end logged just before the answer is sent) and how many were in flight at once.
 */
export class SimCalls {
  readonly log: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  finished = 0;
  readonly #barrier: { limit: number; total: number } | undefined;
  readonly #holdMs: number;
  readonly #gates = new Map<string, () => void>();
  readonly #gated = new Set<string>();
  #waiting: (() => void)[] = [];

  /**
   * @param options.barrier each call waits until `min(limit, total - finished)` calls are
   *   in flight, so that a limit is reached whenever the service allows it;
   * @param options.holdMs then each call stays in flight this long;
   * @param options.gated experts whose calls wait for {@link release}.
   */
  constructor(
    options: {
      barrier?: { limit: number; total: number };
      holdMs?: number;
      gated?: string[];
    } = {},
  ) {
    this.#barrier = options.barrier;
    this.#holdMs = options.holdMs ?? 0;
    for (const name of options.gated ?? []) this.#gated.add(name);
  }

  /** Lets a gated expert's pending (or next) call answer. */
  release(name: string): void {
    this.#gated.delete(name);
    this.#gates.get(name)?.();
  }

  /** The `sleep` option of expert `name`. */
  sleepOf(name: string): (ms: number, signal: AbortSignal) => Promise<void> {
    return async (_ms, signal) => {
      this.log.push(`start ${name}`);
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      if (this.#gated.has(name)) {
        await new Promise<void>((resolve, reject) => {
          this.#gates.set(name, resolve);
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      }
      if (this.#barrier !== undefined) await this.#atBarrier(this.#barrier, signal);
      if (this.#holdMs > 0) await sleep(this.#holdMs, signal);
      this.inFlight--;
      this.finished++;
      this.log.push(`end ${name}`);
    };
  }

  async #atBarrier(barrier: { limit: number; total: number }, signal: AbortSignal): Promise<void> {
    const reached = () => this.inFlight >= Math.min(barrier.limit, barrier.total - this.finished);
    if (reached()) {
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const go of waiting) go();
      return;
    }
    await new Promise<void>((resolve, reject) => {
      this.#waiting.push(resolve);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }

  /** Index of an entry of the log (-1 when missing). */
  at(entry: string): number {
    return this.log.indexOf(entry);
  }
}

export interface SimSpec {
  name: string;
  opinion?: number;
  outage?: boolean;
}

/** Starts simulated experts on loopback whose every call goes through `calls`. */
export function startSims(specs: SimSpec[], calls: SimCalls): Promise<ExpertServer[]> {
  return Promise.all(
    specs.map((s) =>
      startExpertServer({
        name: s.name,
        // A delay of 1 ms makes every answer go through `sleep`.
        profile: {
          opinion: s.opinion ?? 0,
          outage: s.outage ?? false,
          latencyMs: { median: 1, p99: 1 },
        },
        sleep: calls.sleepOf(s.name),
      }),
    ),
  );
}

/** Builds the service over `servers` (not listening). */
export function appFor(
  servers: readonly ExpertServer[],
  env: Record<string, string> = {},
  records?: RecordSink,
): { app: FastifyInstance; config: ServiceConfig } {
  const config = loadConfig({
    EXPERTS: servers.map((s) => `${s.name}=${s.url}`).join(','),
    PORT: '0',
    RECORDS_DB: ':memory:',
    // Tests that count quotas set their own limits.
    CLIENT_LIMIT_PER_MINUTE: '1000000',
    ...env,
  });
  return { app: buildApp(config, { logger: false, records }), config };
}
