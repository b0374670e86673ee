import { startRedis } from '@breakwater/testing';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Algorithm, type LimitRule, RateLimiter, type RateLimitResult } from '../index.js';
import { buildConsumeScript, parseScriptReply, scriptTtl } from './script.js';

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
  // `now` is virtual here, the TTL real: keep the state for the whole test (a longer TTL
  // never changes a decision; the TTL itself is tested below).
  const { source } = buildConsumeScript(algorithm, normalized, longTtl ? 600_000 : undefined);
  const args = [String(now)];
  for (const [key, cost] of requests) args.push(String(key + 1), String(cost), '1');
  const reply = await client.eval(source, keys.length, ...keys, ...args);
  return parseScriptReply(reply, requests.length, rules.length).map((d) => ({
    allowed: d.allowed,
    limit: rules[d.rule]!.limit,
    remaining: d.remaining,
    retryAfterMs: d.retryAfterMs,
    resetAfterMs: d.resetAfterMs,
  }));
}

const smallRule = fc.record({
  limit: fc.integer({ min: 1, max: 12 }),
  windowMs: fc.integer({ min: 1, max: 5_000 }),
  burst: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
});
// Up to 10^8 units per window: a unit can be far below the clock's resolution at epoch ms.
const largeRule = fc.record({
  limit: fc.integer({ min: 1_000, max: 100_000_000 }),
  windowMs: fc.oneof(
    fc.integer({ min: 1, max: 3_600_000 }),
    fc.double({ min: 0.001, max: 100_000, noNaN: true }),
  ),
  burst: fc.option(fc.integer({ min: 1_000, max: 100_000_000 }), { nil: undefined }),
});
const ruleArb = fc.oneof(smallRule, largeRule);

describe('the Lua script decides exactly as the in-process RateLimiter', () => {
  it.each(algorithms)('%s: any limits, any arrivals, batched or not', async (algorithm) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(ruleArb, { minLength: 1, maxLength: 3 }),
        // The first instant: like the server's clock (epoch ms with a µs fraction) or small.
        fc.oneof(
          fc.double({ min: 1.6e12, max: 2e12, noNaN: true }),
          fc.integer({ min: 1.6e12, max: 2e12 }),
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
              fc.tuple(
                fc.integer({ min: 0, max: 1 }),
                fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 100_000_000 })),
              ),
              {
                minLength: 1,
                maxLength: 4,
              },
            ),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        async (drawn, start, steps) => {
          // `burst` is for GCRA and token bucket only (refused otherwise).
          const bursty = algorithm === 'gcra' || algorithm === 'token-bucket';
          const rules = bursty ? drawn : drawn.map(({ limit, windowMs }) => ({ limit, windowMs }));
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
            // Durations too: whole ms on both sides.
            expect(remote).toEqual(expected);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** The numbers of state stored for `key`, after its tag. */
async function stored(key: string): Promise<{ tag: string; numbers: number[] } | null> {
  const value = await client.getBuffer(key);
  if (value === null) return null;
  const colon = value.indexOf(':');
  const numbers: number[] = [];
  for (let at = colon + 1; at < value.length; at += 8) numbers.push(value.readDoubleLE(at));
  return { tag: value.subarray(0, colon + 1).toString(), numbers };
}

describe('the stored state', () => {
  it('is one value per key, tagged, with a TTL after which a fresh key decides the same', async () => {
    const rules = [
      { limit: 10, windowMs: 1_000 },
      { limit: 100, windowMs: 60_000, burst: 5 },
    ];
    const numbers = { gcra: 4, 'token-bucket': 4, 'sliding-window': 6, 'fixed-window': 4 };
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
      const state = await stored(key);
      expect(state?.tag).toBe(`${algorithm[0]}2:`);
      expect(state?.numbers).toHaveLength(numbers[algorithm]);
    }
    // GCRA/token bucket: a full bucket (60 s / 100 × 5 = 3 s); windows: the window or two.
    expect(scriptTtl('gcra', [{ limit: 100, windowMs: 60_000, burst: 5 }])).toBe(3_000);
    expect(scriptTtl('fixed-window', [{ limit: 100, windowMs: 60_000, burst: 5 }])).toBe(60_000);
    expect(scriptTtl('sliding-window', [{ limit: 100, windowMs: 60_000, burst: 5 }])).toBe(120_000);
  });

  it('keeps full precision: a GCRA origin reads back as the same double', async () => {
    const key = 'precise:1';
    const now = 1_733_338_800_123.456;
    await script('gcra', [{ limit: 3, windowMs: 1_000 }], [key], now, [[0, 1]]);
    // The origin and the units booked since.
    expect((await stored(key))?.numbers).toEqual([now, 1]);
  });

  it('GCRA at an epoch-ms instant admits exactly the burst of a large limit', async () => {
    const rules = [{ limit: 1_000_000, windowMs: 60_000 }];
    const now = 1_800_000_000_123.456;
    const results = await script('gcra', rules, ['exact:1'], now, Array(1_010).fill([0, 1_000]));
    expect(results.filter((r) => r.allowed)).toHaveLength(1_000);
    // 17 ms later: 17 × 1e6 / 60,000 = 283.3 units released, not a whole request of 1,000.
    const [later] = await script('gcra', rules, ['exact:1'], now + 17, [[0, 1_000]]);
    expect(later).toMatchObject({ allowed: false, remaining: 283 });
    const [units] = await script('gcra', rules, ['exact:1'], now + 17, [[0, 283]]);
    expect(units).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('a denied request writes nothing', async () => {
    const key = 'denied:1';
    await script('fixed-window', [{ limit: 1, windowMs: 10_000 }], [key], 20_000, [[0, 1]]);
    const before = await stored(key);
    expect(before?.numbers).toEqual([20_000, 1]);
    const [denied] = await script('fixed-window', [{ limit: 1, windowMs: 10_000 }], [key], 21_000, [
      [0, 1],
    ]);
    expect(denied).toMatchObject({ allowed: false, retryAfterMs: 9_000 });
    expect(await stored(key)).toEqual(before);
  });

  it('state of another configuration under the same key counts as fresh', async () => {
    const key = 'other:1';
    await script('fixed-window', [{ limit: 1, windowMs: 10_000 }], [key], 20_000, [[0, 1]]);
    // Same size (two numbers), other algorithm; then another number of limits.
    const [gcra] = await script(
      'gcra',
      [
        { limit: 1, windowMs: 10_000 },
        { limit: 2, windowMs: 20_000 },
      ],
      [key],
      20_000,
      [[0, 1]],
    );
    expect(gcra).toMatchObject({ allowed: true });
    const [fixed] = await script('fixed-window', [{ limit: 1, windowMs: 10_000 }], [key], 20_000, [
      [0, 1],
    ]);
    expect(fixed).toMatchObject({ allowed: true });
    await client.del(key);
    await client.rpush(key, 'a list');
    const [list] = await script('fixed-window', [{ limit: 1, windowMs: 10_000 }], [key], 20_000, [
      [0, 1],
    ]);
    expect(list).toMatchObject({ allowed: true });
    expect(await client.type(key)).toBe('string');
    await client.set(key, 'f1:garbage');
    const [again] = await script('fixed-window', [{ limit: 1, windowMs: 10_000 }], [key], 20_000, [
      [0, 1],
    ]);
    expect(again).toMatchObject({ allowed: true });
  });

  it('uses the server clock unless told otherwise', async () => {
    const [seconds] = await client.time();
    const key = 'clock:1';
    const { source } = buildConsumeScript('fixed-window', [
      { limit: 5, windowMs: 1_000, burst: 5 },
    ]);
    await client.eval(source, 1, key, '', '1', '1', '1');
    const start = (await stored(key))!.numbers[0]!;
    expect(Math.abs(start - Number(seconds) * 1000)).toBeLessThan(5_000);
  });

  it('stores state of windows too long for a Redis TTL', async () => {
    const rules = [{ limit: 1, windowMs: 1e21, burst: 1 }];
    expect(scriptTtl('fixed-window', rules)).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
    const { source } = buildConsumeScript('fixed-window', rules);
    const reply = await client.eval(source, 1, 'long:1', '', '1', '1', '1');
    expect(parseScriptReply(reply, 1, 1)[0]).toMatchObject({ allowed: true, remaining: 0 });
    expect(await client.pttl('long:1')).toBeGreaterThan(1e15);
  });

  it('a cost of 0 resets the key at its place in the order', async () => {
    const { source } = buildConsumeScript('fixed-window', [{ limit: 2, windowMs: 1e9, burst: 2 }]);
    const key = 'reset:1';
    // A request, a reset, a request: the last one sees a fresh key.
    let reply = await client.eval(source, 1, key, '', '1', '1', '1', '1', '0', '1', '1', '1', '1');
    expect(parseScriptReply(reply, 3, 1).map((d) => d.remaining)).toEqual([1, 0, 1]);
    // A reset last: the key is gone.
    reply = await client.eval(source, 1, key, '', '1', '1', '1', '1', '0', '1');
    expect(parseScriptReply(reply, 2, 1)[1]).toMatchObject({ allowed: true, rule: 0 });
    expect(await client.exists(key)).toBe(0);
  });

  it('refuses limits whose constants overflow', () => {
    // A token rate of 1 / (1e-308 / 10) ms.
    expect(() =>
      buildConsumeScript('token-bucket', [{ limit: 10, windowMs: 1e-308, burst: 10 }]),
    ).toThrow(new RangeError('The limits give a constant that is not finite: Infinity'));
  });

  it('builds one script per configuration, with the limits as constants', () => {
    const a = buildConsumeScript('gcra', [{ limit: 3, windowMs: 1_000, burst: 3 }]);
    const b = buildConsumeScript('gcra', [{ limit: 3, windowMs: 1_000, burst: 3 }]);
    const c = buildConsumeScript('gcra', [{ limit: 3, windowMs: 1_000, burst: 2 }]);
    expect(a).toEqual(b);
    expect(a.sha).not.toBe(c.sha);
    expect(a.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(a.source).toContain(String(1_000 / 3));
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
    // Durations: whole ms, as integers or, beyond 2^53, strings.
    expect(parseScriptReply([0, 1, 3, 2, '2.5e16'], 1, 1)).toEqual([
      { allowed: false, rule: 0, remaining: 3, retryAfterMs: 2, resetAfterMs: 2.5e16 },
    ]);
  });
});
