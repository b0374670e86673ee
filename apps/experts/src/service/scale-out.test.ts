import { Writable } from 'node:stream';
import { sleep } from '@breakwater/core';
import { eventually, startRedis, startRedisCluster } from '@breakwater/testing';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExpertServer, startExpertServer } from '../sim/expert-server.js';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Where the instances' Redis is: `REDIS_URL` or `REDIS_CLUSTER_NODES`. */
type RedisEnv = { REDIS_URL: string } | { REDIS_CLUSTER_NODES: string };

let prefixes = 0;

async function expert(name: string, outage = false): Promise<ExpertServer> {
  const server = await startExpertServer({
    name,
    profile: { outage },
    sleep: async () => {},
  });
  cleanups.push(() => server.close());
  return server;
}

/** Two instances of the service over one Redis, with their log lines. */
async function twoInstances(
  redis: RedisEnv,
  experts: ExpertServer[],
  env: Record<string, string> = {},
): Promise<{ apps: [FastifyInstance, FastifyInstance]; logs: string[] }> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config = loadConfig({
    EXPERTS: experts.map((e) => `${e.name}=${e.url}`).join(','),
    RECORDS_DB: ':memory:',
    EXPERT_RETRIES: '0',
    REDIS_PREFIX: `scale${++prefixes}:`,
    ...redis,
    ...env,
  });
  const apps = [0, 1].map(() => {
    const app = buildApp(config, { logger: createLogger('info', sink) });
    cleanups.push(() => app.close());
    return app;
  }) as [FastifyInstance, FastifyInstance];
  for (const app of apps) {
    await eventually('the instance reaches Redis', async () => {
      const ready = (await app.inject({ method: 'GET', url: '/ready' })).json();
      return (
        ready.redis === 'connected' &&
        ready.shared?.quota === 'redis' &&
        ready.shared?.breakers === 'redis'
      );
    });
  }
  return { apps, logs };
}

let questions = 0;

function consult(
  app: FastifyInstance,
  remoteAddress = '127.0.0.1',
  experts?: string[],
): Promise<Awaited<ReturnType<FastifyInstance['inject']>>> {
  return app.inject({
    method: 'POST',
    url: '/v1/consult',
    remoteAddress,
    payload: { question: `question ${++questions}`, ...(experts === undefined ? {} : { experts }) },
  });
}

async function breakerState(app: FastifyInstance, expert: string): Promise<string | undefined> {
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const match = new RegExp(
    `experts_breaker_state\\{expert="${expert}",state="([a-z-]+)"\\} 1`,
  ).exec(metrics);
  return match?.[1];
}

/** A burst split across both instances admits no more than the client's quota. */
async function quotaIsShared(redis: RedisEnv): Promise<void> {
  const limit = 10;
  const a = await expert('a');
  const { apps } = await twoInstances(redis, [a], { CLIENT_LIMIT_PER_MINUTE: String(limit) });
  const replies = await Promise.all(
    Array.from({ length: 2 * limit + 4 }, (_, i) => consult(apps[i % 2]!)),
  );
  const statuses = replies.map((r) => r.statusCode);
  expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
  const admitted = statuses.filter((s) => s === 200).length;
  // Each instance alone would admit `limit`: together they admit at most that.
  expect(admitted).toBeGreaterThan(0);
  expect(admitted).toBeLessThanOrEqual(limit);
  expect(a.stats().requests).toBe(admitted);
  for (const app of apps) {
    expect(replies.some((r, i) => apps[i % 2] === app && r.statusCode === 429)).toBe(true);
  }
  const metrics = (await apps[0].inject({ method: 'GET', url: '/metrics' })).body;
  expect(metrics).toContain('experts_redis_fallback{primitive="quota"} 0');
}

/** One instance's breaker opening is seen by the other, which then never asks the expert. */
async function breakerIsShared(redis: RedisEnv): Promise<void> {
  const down = await expert('down', true);
  const { apps } = await twoInstances(redis, [down]);
  const [first, second] = apps;
  let client = 0;
  await eventually('the first instance opens its breaker', async () => {
    // A fresh client address each time: the quota never stands in the way.
    const reply = await consult(first, `10.0.0.${(++client % 250) + 1}`);
    return reply.json().outcomes?.[0]?.reason === 'breaker open';
  });
  const asked = down.stats().requests;
  expect(asked).toBeGreaterThanOrEqual(5);
  await eventually('the second instance hears of it', async () => {
    return (await breakerState(second, 'down')) === 'open';
  });
  const reply = await consult(second, '10.0.1.1');
  expect(reply.statusCode).toBe(200);
  expect(reply.json().outcomes[0]).toMatchObject({
    expert: 'down',
    status: 'fallback',
    reason: 'breaker open',
  });
  // The second instance has never asked the expert.
  expect(down.stats().requests).toBe(asked);
  const metrics = (await second.inject({ method: 'GET', url: '/metrics' })).body;
  expect(metrics).toContain('experts_redis_fallback{primitive="breakers"} 0');
}

describe('two instances over one Redis node', () => {
  it('share a client quota', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    await quotaIsShared({ REDIS_URL: redis.url });
  });

  it('share breaker state per expert', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    await breakerIsShared({ REDIS_URL: redis.url });
  });
});

describe('two instances over a 3-master Redis Cluster', () => {
  it('share a client quota and breaker state per expert', async () => {
    const cluster = await startRedisCluster();
    cleanups.push(() => cluster.stop());
    const env = {
      REDIS_CLUSTER_NODES: cluster.startupNodes.map((n) => `${n.host}:${n.port}`).join(','),
    };
    await quotaIsShared(env);
    await breakerIsShared(env);
  }, 60_000);
});

describe('Redis killed and restarted under load', () => {
  it('never fails a request: quotas and breakers go local, then shared again', async () => {
    const limit = 8;
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const up = await expert('up');
    const down = await expert('down', true);
    const { apps, logs } = await twoInstances({ REDIS_URL: redis.url }, [up, down], {
      CLIENT_LIMIT_PER_MINUTE: String(limit),
    });

    // The fleet opens the breaker of `down`; both instances know it.
    let client = 0;
    await eventually('the breaker of `down` opens', async () => {
      const reply = await consult(apps[0], `10.0.0.${(++client % 250) + 1}`, ['down']);
      return reply.json().outcomes?.[0]?.reason === 'breaker open';
    });
    await eventually('both instances see it open', async () => {
      const states = await Promise.all(apps.map((app) => breakerState(app, 'down')));
      return states.every((s) => s === 'open');
    });

    // Load: one client keeps asking both instances; a fresh client from the outage on (one
    // already refused stays refused until its retry time, through Redis or not), and many
    // while Redis comes back (refused ones would not ask Redis again before their retry time).
    let fresh = 0;
    const clients: Record<string, () => string> = {
      before: () => '192.0.2.1',
      'going down': () => '192.0.2.1',
      outage: () => '192.0.2.2',
      'coming back': () => `198.51.100.${(++fresh % 250) + 1}`,
      after: () => '192.0.2.3',
    };
    let phase = 'before';
    let running = true;
    const seen: { instance: number; phase: string; status: number; downReason?: string }[] = [];
    const workers = [0, 1, 2, 3].map(async (w) => {
      while (running) {
        const instance = w % 2;
        const at = phase;
        const reply = await consult(apps[instance]!, clients[at]!());
        const outcome = reply.statusCode === 200 ? reply.json().outcomes[1] : undefined;
        seen.push({ instance, phase: at, status: reply.statusCode, downReason: outcome?.reason });
        await sleep(5);
      }
    });
    const admitted = (p: string, instance?: number) =>
      seen.filter(
        (s) =>
          s.phase === p && s.status === 200 && (instance === undefined || s.instance === instance),
      ).length;
    const limited = (p: string, instance: number) =>
      seen.some((s) => s.phase === p && s.status === 429 && s.instance === instance);
    const both = async (check: (ready: { redis?: string; shared?: object }) => boolean) => {
      const replies = await Promise.all(
        apps.map((app) => app.inject({ method: 'GET', url: '/ready' })),
      );
      return replies.every((r) => r.statusCode === 200 && check(r.json()));
    };

    try {
      await eventually(
        'the shared quota is used up',
        () => limited('before', 0) && limited('before', 1),
      );
      expect(admitted('before')).toBeLessThanOrEqual(limit);
      const askedDown = down.stats().requests;

      phase = 'going down';
      await redis.kill();
      await eventually('both instances decide locally', () =>
        both(
          (r) =>
            r.redis === 'unreachable' &&
            (r.shared as Record<string, string>)['quota'] === 'local' &&
            (r.shared as Record<string, string>)['breakers'] === 'local',
        ),
      );
      phase = 'outage';
      // Local quotas: each instance admits the client alone, with the same limit.
      await eventually('each instance admits, then limits, on its own', () =>
        [0, 1].every((i) => limited('outage', i) && admitted('outage', i) > 0),
      );
      for (const i of [0, 1]) expect(admitted('outage', i)).toBeLessThanOrEqual(limit);
      // Local breakers start from the fleet's state: `down` stays open, never asked.
      expect(down.stats().requests).toBe(askedDown);
      const outage = seen.filter((s) => s.phase === 'outage' && s.status === 200);
      expect(outage.every((s) => s.downReason === 'breaker open')).toBe(true);
      const metrics = (await apps[0].inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toContain('experts_redis_fallback{primitive="quota"} 1');
      expect(metrics).toContain('experts_redis_fallback{primitive="breakers"} 1');

      phase = 'coming back';
      await redis.restart();
      await eventually('both instances share their state again', () =>
        both(
          (r) =>
            r.redis === 'connected' &&
            (r.shared as Record<string, string>)['quota'] === 'redis' &&
            (r.shared as Record<string, string>)['breakers'] === 'redis',
        ),
      );
      phase = 'after';
      await eventually(
        'the shared quota holds again',
        () => limited('after', 0) && limited('after', 1),
      );
      expect(admitted('after')).toBeLessThanOrEqual(limit);
    } finally {
      running = false;
      await Promise.all(workers);
    }
    expect(seen.filter((s) => s.status !== 200 && s.status !== 429)).toEqual([]);
    const lines = logs.join('');
    for (const message of [
      'client quotas decided locally',
      'client quotas shared through Redis again',
      'breaker decided locally',
      'breaker shared through Redis again',
    ]) {
      expect(lines).toContain(message);
    }
  }, 60_000);
});
