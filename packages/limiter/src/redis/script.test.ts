import { startRedis } from '@breakwater/testing';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Algorithm,
  type LimitRule,
  RateLimiter,
  type RateLimitResult,
} from '../rate-limiter.js';
import { CONSUME_SCRIPT, parseScriptReply, scriptArgs, scriptTtl } from './script.js';

let server: Awaited<ReturnType<typeof startRedis>>;
let client: Redis;
let run = 0;

beforeAll(async () => {
  server = await startRedis();
  client = server.client();
  await client.ping();
});
afterAll(() => server.stop());

const algorithms: Algorithm[] = ['gcra', 'token-bucket', 'sliding-window', 'fixed-window'];

/** Runs the script once at `now` for `requests` (key index into `keys`, cost). */
async function script(
  algorithm: Algorithm,
  rules: LimitRule[],
  keys: string[],
  now: number,
  requests: Array<[number, number]>,
  longTtl = true,
): Promise<RateLimitResult[]> {
  const normalized = rules.map((r) => ({ ...r, burst: r.burst ?? r.limit }));
  const args = scriptArgs(algorithm, normalized, now);
  // `now` is virtual here, the TTL real: keep the state for the whole test (a longer TTL
  // never changes a decision; the TTL itself is tested below).
  if (longTtl) args[1] = '600000';
  for (const [key, cost] of requests) args.push(String(key + 1), String(cost), '1');
  const reply = await client.eval(CONSUME_SCRIPT.source, keys.length, ...keys, ...args);
  return parseScriptReply(reply, requests.length, rules.length).map((d) => ({
    allowed: d.allowed,
    limit: rules[d.rule]!.limit,
    remaining: d.remaining,
    retryAfterMs: d.retryAfterMs,
    resetAfterMs: d.resetAfterMs,
  }));
}

const exact = ({ allowed, limit, remaining }: RateLimitResult) => ({ allowed, limit, remaining });

const ruleArb = fc.record({
  limit: fc.integer({ min: 1, max: 12 }),
  windowMs: fc.integer({ min: 1, max: 5_000 }),
  burst: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
});

describe('the Lua script decides exactly as the in-process RateLimiter', () => {
  it.each(algorithms)('%s: any limits, any arrivals, batched or not', async (algorithm) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(ruleArb, { minLength: 1, maxLength: 3 }),
        // The first instant: like the server's clock (epoch ms with a µs fraction) or small.
        fc.oneof(
          fc.double({ min: 1.6e12, max: 2e12, noNaN: true }),
          fc.integer({ min: 0, max: 1e6 }),
        ),
        fc.array(
          fc.record({
            dt: fc.oneof(
              fc.constant(0),
              fc.integer({ min: 0, max: 3_000 }),
              fc.double({ min: 0, max: 50, noNaN: true }),
            ),
            requests: fc.array(
              fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 12 })),
              {
                minLength: 1,
                maxLength: 4,
              },
            ),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        async (rules, start, steps) => {
          let now = start;
          const clock = { now: () => now };
          const local = new RateLimiter({ limits: rules, algorithm, clock });
          const maxCost = local.maxCost;
          const id = ++run;
          const keys = [`eq:${id}:a`, `eq:${id}:b`];
          for (const step of steps) {
            now += step.dt;
            const requests = step.requests.map(([k, c]): [number, number] => [
              k,
              Math.min(c, maxCost),
            ]);
            const remote = await script(algorithm, rules, keys, now, requests);
            const expected = requests.map(([k, c]) => local.consume(keys[k]!, c));
            expect(remote.map(exact)).toEqual(expected.map(exact));
            // Durations come back as integer nanoseconds.
            for (let i = 0; i < remote.length; i++) {
              expect(Math.abs(remote[i]!.retryAfterMs - expected[i]!.retryAfterMs)).toBeLessThan(
                1e-6,
              );
              expect(Math.abs(remote[i]!.resetAfterMs - expected[i]!.resetAfterMs)).toBeLessThan(
                1e-6,
              );
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('the stored state', () => {
  it('is one hash per key with a TTL after which a fresh key decides the same', async () => {
    const rules = [
      { limit: 10, windowMs: 1_000 },
      { limit: 100, windowMs: 60_000, burst: 5 },
    ];
    for (const algorithm of algorithms) {
      const key = `ttl:${algorithm}`;
      await script(algorithm, rules, [key], 5_000, [[0, 1]], false);
      const ttl = await client.pttl(key);
      const expected = scriptTtl(
        algorithm,
        rules.map((r) => ({ ...r, burst: r.burst ?? r.limit })),
      );
      expect(ttl).toBeGreaterThan(expected - 1_000);
      expect(ttl).toBeLessThanOrEqual(expected);
      expect(Object.keys(await client.hgetall(key)).sort()).toEqual(
        algorithm === 'gcra'
          ? ['g1.1', 'g2.1']
          : algorithm === 'sliding-window'
            ? ['s1.1', 's1.2', 's1.3', 's2.1', 's2.2', 's2.3']
            : [
                `${algorithm[0]}1.1`,
                `${algorithm[0]}1.2`,
                `${algorithm[0]}2.1`,
                `${algorithm[0]}2.2`,
              ],
      );
    }
    // GCRA/token bucket: a full bucket (60 s / 100 × 5 = 3 s); windows: the window or two.
    expect(scriptTtl('gcra', [{ limit: 100, windowMs: 60_000, burst: 5 }])).toBe(3_000);
    expect(scriptTtl('fixed-window', [{ limit: 100, windowMs: 60_000, burst: 5 }])).toBe(60_000);
    expect(scriptTtl('sliding-window', [{ limit: 100, windowMs: 60_000, burst: 5 }])).toBe(120_000);
  });

  it('a denied request writes nothing', async () => {
    const key = 'denied:1';
    await script('fixed-window', [{ limit: 1, windowMs: 10_000 }], [key], 20_000, [[0, 1]]);
    const before = await client.hgetall(key);
    const [denied] = await script('fixed-window', [{ limit: 1, windowMs: 10_000 }], [key], 21_000, [
      [0, 1],
    ]);
    expect(denied).toMatchObject({ allowed: false, retryAfterMs: 9_000 });
    expect(await client.hgetall(key)).toEqual(before);
  });

  it('uses the server clock unless told otherwise', async () => {
    const [seconds] = await client.time();
    const key = 'clock:1';
    const args = [
      ...scriptArgs('fixed-window', [{ limit: 5, windowMs: 1_000, burst: 5 }]),
      '1',
      '1',
      '1',
    ];
    await client.eval(CONSUME_SCRIPT.source, 1, key, ...args);
    const start = Number(await client.hget(key, 'f1.1'));
    expect(Math.abs(start - Number(seconds) * 1000)).toBeLessThan(5_000);
  });
});

describe('parseScriptReply', () => {
  it('refuses replies of the wrong shape', () => {
    expect(() => parseScriptReply('OK', 1, 1)).toThrow(TypeError);
    expect(() => parseScriptReply([1, 1, 0, '0'], 1, 1)).toThrow(TypeError);
    expect(() => parseScriptReply([1, 2, 0, '0', '0'], 1, 1)).toThrow(
      'Unexpected reply from the rate limit script',
    );
    expect(() => parseScriptReply([1, 1, 0, 'x', '0'], 1, 1)).toThrow(TypeError);
    // Durations: integer ns, or a string of ms when too large for that.
    expect(parseScriptReply([0, 1, 3, 1_500_000, '2.5e12'], 1, 1)).toEqual([
      { allowed: false, rule: 0, remaining: 3, retryAfterMs: 1.5, resetAfterMs: 2.5e12 },
    ]);
  });
});
