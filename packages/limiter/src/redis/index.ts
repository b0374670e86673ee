export {
  type OutageEvent,
  type OutagePolicy,
  type RedisAlgorithm,
  RedisRateLimiter,
  type RedisRateLimiterOptions,
  type RedisRateLimiterStats,
} from './redis-rate-limiter.js';
export { CONSUME_SCRIPT, consumeArgs, type LuaScript, type ScriptRule } from './script.js';
