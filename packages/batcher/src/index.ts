export type { BatcherCounters, BatcherFlushEvent, BatcherFullEvent } from './batch-queue.js';
export type { BatcherOptions, BatcherStats } from './batcher.js';
export { Batcher } from './batcher.js';
export {
  BatcherClosedError,
  BatcherFullError,
  BatchResultError,
  isBatcherClosedError,
  isBatcherFullError,
  isBatchResultError,
} from './errors.js';
export type { Loader, LoaderCache, LoaderOptions, LoaderStats } from './loader.js';
export { createLoader } from './loader.js';
export type {
  BatchContext,
  BatcherAddOptions,
  BatchingOptions,
  FlushReason,
} from './options.js';
export type {
  DeadLetterEvent,
  WriteBehindOptions,
  WriteBehindStats,
  WriteContext,
  WriteRetryEvent,
} from './write-behind.js';
export { WriteBehindBatcher } from './write-behind.js';
