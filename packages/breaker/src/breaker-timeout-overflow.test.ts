import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

describe('breaker timeoutMs above the Node timer limit', () => {
  it('refuses a breaker-wide timeout beyond 2^31 - 1 ms instead of firing it at once', () => {
    expect(() => new CircuitBreaker({ timeoutMs: 2 ** 31 })).toThrow(
      new RangeError(
        'Expected `timeoutMs` to be a finite number > 0 and <= 2147483647, got `2147483648` (number)',
      ),
    );
  });

  it('refuses a per-call timeout beyond the limit without running the function', async () => {
    const breaker = new CircuitBreaker();
    let ran = false;
    await expect(
      breaker.execute(
        () => {
          ran = true;
        },
        { timeoutMs: 30 * 24 * 3600 * 1000 },
      ),
    ).rejects.toThrow(RangeError);
    expect(ran).toBe(false);
  });
});
