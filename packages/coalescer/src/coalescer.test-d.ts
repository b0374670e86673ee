/**
 * Type tests, compiled by `typecheck` and never run: the generics of `Coalescer` and
 * `RedisCoalescer`, and explicit `undefined` for every optional option.
 */
import type { Redis } from 'ioredis';
import { Coalescer, type CoalescerOptions, type CoalescerRunOptions } from './index.js';
import { RedisCoalescer, type RedisCoalescerOptions } from './redis/index.js';

export const options: CoalescerOptions = {
  resultTtlMs: undefined,
  cacheErrors: undefined,
  clock: undefined,
};
export const runOptions: CoalescerRunOptions = { signal: undefined };

const users = new Coalescer<{ id: number }, string>();
// The value type flows from V; fn may be sync or async.
export const name: Promise<string> = users.run({ id: 1 }, async () => 'ada');
export const sync: Promise<string> = users.run({ id: 1 }, () => 'ada');
// @ts-expect-error the value must be a V
users.run({ id: 1 }, async () => 1);
// @ts-expect-error the key must be a K
users.run('1', async () => 'ada');
export const forgotten: boolean = users.forget({ id: 1 });

// V belongs to the coalescer, not to a call (a call may get another caller's value): with
// the default `unknown`, run resolves `unknown` whatever fn returns.
const untyped = new Coalescer();
// @ts-expect-error V defaults to unknown
export const notNarrowed: Promise<number> = untyped.run('k', async () => 1);
export const unknownValue: Promise<unknown> = untyped.run('k', async () => 1);
const numbers = new Coalescer<string, number>();
export const counted: Promise<number> = numbers.run('k', async () => 1);

declare const client: Redis;
export const redisOptions: RedisCoalescerOptions<number> = {
  redis: client,
  prefix: undefined,
  lockTtlMs: undefined,
  waitTimeoutMs: undefined,
  resultTtlMs: undefined,
  pollIntervalMs: undefined,
  serializer: undefined,
  clock: undefined,
  redisTimeoutMs: undefined,
  maxInFlight: undefined,
};
const shared = new RedisCoalescer<string, number>(redisOptions);
export const count: Promise<number> = shared.run('k', (signal) => (signal.aborted ? 0 : 1));
