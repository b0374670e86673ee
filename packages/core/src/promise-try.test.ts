import { expect, it } from 'vitest';
import { promiseTry } from './promise-try.js';

it('a synchronous throw becomes a rejection', async () => {
  const error = new Error('sync');
  const result = promiseTry(() => {
    throw error;
  }, undefined);
  await expect(result).rejects.toBe(error);
});

it('a plain value or a thenable becomes a resolution, and the argument is passed', async () => {
  await expect(promiseTry((n: number) => n + 1, 1)).resolves.toBe(2);
  await expect(promiseTry((n: number) => Promise.resolve(n * 3), 2)).resolves.toBe(6);
});
