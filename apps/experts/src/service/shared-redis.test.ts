import { Registry } from '@breakwater/metrics';
import {
  createManualClock,
  eventually,
  type RedisServerHandle,
  startRedis,
} from '@breakwater/testing';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnswerCache } from './answer-cache.js';
import { loadConfig, type ServiceConfig } from './config.js';
import type { ConsultReply } from './consultation.js';
import { type ConsultationRecord, MemoryRecordSink } from './records.js';
import { connectRedis, type RedisLink } from './redis-link.js';
import { RecordStream, StreamingRecordSink } from './stream-records.js';

let redis: RedisServerHandle;
/** The test's own connection, quiet while the server is killed. */
let admin: Redis;
beforeAll(async () => {
  redis = await startRedis();
  admin = redis.client();
  admin.on('error', () => {});
});
afterAll(() => redis.stop());

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  if (!redis.running) await redis.restart();
  await admin.flushall();
});

interface Logged {
  level: string;
  msg: string;
}

function setup(env: Record<string, string> = {}): {
  config: ServiceConfig;
  link: RedisLink;
  logged: Logged[];
  log: { info(o: object, m: string): void; warn(o: object, m: string): void };
} {
  const config = loadConfig({
    EXPERTS: 'a=http://127.0.0.1:1',
    REDIS_URL: redis.url,
    INSTANCE_ID: 'solo',
    RECORDS_FLUSH_MS: '10',
    ...env,
  });
  const logged: Logged[] = [];
  const log = {
    info: (_: object, msg: string) => logged.push({ level: 'info', msg }),
    warn: (_: object, msg: string) => logged.push({ level: 'warn', msg }),
  };
  const link = connectRedis(config, log)!;
  cleanups.push(() => link.close());
  return { config, link, logged, log };
}

const reply: ConsultReply = {
  outcomes: [{ expert: 'a', status: 'ok', answer: 'yes', confidence: 1, latencyMs: 1 }],
  waves: [['a']],
  consensus: { reached: true, share: 1, answer: 'yes', groups: [] },
} as unknown as ConsultReply;

function record(id: string): ConsultationRecord {
  return {
    id,
    at: Date.now(),
    questionHash: 'h',
    source: 'miss',
    totalMs: 1,
    agreement: 1,
    outcomes: [{ expert: 'a', status: 'ok', latencyMs: 1 }],
  };
}

describe('the shared answer cache', () => {
  it('serves a stale answer while refreshing it, then a fresh one', async () => {
    const { config, link, log } = setup({ CACHE_TTL_MS: '1000' });
    const clock = createManualClock(0);
    const cache = new AnswerCache(config, new Registry(), { redis: link, log, clock });
    cleanups.push(() => cache.close());
    await eventually('Redis is ready', () => link.ready);
    let computed = 0;
    const compute = async () => {
      computed++;
      return reply;
    };
    expect((await cache.get('k', compute)).source).toBe('miss');
    expect((await cache.get('k', compute)).source).toBe('hit');
    clock.advance(1500);
    // Expired in L1 (its clock), still kept: stale now, refreshed from Redis behind.
    expect((await cache.get('k', compute)).source).toBe('stale');
    await eventually(
      'the refresh is in L1',
      async () => (await cache.get('k', compute)).source === 'hit',
    );
    expect(computed).toBe(1);
    expect(cache.shared(true)).toEqual({ cache: 'redis', coalescing: 'redis' });
    expect(cache.shared(false)).toEqual({ cache: 'local', coalescing: 'local' });
  });

  it('joins a load in flight in the same instance', async () => {
    const { config, link, log } = setup();
    const cache = new AnswerCache(config, new Registry(), { redis: link, log });
    cleanups.push(() => cache.close());
    await eventually('Redis is ready', () => link.ready);
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let computed = 0;
    const compute = async () => {
      computed++;
      await gate;
      return reply;
    };
    const first = cache.get('j', compute);
    const second = cache.get('j', compute);
    await eventually('the first computes', () => computed === 1);
    release();
    const sources = (await Promise.all([first, second])).map((r) => r.source).sort();
    expect(sources).toEqual(['coalesced', 'miss']);
    expect(computed).toBe(1);
  });

  it('serves L1 while Redis is down, flushes only locally then, and logs outage and recovery', async () => {
    const { config, link, log, logged } = setup();
    const cache = new AnswerCache(config, new Registry(), { redis: link, log });
    cleanups.push(() => cache.close());
    await eventually('Redis is ready', () => link.ready);
    const compute = async () => reply;
    expect((await cache.get('d', compute)).source).toBe('miss');
    await redis.kill();
    await eventually('the link sees Redis gone', () => !link.ready);
    expect((await cache.get('d', compute)).source).toBe('hit');
    expect((await cache.get('e', compute)).source).toBe('miss');
    expect(await cache.clear()).toBe(2);
    expect(logged.map((l) => l.msg)).toContain(
      'Answer cache: the flush reached this instance only (Redis unreachable)',
    );
    expect(logged.some((l) => l.msg.startsWith('Redis unavailable: answers cached'))).toBe(true);
    await redis.restart();
    await eventually('the recovery is logged', () =>
      logged.some((l) => l.msg.startsWith('Redis back: answers shared again')),
    );
  });
});

describe('the records stream', () => {
  it('appends records with the instance id, and keeps them locally too', async () => {
    const { config, link, log } = setup();
    const registry = new Registry();
    const stream = new RecordStream(link, config, registry, log);
    const local = new MemoryRecordSink();
    const sink = new StreamingRecordSink(local, stream);
    cleanups.push(() => sink.close());
    await eventually('Redis is ready', () => link.ready);
    sink.add(record('r1'));
    sink.add(record('r2'));
    expect(sink.accepted).toBe(2);
    expect((await sink.totals(60_000)).consultations).toBe(2);
    expect(await sink.stats(60_000)).toHaveLength(1);
    await stream.flush();
    const entries = await admin.xrange('experts:records', '-', '+');
    expect(entries.map(([, f]) => [f[1], JSON.parse(f[3]!).id])).toEqual([
      ['solo', 'r1'],
      ['solo', 'r2'],
    ]);
    expect([stream.appended, stream.dropped, stream.pending]).toEqual([2, 0, 0]);
    expect(stream.state(true)).toBe('appending');
    expect(registry.expose().body).toContain('experts_records_stream_total{result="appended"} 2');
  });

  it('counts what Redis refuses, what finds the queue full and what is left at close', async () => {
    const { config, link, log, logged } = setup();
    const stream = new RecordStream(link, config, new Registry(), log, {
      retry: {
        maxAttempts: 2,
        backoff: { type: 'constant', delayMs: 1 },
      },
      maxPending: 2,
    });
    cleanups.push(() => stream.close());
    await eventually('Redis is ready', () => link.ready);
    // Not a stream: every XADD fails, is retried once, then counted as dropped.
    await admin.set('experts:records', 'x');
    stream.append(record('w1'));
    await stream.flush();
    expect([stream.appended, stream.dropped]).toEqual([0, 1]);
    expect(stream.state(true)).toBe('buffering');
    await admin.del('experts:records');
    stream.append(record('w2'));
    await stream.flush();
    expect([stream.appended, stream.dropped]).toEqual([1, 1]);
    expect(stream.state(true)).toBe('appending');
    expect(logged.map((l) => l.msg)).toContain('Records stream: appending again');

    await redis.kill();
    await eventually('the link sees Redis gone', () => !link.ready);
    for (const id of ['k1', 'k2', 'k3', 'k4']) stream.append(record(id));
    await stream.close();
    // Two refused by the full queue, two tried once more at close and dropped.
    expect([stream.appended, stream.dropped, stream.pending]).toEqual([1, 5, 0]);
    expect(stream.state(false)).toBe('buffering');
    expect(logged.some((l) => l.msg.startsWith('Records stream: records not appended'))).toBe(true);
  });
});
