export type {
  BreakerCallCounts,
  BreakerExecuteOptions,
  BreakerRejectEvent,
  BreakerState,
  BreakerStats,
  BreakerWindowStats,
  FailureEvent,
  SlowEvent,
  StateChangeEvent,
  SuccessEvent,
  TimeoutEvent,
  TripReason,
} from '../circuit-breaker.js';
export {
  BreakerOpenError,
  isBreakerOpenError,
  isOperationTimeoutError,
  OperationTimeoutError,
} from '../errors.js';
export type { CallContext, ExecuteOptions, Operation, Policy } from '../policy.js';
export type {
  Backoff,
  ConstantBackoff,
  DecorrelatedJitterBackoff,
  ExponentialBackoff,
} from '../retry.js';
export type { FleetRedisErrorEvent, FleetRedisOperation } from './errors.js';
export {
  FleetBreakerClosedError,
  isFleetBreakerClosedError,
  isRedisTimeoutError,
  isRedisUnavailableError,
  RedisTimeoutError,
  RedisUnavailableError,
} from './errors.js';
export { FleetCircuitBreaker } from './fleet-circuit-breaker.js';
export type {
  FleetBreakerStats,
  FleetMode,
  FleetStateChangeEvent,
  ModeChangeEvent,
} from './fleet-events.js';
export type { FleetCircuitBreakerOptions, FleetWindowOptions, RedisClient } from './options.js';
