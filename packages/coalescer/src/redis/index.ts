export {
  isRedisTimeoutError,
  isRedisUnavailableError,
  RedisTimeoutError,
  RedisUnavailableError,
} from '@breakwater/core/redis';
export {
  CoalescerClosedError,
  CoalescerLockLostError,
  CoalescerRemoteError,
  type CoalescerRemoteErrorInfo,
  CoalescerSerializeError,
  CoalescerWaitTimeoutError,
  isCoalescerClosedError,
  isCoalescerLockLostError,
  isCoalescerRemoteError,
  isCoalescerSerializeError,
  isCoalescerWaitTimeoutError,
} from '../errors.js';
export type { CoalescerRunOptions } from '../options.js';
export type { CoalescerSerializer, RedisCoalescerOptions } from './options.js';
export {
  type CoalescerFallbackEvent,
  type CoalescerRedisErrorEvent,
  type CoalescerRedisOperation,
  RedisCoalescer,
  type RedisCoalescerStats,
} from './redis-coalescer.js';
