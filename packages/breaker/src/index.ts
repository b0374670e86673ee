export type {
  BreakerExecuteOptions,
  BreakerSnapshot,
  BreakerState,
  BreakerStats,
  FailureEvent,
  RejectEvent,
  SlowEvent,
  StateChangeEvent,
  SuccessEvent,
  TimeoutEvent,
  TripReason,
} from './circuit-breaker.js';
export { CircuitBreaker } from './circuit-breaker.js';
export { BreakerOpenError, isBreakerOpenError, isTimeoutError, TimeoutError } from './errors.js';
export type { CircuitBreakerOptions, OpenBackoff, WindowOptions } from './options.js';
export type { WindowSnapshot } from './outcome-window.js';
export type { CallContext, ExecuteOptions, Operation, Policy } from './policy.js';
