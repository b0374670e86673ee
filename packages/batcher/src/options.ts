import {
  type Clock,
  checkClock,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOneOf,
  checkOptionalFunction,
  checkOptions,
  checkSignal,
  invalidMessage,
  MAX_TIMER_MS,
} from '@breakwater/core';

/** Why a batch was handed over: it filled up, its delay ran out, or it was flushed. */
export type FlushReason = 'size' | 'weight' | 'delay' | 'flush' | 'close';

/** What `process` (or `write`) receives beside the items. */
export interface BatchContext {
  /**
   * Aborts when every caller of the batch has aborted (with the reason of the last one);
   * a write-behind batch's signal is that of the current attempt, which never aborts as
   * callers have already left.
   */
  readonly signal: AbortSignal;
  /** Why the batch was handed over. */
  readonly reason: FlushReason;
}

/** The options `Batcher` and `WriteBehindBatcher` share: how items gather into batches. */
export interface BatchingOptions<I> {
  /** Most items in one batch; a batch that reaches it is handed over at once. @default 100 */
  maxBatchSize?: number | undefined;
  /**
   * Longest an item waits for its batch to fill, in ms from the batch's first item; `0`
   * hands the batch over at the end of the current tick (after the promise jobs queued in
   * it), as DataLoader does. @default 0
   */
  maxDelayMs?: number | undefined;
  /**
   * Most total weight (`weigh(item)` summed) in one batch; needs `weigh`. An item that
   * would take the batch over it starts a new batch; an item heavier than it on its own
   * goes alone in a batch of its own. @default Infinity
   */
  maxBatchWeight?: number | undefined;
  /** The weight of an item, a finite number >= 0; needs `maxBatchWeight`. */
  weigh?: ((item: I) => number) | undefined;
  /** Most batches being processed at once; the others wait their turn, in order. */
  concurrency?: number | undefined;
  /**
   * Most items queued (added and not yet handed to `process`/`write`); a full batcher
   * acts as `onFull` says. @default Infinity
   */
  maxPending?: number | undefined;
  /**
   * What `add` does when `maxPending` items are queued: `'wait'` for room (in order,
   * abortable through its signal) or `'reject'` with `BatcherFullError`. @default 'wait'
   */
  onFull?: 'wait' | 'reject' | undefined;
  /** Time source for the ages the events report. @default monotonicClock */
  clock?: Clock | undefined;
}

/** Options of `add(item, options)`. */
export interface BatcherAddOptions {
  /**
   * The caller's signal: while the item is queued (or waits for room) an abort takes it
   * out and rejects with `signal.reason`; while its batch is processed the call rejects at
   * once with `signal.reason`. A write-behind add listens only until it is accepted.
   */
  signal?: AbortSignal | undefined;
}

export interface ResolvedBatchingOptions<I> {
  readonly maxBatchSize: number;
  readonly maxDelayMs: number;
  readonly maxBatchWeight: number;
  readonly weigh: ((item: I) => number) | undefined;
  readonly concurrency: number;
  readonly maxPending: number;
  readonly onFull: 'wait' | 'reject';
  readonly clock: Clock;
}

/** The batching options' keys, checked by the compiler against `BatchingOptions`. */
export const BATCHING_KEYS = Object.keys({
  maxBatchSize: true,
  maxDelayMs: true,
  maxBatchWeight: true,
  weigh: true,
  concurrency: true,
  maxPending: true,
  onFull: true,
  clock: true,
} satisfies Record<keyof BatchingOptions<unknown>, true>);

const COUNT = { min: 1, allowInfinity: true } as const;

/**
 * Validates the batching options of `raw` (already checked for unknown keys);
 * `concurrency` defaults to `defaultConcurrency`.
 */
export function resolveBatchingOptions<I>(
  raw: Partial<BatchingOptions<I>>,
  defaultConcurrency: number,
): ResolvedBatchingOptions<I> {
  const maxBatchWeight = checkNumber('maxBatchWeight', raw.maxBatchWeight, {
    min: 0,
    exclusiveMin: true,
    allowInfinity: true,
    default: Number.POSITIVE_INFINITY,
  });
  const weigh = checkOptionalFunction<(item: I) => number>('weigh', raw.weigh);
  if (weigh === undefined && maxBatchWeight !== Number.POSITIVE_INFINITY) {
    throw new TypeError(
      invalidMessage('weigh', 'a function when `maxBatchWeight` is set', undefined),
    );
  }
  if (weigh !== undefined && maxBatchWeight === Number.POSITIVE_INFINITY) {
    throw new RangeError(
      invalidMessage(
        'maxBatchWeight',
        'a finite number > 0 when `weigh` is set (weights bound nothing without it)',
        raw.maxBatchWeight,
      ),
    );
  }
  return Object.freeze({
    maxBatchSize: checkInteger('maxBatchSize', raw.maxBatchSize, { ...COUNT, default: 100 }),
    maxDelayMs: checkNumber('maxDelayMs', raw.maxDelayMs, {
      min: 0,
      max: MAX_TIMER_MS,
      default: 0,
    }),
    maxBatchWeight,
    weigh,
    concurrency: checkInteger('concurrency', raw.concurrency, {
      ...COUNT,
      default: defaultConcurrency,
    }),
    maxPending: checkInteger('maxPending', raw.maxPending, {
      ...COUNT,
      default: Number.POSITIVE_INFINITY,
    }),
    onFull: checkOneOf('onFull', raw.onFull, ['wait', 'reject'], 'wait'),
    clock: checkClock('clock', raw.clock),
  });
}

/**
 * Reads the per-call options of `add(item, options)`: the caller's signal. Only called
 * when an options object is passed.
 * @throws TypeError for a non-object, an unknown key or a signal that is not an AbortSignal.
 */
export function readAddOptions(options: unknown): AbortSignal | undefined {
  const raw = checkOptions('options', options as BatcherAddOptions);
  for (const key in raw) {
    if (key !== 'signal') checkKnownKeys('options', raw, ['signal']);
  }
  return checkSignal('signal', raw.signal);
}

/** Validates the top-level options object and its keys; returns it. */
export function readOptions<T extends object>(
  options: T | undefined,
  known: readonly string[],
): Partial<T> {
  const raw = checkOptions('options', options);
  checkKnownKeys('options', raw, known);
  return raw;
}
