/**
 * Type tests, compiled by `typecheck` and never run: every optional option accepts an
 * explicit `undefined`, so `{ timeoutMs: config.timeoutMs }` compiles under
 * `exactOptionalPropertyTypes` when the value may be missing.
 */
import type { ExponentialBackoff } from './backoff.js';
import type { BreakwaterErrorOptions } from './errors.js';
import type { RaceOperationOptions } from './race-operation.js';
import type { LuaScriptOptions } from './redis/lua-script.js';
import type { RedisCallOptions } from './redis/redis-calls.js';
import type { NumberOption, NumberRule } from './validate.js';
import type { WaiterOptions } from './waiter.js';

export const backoff: ExponentialBackoff = {
  type: 'exponential',
  initialDelayMs: 10,
  maxDelayMs: 1000,
  multiplier: undefined,
  jitter: undefined,
};
export const errorOptions: BreakwaterErrorOptions = { cause: undefined };
export const raceOptions: RaceOperationOptions = {
  signal: undefined,
  timeoutMs: undefined,
  timeoutReason: undefined,
};
export const scriptOptions: LuaScriptOptions = { ordered: undefined };
export const callOptions: RedisCallOptions = { redisTimeoutMs: undefined, maxInFlight: undefined };
export const rule: NumberRule = {
  min: undefined,
  max: undefined,
  exclusiveMin: undefined,
  integer: undefined,
  allowInfinity: undefined,
};
export const option: NumberOption = { ...rule, default: undefined };
export const waiterOptions: WaiterOptions = {
  signal: undefined,
  onAbort: undefined,
  timeoutMs: undefined,
  onTimeout: undefined,
};
