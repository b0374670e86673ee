import { eventually, type RedisServerHandle, startRedis } from '@breakwater/testing';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExpertServer, startExpertServer } from '../sim/expert-server.js';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { connectRedis } from './redis-link.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const quiet = { info() {}, warn() {} };

async function setup(): Promise<{ redis: RedisServerHandle; expert: ExpertServer }> {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const expert = await startExpertServer({ name: 'a' });
  cleanups.push(() => expert.close());
  return { redis, expert };
}

describe('the Redis link', () => {
  it('is absent without Redis settings and refuses to build without them', () => {
    const config = loadConfig({ EXPERTS: 'a=http://127.0.0.1:1' });
    expect(connectRedis(config, quiet)).toBeUndefined();
  });

  it('pings Redis, reports it lost and found again, and closes every connection', async () => {
    const { redis } = await setup();
    const events: string[] = [];
    const log = {
      info: (_: object, msg: string) => events.push(msg),
      warn: (_: object, msg: string) => events.push(msg),
    };
    const link = connectRedis(loadConfig({ EXPERTS: 'a=http://x', REDIS_URL: redis.url }), log)!;
    cleanups.push(() => link.close());
    expect(link.mode).toBe('single');
    await eventually('the link is ready', () => link.ready);
    expect(await link.ping(1000)).toBe(true);
    const sub = link.connect('subscriber');
    await eventually('the subscriber is ready', () => sub.status === 'ready');

    await redis.kill();
    await eventually('the link sees Redis gone', () => !link.ready);
    expect(await link.ping(200)).toBe(false);
    await redis.restart();
    await eventually('Redis answers again', () => link.ping(500));
    expect(events).toContain('Redis connection lost');
    expect(events.filter((e) => e === 'Redis connected').length).toBeGreaterThanOrEqual(2);

    await link.close();
    await eventually(
      'every connection has ended',
      () => link.client.status === 'end' && sub.status === 'end',
    );
    expect(() => link.connect('late')).toThrow(/closed/);
    await link.close();
  });

  it('makes /ready say whether Redis is reachable, still ready without it', async () => {
    const { redis, expert } = await setup();
    const config = loadConfig({
      EXPERTS: `a=${expert.url}`,
      REDIS_URL: redis.url,
      RECORDS_DB: ':memory:',
    });
    const app: FastifyInstance = buildApp(config, { logger: false });
    cleanups.push(() => app.close());
    await eventually('/ready says Redis is connected', async () => {
      const ready = await app.inject({ method: 'GET', url: '/ready' });
      return ready.statusCode === 200 && ready.json().redis === 'connected';
    });
    await redis.kill();
    await eventually('/ready says Redis is unreachable', async () => {
      const ready = await app.inject({ method: 'GET', url: '/ready' });
      return ready.statusCode === 200 && ready.json().redis === 'unreachable';
    });
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    // Breakers go local at their next sync, which needs traffic: not asserted here.
    expect(ready.json()).toMatchObject({
      status: 'ready',
      redis: 'unreachable',
      shared: {
        quota: 'local',
        cache: 'local',
        coalescing: 'local',
        stream: 'buffering',
      },
    });
  });
});
