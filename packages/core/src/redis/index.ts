export {
  isRedisTimeoutError,
  isRedisUnavailableError,
  RedisTimeoutError,
  RedisUnavailableError,
} from './errors.js';
export type { LuaScript, LuaScriptOptions, RedisScriptClient } from './lua-script.js';
export { evalScript, luaScript } from './lua-script.js';
export type {
  RedisCallOptions,
  RedisCallStats,
  RedisFailureEvent,
  RedisOutcome,
  ResolvedRedisCallOptions,
} from './redis-calls.js';
export { REDIS_CALL_DEFAULTS, RedisCalls, resolveRedisCallOptions } from './redis-calls.js';
export type { RedisClient } from './redis-client.js';
export { checkRedisClient } from './redis-client.js';
export type { RedisGuardCall, RedisGuardFailure, RedisStatusClient } from './redis-guard.js';
export { RedisGuard } from './redis-guard.js';
