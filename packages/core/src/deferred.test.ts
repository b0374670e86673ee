import { expect, it } from 'vitest';
import { deferred } from './deferred.js';

it('a deferred resolves with the value given to resolve', async () => {
  const d = deferred<number>();
  d.resolve(7);
  await expect(d.promise).resolves.toBe(7);
});

it('a deferred rejects with the reason given to reject', async () => {
  const d = deferred<number>();
  const reason = new Error('no');
  d.reject(reason);
  await expect(d.promise).rejects.toBe(reason);
});
