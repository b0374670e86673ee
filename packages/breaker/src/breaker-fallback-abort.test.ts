import { describe, expect, it } from 'vitest';
import { fallback } from './fallback.js';

describe('fallback and a caller abort during the handler', () => {
  it('rejects at once with signal.reason, not with the fallback value', async () => {
    const controller = new AbortController();
    const policy = fallback(
      () => new Promise<string>((resolve) => setTimeout(() => resolve('fallback'), 100)),
    );
    const started = Date.now();
    const result = policy.execute(
      async () => {
        throw new Error('boom');
      },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('caller gave up')), 20);
    const outcome = await result.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    expect(outcome).toEqual({ error: new Error('caller gave up') });
    expect(Date.now() - started).toBeLessThan(80);
  });
});
