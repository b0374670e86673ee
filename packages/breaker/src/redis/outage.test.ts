import { type RedisServerHandle, startRedis } from '@breakwater/testing';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BreakerOpenError } from '../errors.js';
import type { FleetRedisErrorEvent } from './errors.js';
import { isRedisTimeoutError, RedisTimeoutError, RedisUnavailableError } from './errors.js';
import type { FleetStateChangeEvent, ModeChangeEvent } from './fleet-events.js';
import {
  boom,
  caught,
  eventually,
  fleetFactory,
  gated,
  ok,
  testClock,
  uniqueName,
} from './fleet-test-support.fixture.js';

let server: RedisServerHandle;
const fleet = fleetFactory();

beforeAll(async () => {
  server = await startRedis();
});

afterEach(async () => {
  await fleet.closeAll();
  if (!server.running) await server.restart();
});

afterAll(() => server?.stop());

async function connected(): Promise<Redis> {
  const client = server.client();
  // Reconnection errors while the server is down are expected.
  client.on('error', () => {});
  await client.ping();
  return client;
}

/** ioredis keeps its offline queue private; it is what an outage would fill. */
function queued(client: Redis): number {
  const offline = (client as unknown as { offlineQueue: { length: number } }).offlineQueue;
  return offline.length + client.commandQueue.length;
}

function rules(name: string) {
  return {
    name,
    clock: testClock(),
    failureRateThreshold: 0.5,
    minimumCalls: 10,
    window: { type: 'time' as const, durationMs: 60_000 },
    openDurationMs: 60_000,
    redisTimeoutMs: 250,
  };
}

describe('FleetCircuitBreaker when Redis fails', () => {
  it('falls back to local breakers that keep serving and trip alone, then resyncs after a restart', async () => {
    const clientA = await connected();
    const clientB = await connected();
    const name = uniqueName();
    // Background syncs every 20 ms: the instances notice the outage on their own.
    const a = fleet.create(clientA, { ...rules(name), syncIntervalMs: 20 });
    const b = fleet.create(clientB, { ...rules(name), syncIntervalMs: 20 });
    await Promise.all([a.sync(), b.sync()]);
    const modes: ModeChangeEvent[] = [];
    const states: FleetStateChangeEvent[] = [];
    const errors: FleetRedisErrorEvent[] = [];
    a.onModeChange((event) => modes.push(event));
    a.onStateChange((event) => states.push(event));
    a.onError((event) => errors.push(event));

    await server.kill();
    await eventually('both instances go local', () => a.mode === 'local' && b.mode === 'local');
    // A sync in flight when the server died stays in ioredis's queue, to be resent on
    // reconnection; nothing may be added to it while the instances serve locally.
    const queuedA = queued(clientA);
    const queuedB = queued(clientB);
    expect(queuedA + queuedB).toBeLessThanOrEqual(2);
    expect(modes).toHaveLength(1);
    expect(modes[0]).toMatchObject({
      mode: 'local',
      reason: expect.stringMatching(/^(unavailable|error|timeout)$/),
    });
    await eventually('a skipped sync is reported', () =>
      errors.some((event) => event.kind === 'unavailable'),
    );
    const skipped = errors.find((event) => event.kind === 'unavailable')!;
    expect(skipped.operation).toBe('sync');
    expect(skipped.error).toBeInstanceOf(RedisUnavailableError);

    // Both keep serving without touching Redis.
    for (let i = 0; i < 2; i++) expect(await a.execute(ok)).toBe('ok');
    for (let i = 0; i < 3; i++) expect(await b.execute(ok)).toBe('ok');
    // A's own failures trip A's local breaker (at 8 failures in 10 calls); B is unaffected.
    for (let i = 0; i < 20; i++) await caught(a.execute(boom));
    expect(a.state).toBe('open');
    expect(states).toContainEqual({
      from: 'closed',
      to: 'open',
      reason: 'failure-rate',
      mode: 'local',
    });
    const refused = await caught(a.execute(ok));
    expect(refused).toBeInstanceOf(BreakerOpenError);
    expect(b.state).toBe('closed');
    expect(await b.execute(ok)).toBe('ok');
    expect(queued(clientA)).toBe(queuedA);
    expect(queued(clientB)).toBe(queuedB);
    expect(a.stats()).toMatchObject({ mode: 'local', state: 'open', rejected: 13 });
    expect(a.stats().redis.errors).toBeGreaterThan(0);
    expect(a.stats().pending).toEqual({ calls: 10, failures: 8, slowCalls: 0 });

    await server.restart();
    await eventually('both instances resync', () => a.mode === 'fleet' && b.mode === 'fleet');
    expect(modes.at(-1)).toEqual({ mode: 'fleet', reason: 'resynced' });
    // The outcomes of the outage reached the (empty) restarted Redis and tripped the fleet
    // (8 failures in 10 calls from A, in 14 with B's, whichever instance pushed first).
    await eventually('B hears that the fleet opened', () => b.state === 'open');
    expect(a.state).toBe('open');
    expect(b.stats().fleet.calls).toBeGreaterThanOrEqual(10);
    expect(await caught(b.execute(ok))).toBeInstanceOf(BreakerOpenError);
  });

  it('gives up on a Redis that hangs after redisTimeoutMs, runs the call locally and comes back', async () => {
    const client = await connected();
    const admin = await connected();
    const name = uniqueName();
    const options = { ...rules(name), openDurationMs: 200, redisTimeoutMs: 100 };
    const a = fleet.create(client, options);
    const clock = options.clock;
    const errors: FleetRedisErrorEvent[] = [];
    const modes: ModeChangeEvent[] = [];
    const states: FleetStateChangeEvent[] = [];
    a.onError((event) => errors.push(event));
    a.onModeChange((event) => modes.push(event));
    a.onStateChange((event) => states.push(event));
    for (let i = 0; i < 10; i++) await caught(a.execute(boom));
    await a.sync();
    expect(a.state).toBe('open');
    await eventually('the open key expires', async () => {
      return (await admin.pttl(`bw:breaker:{${name}}:open`)) === -2;
    });
    clock.advance(1_000);
    expect(a.state).toBe('half-open');

    await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
    // Asking for a probe slot times out: the call runs as a local half-open probe.
    expect(await a.execute(ok)).toBe('ok');
    expect(a.mode).toBe('local');
    expect(a.state).toBe('closed');
    expect(modes).toHaveLength(1);
    expect(modes[0]).toMatchObject({ mode: 'local', reason: 'timeout' });
    const timeout = errors.find((event) => event.kind === 'timeout')!;
    expect(timeout.operation).toBe('admit');
    expect(timeout.error).toBeInstanceOf(RedisTimeoutError);
    expect(isRedisTimeoutError(timeout.error)).toBe(true);
    expect(a.stats().redis.timeouts).toBeGreaterThanOrEqual(1);

    await eventually('a sync succeeds once the pause ends', async () => {
      await a.sync();
      return a.mode === 'fleet';
    });
    expect(modes.at(-1)).toEqual({ mode: 'fleet', reason: 'resynced' });
    // The local probe decided for this instance only: the fleet is still half-open (had the
    // timed-out admission run after the pause, its slot would be freed by its lease).
    expect(['half-open', 'closed']).toContain(a.state);
    expect(states.at(-1)).toEqual({ from: 'closed', to: a.state, mode: 'fleet' });
    expect(a.stats().redis.inFlight).toBe(0);
  });

  it('goes local when a probe result cannot reach Redis, the probe still answering its caller', async () => {
    const client = await connected();
    const name = uniqueName();
    const options = { ...rules(name), openDurationMs: 200 };
    const a = fleet.create(client, options);
    for (let i = 0; i < 10; i++) await caught(a.execute(boom));
    await a.sync();
    await eventually('the open key expires', async () => {
      return (await client.pttl(`bw:breaker:{${name}}:open`)) === -2;
    });
    options.clock.advance(1_000);
    const probe = gated();
    const call = a.execute(probe.fn);
    await eventually('the probe runs', () => probe.calls === 1);

    await server.kill();
    await eventually('the client notices', () => client.status !== 'ready');
    probe.waiting[0]!.resolve('done');
    expect(await call).toBe('done');
    await eventually('A goes local', () => a.mode === 'local');
    // The fleet's half-open state carries over: the local breaker probes for itself.
    expect(a.state).toBe('half-open');
    expect(await a.execute(ok)).toBe('ok');
    expect(a.state).toBe('closed');
  });

  it('starts locally when the client is not connected yet, and joins the fleet once it is', async () => {
    const client = server.client({ lazyConnect: true });
    client.on('error', () => {});
    const name = uniqueName();
    const a = fleet.create(client, rules(name));
    await a.sync();
    expect(a.mode).toBe('local');
    await succeedOnce(a);
    await client.connect();
    await a.sync();
    expect(a.mode).toBe('fleet');
    expect(a.stats().fleet.calls).toBe(1);
  });
});

async function succeedOnce(breaker: { execute(fn: typeof ok): Promise<string> }) {
  expect(await breaker.execute(ok)).toBe('ok');
}
