export {
  type OutageEvent,
  type OutagePolicy,
  type RedisAlgorithm,
  RedisRateLimiter,
  type RedisRateLimiterOptions,
  type RedisRateLimiterStats,
} from './redis-rate-limiter.js';
export {
  buildConsumeScript,
  type LuaScript,
  parseScriptReply,
  type ScriptDecision,
  type ScriptRule,
  scriptTtl,
} from './script.js';
