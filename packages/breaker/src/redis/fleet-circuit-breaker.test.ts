import { type RedisServerHandle, startRedis } from '@breakwater/testing';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BreakerOpenError, isBreakerOpenError, OperationTimeoutError } from '../errors.js';
import { isFleetBreakerClosedError } from './errors.js';
import type { FleetStateChangeEvent } from './fleet-events.js';
import {
  boom,
  caught,
  eventually,
  fleetFactory,
  fleetRules,
  gated,
  ok,
  settling,
  testClock,
  uniqueName,
} from './fleet-test-support.fixture.js';

let server: RedisServerHandle;
let clientA: Redis;
let clientB: Redis;
const fleet = fleetFactory();

beforeAll(async () => {
  server = await startRedis();
  clientA = server.client();
  clientB = server.client();
  await Promise.all([clientA.ping(), clientB.ping()]);
});

afterEach(() => fleet.closeAll());

afterAll(() => server?.stop());

async function failTimes(breaker: { execute(fn: typeof boom): Promise<unknown> }, n: number) {
  for (let i = 0; i < n; i++) await caught(breaker.execute(boom));
}

async function succeedTimes(breaker: { execute(fn: typeof ok): Promise<unknown> }, n: number) {
  for (let i = 0; i < n; i++) await breaker.execute(ok);
}

/** Trips `breaker`'s fleet with failures alone and waits until Redis lets the open key expire. */
async function tripAndExpire(
  breakers: Array<Parameters<typeof failTimes>[0] & { sync(): Promise<void> }>,
  openKey: string,
) {
  await failTimes(breakers[0]!, 10);
  for (const breaker of breakers) await breaker.sync();
  await eventually('the open key expires', async () => (await clientA.pttl(openKey)) === -2);
}

describe('FleetCircuitBreaker on one Redis', () => {
  it('trips every instance when failures split across two instances exceed the threshold only together', async () => {
    const name = uniqueName();
    const clock = testClock();
    const a = fleet.create(clientA, fleetRules(name, clock));
    const b = fleet.create(clientB, fleetRules(name, clock));
    const events: FleetStateChangeEvent[] = [];
    a.onStateChange((event) => events.push(event));
    await Promise.all([a.sync(), b.sync()]);

    await failTimes(a, 4);
    await succeedTimes(a, 1);
    await failTimes(b, 4);
    await succeedTimes(b, 1);
    expect(a.stats().pending).toEqual({ calls: 5, failures: 4, slowCalls: 0 });

    await a.sync();
    // A's five calls alone are under minimumCalls.
    expect(a.state).toBe('closed');
    expect(a.stats().fleet).toMatchObject({ calls: 5, failures: 4 });
    expect(a.stats().pending.calls).toBe(0);

    await b.sync();
    expect(b.state).toBe('open');
    expect(b.stats().fleet).toMatchObject({ calls: 10, failures: 8, openings: 1 });
    expect(a.state).toBe('closed'); // A has not heard yet

    await a.sync();
    expect(a.state).toBe('open');
    expect(events).toEqual([{ from: 'closed', to: 'open', reason: 'failure-rate', mode: 'fleet' }]);
    const rejections: unknown[] = [];
    a.onReject((event) => rejections.push(event));
    const error = await caught(a.execute(ok));
    expect(error).toBeInstanceOf(BreakerOpenError);
    expect(isBreakerOpenError(error)).toBe(true);
    expect((error as BreakerOpenError).state).toBe('open');
    expect((error as BreakerOpenError).retryAfterMs).toBeGreaterThan(0);
    expect((error as BreakerOpenError).retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(rejections).toHaveLength(1);
    expect(a.stats()).toMatchObject({ rejected: 1, calls: 5, failures: 4, successes: 1 });

    // Every key of the breaker shares one hash tag.
    const keys = await clientA.keys(`bw:breaker:{${name}}*`);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    expect(await clientA.keys(`*${name}*`)).toHaveLength(keys.length);
    expect(await clientA.get(`bw:breaker:{${name}}:open`)).toBe('1:failure-rate');
    const bucket = keys.find((key) => key.includes(':b:'))!;
    expect(await clientA.hgetall(bucket)).toEqual({ c: '10', f: '8' });
    expect(await clientA.pttl(bucket)).toBeGreaterThan(0);
  });

  it('lets exactly one probe through fleet-wide, then closes everywhere when it succeeds', async () => {
    const name = uniqueName();
    const clock = testClock();
    const options = { ...fleetRules(name, clock), openDurationMs: 200 };
    const a = fleet.create(clientA, options);
    const b = fleet.create(clientB, options);
    const openKey = `bw:breaker:{${name}}:open`;
    await tripAndExpire([a, b], openKey);
    clock.advance(1_000);
    expect(a.state).toBe('half-open');

    const probe = gated();
    const calls = [
      ...Array.from({ length: 20 }, () => a.execute(probe.fn)),
      ...Array.from({ length: 20 }, () => b.execute(probe.fn)),
    ];
    const settled = settling(calls);
    await eventually('all but one call are refused', () => settled.length === 39);
    expect(probe.calls).toBe(1);
    for (const { ok: fulfilled, value } of settled) {
      expect(fulfilled).toBe(false);
      expect(value).toBeInstanceOf(BreakerOpenError);
      expect((value as BreakerOpenError).state).toBe('half-open');
      expect((value as BreakerOpenError).retryAfterMs).toBe(0);
    }

    probe.waiting[0]!.resolve('probed');
    await eventually('the probe settles', () => settled.length === 40);
    expect(settled.filter((result) => result.ok).map((result) => result.value)).toEqual(['probed']);
    await eventually('the prober sees the fleet closed', () => {
      return a.state === 'closed' || b.state === 'closed';
    });
    await Promise.all([a.sync(), b.sync()]);
    expect([a.state, b.state]).toEqual(['closed', 'closed']);
    expect(await a.execute(ok)).toBe('ok');
    expect(await clientA.exists(openKey, `bw:breaker:{${name}}:probe`)).toBe(0);
    expect(await clientA.hget(`bw:breaker:{${name}}:state`, 'openings')).toBe('0');
    // The window starts empty after closing: the old failures are gone.
    await a.sync();
    expect(a.stats().fleet).toMatchObject({ calls: 1, failures: 0, openings: 0 });
  });

  it('runs permittedCallsInHalfOpen probes fleet-wide and reopens longer when one fails', async () => {
    const name = uniqueName();
    const clock = testClock();
    const options = {
      ...fleetRules(name, clock),
      openDurationMs: {
        type: 'exponential' as const,
        initialDelayMs: 200,
        maxDelayMs: 60_000,
        multiplier: 100,
      },
      permittedCallsInHalfOpen: 2,
    };
    const a = fleet.create(clientA, options);
    const b = fleet.create(clientB, options);
    const openKey = `bw:breaker:{${name}}:open`;
    await tripAndExpire([a, b], openKey);
    clock.advance(1_000);
    const events: FleetStateChangeEvent[] = [];
    a.onStateChange((event) => events.push(event));
    b.onStateChange((event) => events.push(event));

    const probe = gated();
    const calls = [
      ...Array.from({ length: 10 }, () => a.execute(probe.fn)),
      ...Array.from({ length: 10 }, () => b.execute(probe.fn)),
    ];
    const settled = settling(calls);
    await eventually('all but two calls are refused', () => settled.length === 18);
    expect(probe.calls).toBe(2);

    probe.waiting[0]!.reject(new Error('still down'));
    await eventually('the fleet reopens', async () => (await clientA.pttl(openKey)) > 0);
    expect(await clientA.get(openKey)).toBe('2:probe-failed');
    // The second opening lasts initialDelayMs × multiplier = 20 s.
    expect(await clientA.pttl(openKey)).toBeGreaterThan(1_000);

    // The other probe belongs to the round that failed: its success changes nothing.
    probe.waiting[1]!.resolve('late');
    await eventually('every call settles', () => settled.length === 20);
    await Promise.all([a.sync(), b.sync()]);
    expect([a.state, b.state]).toEqual(['open', 'open']);
    expect(a.stats().fleet.openings).toBe(2);
    expect(await clientA.get(openKey)).toBe('2:probe-failed');
    expect(events).toContainEqual({
      from: 'half-open',
      to: 'open',
      reason: 'probe-failed',
      mode: 'fleet',
    });
  });

  it('gives a probe slot back when the caller aborts, and another instance probes', async () => {
    const name = uniqueName();
    const clock = testClock();
    const options = { ...fleetRules(name, clock), openDurationMs: 200 };
    const a = fleet.create(clientA, options);
    const b = fleet.create(clientB, options);
    await tripAndExpire([a, b], `bw:breaker:{${name}}:open`);
    clock.advance(1_000);

    const controller = new AbortController();
    const probe = gated();
    const aborted = caught(a.execute(probe.fn, { signal: controller.signal }));
    await eventually('A probes', () => probe.calls === 1);
    const refused = (await caught(b.execute(ok))) as BreakerOpenError;
    expect(refused.state).toBe('half-open');
    const reason = new Error('caller gave up');
    controller.abort(reason);
    expect(await aborted).toBe(reason);
    await eventually('A gives its slot back', async () => {
      return (await clientA.get(`bw:breaker:{${name}}:probe`)) === '0';
    });
    // B stops asking for a while (this clock's) after hearing that every slot was taken.
    clock.advance(60_000);

    await eventually('B gets the slot and closes the fleet', async () => {
      const result = await caught(b.execute(ok));
      return result === undefined && b.state === 'closed';
    });
    await a.sync();
    expect(a.state).toBe('closed');
  });

  it('learns the fleet state from the probe-slot answer when its own view is stale', async () => {
    const name = uniqueName();
    const clock = testClock();
    const options = { ...fleetRules(name, clock), openDurationMs: 200 };
    const a = fleet.create(clientA, options);
    const b = fleet.create(clientB, options);
    await tripAndExpire([a, b], `bw:breaker:{${name}}:open`);
    clock.advance(1_000);
    expect(await a.execute(ok)).toBe('ok'); // A's probe closes the fleet
    await eventually('A sees the fleet closed', () => a.state === 'closed');

    // B never synced since: it asks for a slot, hears "closed" and runs the call normally.
    expect(b.state).toBe('half-open');
    expect(await b.execute(ok)).toBe('ok');
    expect(b.state).toBe('closed');
  });

  it('refuses with the time Redis has left when the local clock ran past the open time', async () => {
    const name = uniqueName();
    const clock = testClock();
    const a = fleet.create(clientA, fleetRules(name, clock));
    await failTimes(a, 10);
    await a.sync();
    clock.advance(120_000); // the 60 s open time is over for this clock, not for Redis
    expect(a.state).toBe('half-open');
    const error = (await caught(a.execute(ok))) as BreakerOpenError;
    expect(error).toBeInstanceOf(BreakerOpenError);
    expect(error.state).toBe('open');
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(a.state).toBe('open');
  });

  it('counts slow calls fleet-wide and trips on the slow-call rate', async () => {
    const name = uniqueName();
    const clock = testClock();
    const options = {
      name,
      clock,
      slowCallRateThreshold: 0.5,
      slowCallDurationMs: 100,
      minimumCalls: 4,
      window: { type: 'time' as const, durationMs: 60_000 },
    };
    const a = fleet.create(clientA, options);
    const b = fleet.create(clientB, options);
    const slow = async () => {
      clock.advance(150);
      return 'slow';
    };
    await a.execute(slow);
    await a.execute(ok);
    await b.execute(slow);
    await b.execute(slow);
    await a.sync();
    expect(a.state).toBe('closed');
    await b.sync();
    expect(b.state).toBe('open');
    expect(b.stats().fleet).toMatchObject({ calls: 4, failures: 0, slowCalls: 3 });
    expect(b.stats().fleet.slowCallRate).toBe(0.75);
    expect(await clientA.get(`bw:breaker:{${name}}:open`)).toBe('1:slow-call-rate');
  });

  it('counts timeouts and failing results as failures, and errors isFailure rejects as neither', async () => {
    const name = uniqueName();
    const clock = testClock();
    const a = fleet.create(clientA, {
      ...fleetRules(name, clock),
      minimumCalls: 6,
      isFailure: (error) => !(error instanceof RangeError),
      isResultFailure: (result) => result === 503,
    });
    const seen = { success: 0, failure: 0, slow: 0, timeout: 0, reject: 0 };
    a.onSuccess(() => seen.success++);
    a.onFailure(() => seen.failure++);
    a.onSlow(() => seen.slow++);
    a.onTimeout(() => seen.timeout++);
    const offReject = a.onReject(() => seen.reject++);
    const hang = ({ signal }: { signal: AbortSignal }) =>
      new Promise<never>((_, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason));
      });
    for (let i = 0; i < 3; i++) {
      expect(await caught(a.execute(hang, { timeoutMs: 5 }))).toBeInstanceOf(OperationTimeoutError);
    }
    for (let i = 0; i < 3; i++) expect(await a.execute(async () => 503)).toBe(503);
    for (let i = 0; i < 5; i++) {
      await caught(
        a.execute(async () => {
          throw new RangeError('not our problem');
        }),
      );
    }
    expect(a.stats().pending).toEqual({ calls: 6, failures: 6, slowCalls: 0 });
    expect(a.stats()).toMatchObject({ timeouts: 3, ignored: 5 });
    await a.sync();
    expect(a.state).toBe('open');
    await caught(a.execute(ok));
    offReject();
    await caught(a.execute(ok));
    expect(seen).toEqual({ success: 0, failure: 6, slow: 0, timeout: 3, reject: 1 });
  });

  it('does not count calls admitted before the fleet opened', async () => {
    const name = uniqueName();
    const clock = testClock();
    const a = fleet.create(clientA, fleetRules(name, clock));
    const b = fleet.create(clientB, fleetRules(name, clock));
    await a.sync();
    const late = gated();
    const running = Array.from({ length: 5 }, () => caught(a.execute(late.fn)));
    await eventually('the calls run', () => late.calls === 5);
    await failTimes(b, 10);
    await b.sync();
    await a.sync();
    expect(a.state).toBe('open');
    for (const call of late.waiting) call.reject(new Error('late'));
    await Promise.all(running);
    expect(a.stats()).toMatchObject({ failures: 5, pending: { calls: 0 } });
  });

  it('pushes pending outcomes on close, then refuses calls with FleetBreakerClosedError', async () => {
    const name = uniqueName();
    const clock = testClock();
    const a = fleet.create(clientA, fleetRules(name, clock));
    await a.sync();
    await failTimes(a, 3);
    await a.close();
    expect(a.close()).toBe(a.close());
    await a[Symbol.asyncDispose]();
    const error = await caught(a.execute(ok));
    expect(isFleetBreakerClosedError(error)).toBe(true);
    expect((error as Error).message).toContain(name);
    await a.sync(); // a no-op

    const b = fleet.create(clientB, fleetRules(name, clock));
    await b.sync();
    expect(b.stats().fleet).toMatchObject({ calls: 3, failures: 3 });
  });

  it('keeps separate breakers apart and honours the prefix', async () => {
    const clock = testClock();
    const one = fleet.create(clientA, { ...fleetRules(uniqueName(), clock), prefix: 'app:cb:' });
    const two = fleet.create(clientB, { ...fleetRules(uniqueName(), clock), prefix: 'app:cb:' });
    await failTimes(one, 10);
    await Promise.all([one.sync(), two.sync()]);
    expect(one.state).toBe('open');
    expect(two.state).toBe('closed');
    expect(await clientA.exists(`app:cb:{${one.name}}:open`)).toBe(1);
  });

  it('reports a sync that throws (a faulty random option) and keeps syncing', async () => {
    let broken = true;
    const a = fleet.create(clientA, {
      ...fleetRules(uniqueName()),
      openDurationMs: { type: 'decorrelated-jitter', initialDelayMs: 100, maxDelayMs: 1_000 },
      random: () => {
        if (broken) throw new Error('bad random');
        return 0.5;
      },
    });
    const errors: unknown[] = [];
    a.onError((event) => errors.push(event));
    await a.sync();
    expect(errors).toContainEqual({
      operation: 'sync',
      kind: 'error',
      error: new Error('bad random'),
    });
    broken = false;
    await a.sync();
    expect(a.stats().redis.syncs).toBe(1);
  });

  it('validates execute arguments like CircuitBreaker', async () => {
    const a = fleet.create(clientA, fleetRules(uniqueName()));
    await expect(a.execute(5 as never)).rejects.toThrow(TypeError);
    await expect(a.execute(ok, 5 as never)).rejects.toThrow(TypeError);
    await expect(a.execute(ok, { timeoutMs: 0 })).rejects.toThrow(RangeError);
    const controller = new AbortController();
    controller.abort(new Error('already'));
    await expect(a.execute(ok, { signal: controller.signal })).rejects.toThrow('already');
    expect(a.stats().calls).toBe(0);
  });
});
