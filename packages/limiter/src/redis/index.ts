export {
  type OutageEvent,
  type OutagePolicy,
  type RedisAlgorithm,
  RedisRateLimiter,
  type RedisRateLimiterOptions,
  type RedisRateLimiterStats,
} from './redis-rate-limiter.js';
export {
  CONSUME_SCRIPT,
  type LuaScript,
  parseScriptReply,
  type ScriptDecision,
  type ScriptRule,
  scriptArgs,
} from './script.js';
