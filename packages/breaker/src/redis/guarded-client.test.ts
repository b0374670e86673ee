import { describe, expect, it } from 'vitest';
import { RedisTimeoutError, RedisUnavailableError } from './errors.js';
import { type FleetRedisErrorEvent, GuardedClient } from './guarded-client.js';
import type { RedisClient } from './options.js';
import { ADMIT_SCRIPT, parseReply } from './scripts.js';

const REPLY = ['closed', '0', 0, -2, ''];

/** A stand-in for an ioredis client whose answers the test decides. */
function fakeClient(evalsha: (...args: unknown[]) => Promise<unknown>) {
  const calls: string[] = [];
  const client = {
    status: 'ready',
    evalsha: (...args: unknown[]) => {
      calls.push('evalsha');
      return evalsha(...args);
    },
    eval: () => {
      calls.push('eval');
      return Promise.resolve(REPLY);
    },
  };
  return { client, calls, redis: client as unknown as RedisClient };
}

function guarded(redis: RedisClient, timeoutMs = 20, maxInFlight = 2) {
  const events: FleetRedisErrorEvent[] = [];
  const guard = new GuardedClient(redis, timeoutMs, maxInFlight, (event) => events.push(event));
  return { guard, events };
}

describe('GuardedClient', () => {
  it('falls back to EVAL when the server does not know the script', async () => {
    const { redis, calls } = fakeClient(() =>
      Promise.reject(new Error('NOSCRIPT No matching script.')),
    );
    const { guard, events } = guarded(redis);
    const outcome = await guard.run('admit', ADMIT_SCRIPT, ['k'], [1]);
    expect(outcome).toMatchObject({ ok: true, value: { verdict: 'closed', gen: '0' } });
    expect(calls).toEqual(['evalsha', 'eval']);
    expect(events).toEqual([]);
  });

  it('does not send EVAL when the client dropped after NOSCRIPT', async () => {
    const fake = fakeClient(() => {
      fake.client.status = 'reconnecting';
      return Promise.reject(new Error('NOSCRIPT No matching script.'));
    });
    const { guard, events } = guarded(fake.redis);
    const outcome = await guard.run('sync', ADMIT_SCRIPT, ['k'], []);
    expect(outcome).toMatchObject({ ok: false, sent: true });
    expect(fake.calls).toEqual(['evalsha']);
    expect(events[0]).toMatchObject({ operation: 'sync', kind: 'error' });
    expect(events[0]!.error).toBeInstanceOf(RedisUnavailableError);
  });

  it('stops waiting after the timeout and skips calls once maxInFlight are unsettled', async () => {
    const { redis } = fakeClient(() => new Promise(() => {}));
    const { guard, events } = guarded(redis, 5, 2);
    const first = await guard.run('sync', ADMIT_SCRIPT, [], []);
    const second = await guard.run('sync', ADMIT_SCRIPT, [], []);
    expect([first.ok, second.ok]).toEqual([false, false]);
    expect(events.map((event) => event.kind)).toEqual(['timeout', 'timeout']);
    expect(events[0]!.error).toBeInstanceOf(RedisTimeoutError);
    expect(guard.inFlight).toBe(2);
    const third = await guard.run('report', ADMIT_SCRIPT, [], []);
    expect(third).toMatchObject({ ok: false, sent: false });
    expect(events[2]).toMatchObject({ operation: 'report', kind: 'unavailable' });
    expect((events[2]!.error as RedisUnavailableError).reason).toBe('saturated');
    await guard.drain();
  });

  it('reports an error reply, and drain() waits for calls still running', async () => {
    let fail: (error: Error) => void = () => {};
    const { redis } = fakeClient(
      () =>
        new Promise((_, reject) => {
          fail = reject;
        }),
    );
    const { guard, events } = guarded(redis, 1_000);
    const running = guard.run('sync', ADMIT_SCRIPT, [], []);
    let drained = false;
    const draining = guard.drain().then(() => {
      drained = true;
    });
    await Promise.resolve();
    expect(drained).toBe(false);
    fail(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'));
    await draining;
    expect(await running).toMatchObject({ ok: false, sent: true });
    expect(events[0]).toMatchObject({ operation: 'sync', kind: 'error' });
    expect((events[0]!.error as Error).message).toContain('WRONGTYPE');
  });

  it('reports a malformed reply as an error', async () => {
    const { redis } = fakeClient(() => Promise.resolve(['closed', 0]));
    const { guard, events } = guarded(redis);
    expect(await guard.run('admit', ADMIT_SCRIPT, [], [])).toMatchObject({ ok: false });
    expect(events[0]).toMatchObject({ operation: 'admit', kind: 'error' });
    expect((events[0]!.error as Error).message).toContain('Unexpected reply');
  });
});

describe('parseReply', () => {
  it('reads the common fields and a known trip reason', () => {
    expect(parseReply(['open', '3', 2, 1500, 'probe-failed', 7])).toEqual({
      verdict: 'open',
      gen: '3',
      openings: 2,
      openLeftMs: 1500,
      reason: 'probe-failed',
      extra: [7],
    });
    expect(parseReply(['open', '3', 2, 1500, 'written-by-hand']).reason).toBeUndefined();
  });

  it.each([[null], ['text'], [['a', 1, 1, 2, 'c']], [['a', '1', 1, 2, '', 'x']]])(
    'rejects %j',
    (reply) => {
      expect(() => parseReply(reply)).toThrow(TypeError);
    },
  );
});
