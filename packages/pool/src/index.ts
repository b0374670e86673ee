export {
  CreateTimeoutError,
  InvalidResourceError,
  isCreateTimeoutError,
  isInvalidResourceError,
  isNotBorrowedError,
  isPoolClosedError,
  isPoolFullError,
  isPoolTimeoutError,
  NotBorrowedError,
  PoolClosedError,
  PoolFullError,
  PoolTimeoutError,
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
