export type {
  BulkheadOptions,
  BulkheadPolicy,
  BulkheadRejectEvent,
  BulkheadStats,
} from './bulkhead.js';
export { bulkhead } from './bulkhead.js';
export type {
  BreakerCallCounts,
  BreakerExecuteOptions,
  BreakerRejectEvent,
  BreakerSnapshot,
  BreakerState,
  BreakerStats,
  BreakerWindowStats,
  FailureEvent,
  SlowEvent,
  StateChangeEvent,
  SuccessEvent,
  TimeoutEvent,
  TripReason,
} from './circuit-breaker.js';
export { CircuitBreaker } from './circuit-breaker.js';
export {
  BreakerOpenError,
  BulkheadClosedError,
  BulkheadRejectedError,
  isBreakerOpenError,
  isBulkheadClosedError,
  isBulkheadRejectedError,
  isOperationTimeoutError,
  OperationTimeoutError,
} from './errors.js';
export type {
  FallbackEvent,
  FallbackHandler,
  FallbackOptions,
  FallbackPolicy,
} from './fallback.js';
export { fallback } from './fallback.js';
export type { CircuitBreakerOptions, WindowOptions } from './options.js';
export type { WindowSnapshot } from './outcome-window.js';
export type { CallContext, ExecuteOptions, Operation, Policy } from './policy.js';
export type {
  Backoff,
  ConstantBackoff,
  DecorrelatedJitterBackoff,
  ExponentialBackoff,
  RetryEvent,
  RetryGiveUpEvent,
  RetryOptions,
  RetryPolicy,
} from './retry.js';
export { retry } from './retry.js';
export type { TimeoutOptions, TimeoutPolicy, TimeoutPolicyEvent } from './timeout.js';
export { timeout } from './timeout.js';
export type { AnyPolicy, ExtraResult, WrappedPolicy } from './wrap.js';
export { wrap } from './wrap.js';
