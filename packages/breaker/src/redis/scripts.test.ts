import { describe, expect, it, vi } from 'vitest';
import type { FleetRedisErrorEvent } from './errors.js';
import { FleetCircuitBreaker } from './fleet-circuit-breaker.js';
import type { RedisClient } from './options.js';
import { parseReply } from './scripts.js';

describe('FleetCircuitBreaker with a malformed script reply', () => {
  it('reports it as an error and goes on locally', async () => {
    const reply = () => Promise.resolve(['closed', 0]);
    const client = { status: 'ready', evalsha: reply, eval: reply };
    const breaker = new FleetCircuitBreaker({
      redis: client as unknown as RedisClient,
      name: 'malformed',
    });
    const events: FleetRedisErrorEvent[] = [];
    breaker.onError((event) => events.push(event));
    await breaker.sync();
    expect(events[0]).toMatchObject({ operation: 'sync', kind: 'error' });
    expect((events[0]!.error as Error).message).toContain('Unexpected reply');
    expect(breaker.mode).toBe('local');
    expect(breaker.stats().redis).toMatchObject({ errors: 2, timeouts: 0, inFlight: 0 });
    await breaker.close();
  });
});

describe('FleetCircuitBreaker maxInFlight', () => {
  it('skips Redis calls while maxInFlight calls are unsettled', async () => {
    vi.useFakeTimers();
    try {
      const hang = () => new Promise<never>(() => {});
      const client = { status: 'ready', evalsha: vi.fn(hang), eval: hang };
      const breaker = new FleetCircuitBreaker({
        redis: client as unknown as RedisClient,
        name: 'hung',
        redisTimeoutMs: 5,
        maxInFlight: 1,
      });
      const events: FleetRedisErrorEvent[] = [];
      breaker.onError((event) => events.push(event));
      await vi.advanceTimersByTimeAsync(5);
      await breaker.sync();
      expect(events.map((event) => event.kind)).toEqual(['timeout', 'unavailable']);
      expect(events[1]!.error).toMatchObject({ reason: 'saturated' });
      expect(client.evalsha).toHaveBeenCalledTimes(1);
      expect(breaker.stats().redis).toMatchObject({ errors: 2, timeouts: 1, inFlight: 1 });
    } finally {
      vi.useRealTimers();
    }
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
