import { BreakwaterError, errorGuard } from '@breakwater/core';

/** The coalescer is closed: it starts and joins no more runs. */
export class CoalescerClosedError extends BreakwaterError {
  static readonly code = 'BREAKWATER_COALESCER_CLOSED';
  constructor() {
    super(CoalescerClosedError.code, 'The coalescer is closed');
  }
}

/** True for a {@link CoalescerClosedError} from any copy of this package. */
export const isCoalescerClosedError = errorGuard(CoalescerClosedError);
