import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  checkRedisClient,
  luaScript,
  REDIS_CALL_DEFAULTS,
  RedisCalls,
  type RedisScriptClient,
  RedisTimeoutError,
  RedisUnavailableError,
  resolveRedisCallOptions,
} from './index.js';

const SCRIPT = luaScript('return 1');
const ORDERED = luaScript('return 2', { ordered: true });

/** A stand-in for an ioredis client whose `EVALSHA` answers the test decides. */
function fakeClient(evalsha: () => Promise<unknown>) {
  const calls: string[] = [];
  const client: RedisScriptClient & { status: string } = {
    status: 'ready',
    evalsha: (...args) => {
      calls.push(`evalsha ${args.join(' ')}`);
      return evalsha();
    },
    eval: (...args) => {
      calls.push(`eval ${args.slice(1).join(' ')}`);
      return Promise.resolve('from eval');
    },
  };
  return { client, calls };
}

function calls(client: RedisScriptClient, redisTimeoutMs = 20, maxInFlight = 2) {
  return new RedisCalls<RedisScriptClient, 'read' | 'write'>(client, {
    redisTimeoutMs,
    maxInFlight,
  });
}

function noScript(): Promise<never> {
  return Promise.reject(new Error('NOSCRIPT No matching script.'));
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('luaScript', () => {
  it('computes the SHA1 once and freezes the script', () => {
    expect(SCRIPT).toEqual({
      source: 'return 1',
      sha: 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db',
      ordered: false,
    });
    expect(Object.isFrozen(SCRIPT)).toBe(true);
    expect(ORDERED.ordered).toBe(true);
  });
});

describe('RedisCalls.eval', () => {
  it('sends EVALSHA and returns its reply', async () => {
    const { client, calls: sent } = fakeClient(() => Promise.resolve(7));
    const redis = calls(client);
    await expect(redis.eval('read', SCRIPT, ['k'], [1])).resolves.toEqual({ ok: true, value: 7 });
    expect(sent).toEqual([`evalsha ${SCRIPT.sha} 1 k 1`]);
    expect(redis.stats()).toEqual({ errors: 0, timeouts: 0, inFlight: 0 });
  });

  it('falls back to EVAL when the server does not know the script', async () => {
    const { client, calls: sent } = fakeClient(noScript);
    const outcome = await calls(client).eval('read', SCRIPT, ['k'], ['a']);
    expect(outcome).toEqual({ ok: true, value: 'from eval' });
    expect(sent).toEqual([`evalsha ${SCRIPT.sha} 1 k a`, 'eval 1 k a']);
  });

  it('sends an ordered script as EVAL at once', async () => {
    const { client, calls: sent } = fakeClient(noScript);
    await expect(calls(client).eval('write', ORDERED, ['k'], [])).resolves.toMatchObject({
      ok: true,
    });
    expect(sent).toEqual(['eval 1 k']);
  });

  it('does not send EVAL when the client dropped after NOSCRIPT', async () => {
    const fake = fakeClient(() => {
      fake.client.status = 'reconnecting';
      return noScript();
    });
    const redis = calls(fake.client);
    const outcome = await redis.eval('read', SCRIPT, [], []);
    expect(outcome).toMatchObject({ ok: false, sent: true, event: { operation: 'read' } });
    expect(outcome.ok === false && outcome.event.kind).toBe('error');
    expect(outcome.ok === false && outcome.event.error).toBeInstanceOf(RedisUnavailableError);
    expect(fake.calls).toHaveLength(1);
    expect(redis.stats().errors).toBe(1);
  });

  it('does not send EVAL when NOSCRIPT comes after the caller stopped waiting', async () => {
    let answer: (error: Error) => void = () => {};
    const { client, calls: sent } = fakeClient(
      () =>
        new Promise((_, reject) => {
          answer = reject;
        }),
    );
    const redis = calls(client, 10);
    const outcome = redis.eval('read', SCRIPT, [], []);
    await vi.advanceTimersByTimeAsync(10);
    await expect(outcome).resolves.toMatchObject({ ok: false, event: { kind: 'timeout' } });
    answer(new Error('NOSCRIPT No matching script.'));
    await redis.drain();
    await Promise.resolve();
    expect(sent).toHaveLength(1);
  });

  it('reports an error reply as it is', async () => {
    const error = new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
    const { client } = fakeClient(() => Promise.reject(error));
    const outcome = await calls(client).eval('write', SCRIPT, [], []);
    expect(outcome).toEqual({
      ok: false,
      sent: true,
      event: { operation: 'write', kind: 'error', error },
    });
  });
});

describe('RedisCalls', () => {
  it('counts timeouts and skipped calls, and labels each failure', async () => {
    const { client } = fakeClient(() => new Promise(() => {}));
    const redis = calls(client, 5, 2);
    const first = redis.run('read', (c) => c.evalsha('x', 0));
    const second = redis.run('write', (c) => c.evalsha('x', 0));
    await vi.advanceTimersByTimeAsync(5);
    const [a, b] = await Promise.all([first, second]);
    expect(a).toMatchObject({
      ok: false,
      sent: true,
      event: { operation: 'read', kind: 'timeout' },
    });
    expect(b.ok === false && b.event.error).toBeInstanceOf(RedisTimeoutError);
    const third = await redis.run('read', (c) => c.evalsha('x', 0));
    expect(third).toMatchObject({ ok: false, sent: false, event: { kind: 'unavailable' } });
    expect(
      third.ok === false && third.event.kind === 'unavailable' && third.event.error.reason,
    ).toBe('saturated');
    expect(redis.stats()).toEqual({ errors: 3, timeouts: 2, inFlight: 2 });
    redis.count({ kind: 'timeout' });
    redis.count({ kind: 'corrupt' });
    expect(redis.stats()).toMatchObject({ errors: 5, timeouts: 3 });
  });
});

describe('resolveRedisCallOptions', () => {
  it('applies the documented defaults', () => {
    expect(resolveRedisCallOptions({})).toEqual({ redisTimeoutMs: 200, maxInFlight: 1000 });
    expect(REDIS_CALL_DEFAULTS).toEqual({ redisTimeoutMs: 200, maxInFlight: 1000 });
    expect(resolveRedisCallOptions({ redisTimeoutMs: 0.5, maxInFlight: 1 })).toEqual({
      redisTimeoutMs: 0.5,
      maxInFlight: 1,
    });
  });

  it('refuses values out of range, naming the option', () => {
    expect(() => resolveRedisCallOptions({ redisTimeoutMs: 0 })).toThrow(
      new RangeError(
        'Expected `redisTimeoutMs` to be a finite number > 0 and <= 2147483647, got `0` (number)',
      ),
    );
    expect(() => resolveRedisCallOptions({ redisTimeoutMs: 2 ** 31 })).toThrow(RangeError);
    expect(() => resolveRedisCallOptions({ redisTimeoutMs: '1' })).toThrow(TypeError);
    expect(() => resolveRedisCallOptions({ maxInFlight: 1.5 })).toThrow(
      new RangeError('Expected `maxInFlight` to be an integer >= 1, got `1.5` (number)'),
    );
    expect(() => resolveRedisCallOptions({ maxInFlight: 0 })).toThrow(RangeError);
  });
});

describe('checkRedisClient', () => {
  const base = { status: 'ready', evalsha() {}, eval() {} };

  it('accepts a client with the script commands and the ones asked for', () => {
    expect(checkRedisClient('redis', base)).toBe(base);
    const withSet = { ...base, set() {} };
    expect(checkRedisClient('redis', withSet, ['set'])).toBe(withSet);
    const cluster = { ...base, isCluster: true, nodes() {} };
    expect(checkRedisClient('redis', cluster)).toBe(cluster);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['no status', { evalsha() {}, eval() {} }],
    ['no eval', { status: 'ready', evalsha() {} }],
    ['a cluster without nodes', { ...base, isCluster: true }],
  ])('refuses %s', (_, value) => {
    expect(() => checkRedisClient('redis', value)).toThrow(
      /^Expected `redis` to be an ioredis Redis or Cluster instance, got /,
    );
  });

  it('refuses a client without a command the store sends', () => {
    expect(() => checkRedisClient('client', base, ['publish'])).toThrow(TypeError);
  });
});
