import { eventually, type RedisServerHandle, startRedis } from '@breakwater/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildPackage, startChild } from './processes.fixture.js';

let server: RedisServerHandle;
let redis: Redis;

beforeAll(async () => {
  buildPackage();
  server = await startRedis();
  redis = server.client();
  await redis.ping();
}, 60_000);
afterAll(() => server.stop());

it('four processes coalesce one key into one execution', async () => {
  const task = {
    url: server.url,
    keyPrefix: 'four:',
    key: 'report',
    counter: 'four:executions',
    release: 'four:release',
    lockTtlMs: 10_000,
    calls: 5,
  };
  const children = Array.from({ length: 4 }, () => startChild(task));
  await Promise.all(children.map((child) => child.called));
  await Promise.race(children.map((child) => child.running));
  await redis.set(task.release, '1');
  const done = await Promise.all(children.map((child) => child.done));
  expect(Number(await redis.get(task.counter))).toBe(1);
  const pids = new Set(done.flatMap((d) => d.results.map((r) => r.pid)));
  expect(pids.size).toBe(1);
  expect(done.reduce((sum, d) => sum + d.stats.executions, 0)).toBe(1);
  expect(done.reduce((sum, d) => sum + d.stats.remote, 0)).toBe(3);
  expect(done.every((d) => d.stats.joined === 4)).toBe(true);
});

it('after SIGKILL of the lock holder, a waiting process takes over once the lock expires', async () => {
  const base = {
    url: server.url,
    keyPrefix: 'kill:',
    key: 'job',
    counter: 'kill:executions',
    lockTtlMs: 300,
    calls: 1,
  };
  const holder = startChild({ ...base, release: 'kill:never' });
  await holder.running;
  await redis.set('kill:go', '1');
  const waiters = [1, 2].map(() => startChild({ ...base, release: 'kill:go' }));
  await Promise.all(waiters.map((child) => child.called));
  holder.process.kill('SIGKILL');
  const done = await Promise.all(waiters.map((child) => child.done));
  const pids = new Set(done.map((d) => d.results[0]!.pid));
  expect(pids.size).toBe(1);
  expect(pids.has(holder.process.pid!)).toBe(false);
  expect(Number(await redis.get(base.counter))).toBe(2);
  await eventually('the lock is gone', async () => (await redis.exists('kill:{job}:lock')) === 0);
});
