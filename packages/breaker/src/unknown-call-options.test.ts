import { describe, expect, it } from 'vitest';
import { bulkhead } from './bulkhead.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { fallback } from './fallback.js';
import { retry } from './retry.js';
import { timeout } from './timeout.js';
import { wrap } from './wrap.js';

describe('per-call options that are not options', () => {
  it('are refused by the breaker before the function runs, naming the key', async () => {
    const breaker = new CircuitBreaker();
    let ran = false;
    await expect(
      breaker.execute(
        () => {
          ran = true;
        },
        { tiemoutMs: 1 } as never,
      ),
    ).rejects.toThrow(
      new TypeError(
        'Unknown option `tiemoutMs` in `options`; the options are `signal`, `timeoutMs`',
      ),
    );
    expect(ran).toBe(false);
    expect(breaker.stats().calls).toBe(0);
  });

  it('are refused by every policy', async () => {
    const policies = [
      retry({ maxAttempts: 2, backoff: { type: 'constant', delayMs: 0 } }),
      timeout(1_000),
      bulkhead({ maxConcurrent: 1 }),
      fallback(0),
      wrap(timeout(1_000)),
      wrap(),
    ];
    for (const policy of policies) {
      await expect(policy.execute(() => 1, { timeoutMs: 5 } as never)).rejects.toThrow(
        new TypeError('Unknown option `timeoutMs` in `options`; the options are `signal`'),
      );
    }
  });

  it('still let composed policies forward their signal to each other', async () => {
    const controller = new AbortController();
    const policy = wrap(
      fallback(-1),
      retry({ maxAttempts: 2, backoff: { type: 'constant', delayMs: 0 } }),
      new CircuitBreaker(),
      bulkhead({ maxConcurrent: 2 }),
      timeout(1_000),
    );
    await expect(policy.execute(() => 7, { signal: controller.signal })).resolves.toBe(7);
    await expect(policy.execute(() => 8, {})).resolves.toBe(8);
    const breaker = new CircuitBreaker();
    await expect(
      breaker.execute(() => 9, { signal: controller.signal, timeoutMs: 100 }),
    ).resolves.toBe(9);
    await expect(
      breaker.execute(() => 10, { signal: undefined, timeoutMs: undefined }),
    ).resolves.toBe(10);
  });
});
