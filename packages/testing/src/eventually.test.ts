import { describe, expect, it } from 'vitest';
import { eventually } from './eventually.js';

describe('eventually', () => {
  it('resolves once the check holds, awaiting checks that return promises', async () => {
    let calls = 0;
    await eventually('the third check', async () => ++calls >= 3, { intervalMs: 1 });
    expect(calls).toBe(3);
  });

  it('rejects naming what it waited for once timeoutMs has passed', async () => {
    await expect(
      eventually('pigs fly', () => false, { timeoutMs: 20, intervalMs: 5 }),
    ).rejects.toThrow('Timed out after 20 ms waiting until pigs fly');
  });
});
