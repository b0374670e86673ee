import { checkInteger, checkNumber, checkOptions, checkSignal } from '@breakwater/core';
import type { AcquireOptions } from './rate-limiter.js';

/** `acquire`'s options, validated, with their defaults. */
export interface ResolvedAcquireOptions {
  readonly cost: number;
  readonly signal: AbortSignal | undefined;
  readonly maxWaitMs: number;
}

/**
 * Validates the options of an `acquire` call.
 * @throws TypeError/RangeError naming the option.
 */
export function readAcquireOptions(options: AcquireOptions | undefined): ResolvedAcquireOptions {
  const raw = checkOptions('options', options);
  return {
    cost: checkInteger('cost', raw.cost, { min: 1, default: 1 }),
    signal: checkSignal('signal', raw.signal),
    maxWaitMs: checkNumber('maxWaitMs', raw.maxWaitMs, {
      min: 0,
      allowInfinity: true,
      default: Number.POSITIVE_INFINITY,
    }),
  };
}
