export {
  CreateTimeoutError,
  InvalidResourceError,
  isCreateTimeoutError,
  isInvalidResourceError,
  isNotBorrowedError,
  isPoolClosedError,
  isPoolCloseTimeoutError,
  isPoolFullError,
  isPoolTimeoutError,
  isValidateTimeoutError,
  NotBorrowedError,
  PoolClosedError,
  PoolCloseTimeoutError,
  PoolFullError,
  PoolTimeoutError,
  ValidateTimeoutError,
} from './errors.js';
export type { PoolOptions } from './options.js';
export type {
  AcquireOptions,
  CreateErrorEvent,
  CreateEvent,
  DestroyErrorEvent,
  DestroyEvent,
  DestroyReason,
  LeakEvent,
  Lease,
  PoolStats,
  UseContext,
} from './pool.js';
export { Pool } from './pool.js';
