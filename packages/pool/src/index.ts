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
  CreateErrorEvent,
  CreateEvent,
  DestroyErrorEvent,
  DestroyEvent,
  DestroyReason,
  LeakEvent,
  Lease,
  PoolAcquireOptions,
  PoolStats,
  UseContext,
} from './pool.js';
export { Pool } from './pool.js';
