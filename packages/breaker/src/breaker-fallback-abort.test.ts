import { describe, expect, it } from 'vitest';
import { fallback } from './fallback.js';

describe('fallback and a caller abort during the handler', () => {
  it('rejects with signal.reason, not with the fallback value, while the handler still runs', async () => {
    const controller = new AbortController();
    let handlerStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      handlerStarted = resolve;
    });
    let finishHandler: (value: string) => void = () => {};
    const policy = fallback(() => {
      handlerStarted();
      return new Promise<string>((resolve) => {
        finishHandler = resolve;
      });
    });
    const result = policy.execute(
      async () => {
        throw new Error('boom');
      },
      { signal: controller.signal },
    );
    await started;
    controller.abort(new Error('caller gave up'));
    const outcome = await result.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    expect(outcome).toEqual({ error: new Error('caller gave up') });
    finishHandler('fallback'); // the handler finishing later changes nothing
  });
});
