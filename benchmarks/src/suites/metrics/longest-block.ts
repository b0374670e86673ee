import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CaseFigure } from '../../runner/suite-definition.js';

/** Resolution of the event-loop delay monitor, in ms (its smallest). */
const resolutionMs = 1;

/** Time given to the monitor before and after the call, in ms: a few of its ticks. */
const settleMs = 10;

/**
 * The longest event-loop block while one call runs, in ms: `monitorEventLoopDelay` (1 ms
 * resolution) is enabled, given a few ticks (it records the gap between two of its ticks, so
 * it needs one before the call), the call runs and is awaited, and the monitor is given a few
 * ticks more so that it records the block the call ended with. Its largest gap is the
 * figure; a loop that never blocked reads about the resolution.
 */
export const longestBlock: CaseFigure = {
  name: 'longest block',
  unit: 'ms',
  measure: async (call) => {
    const delay = monitorEventLoopDelay({ resolution: resolutionMs });
    delay.enable();
    try {
      await sleep(settleMs);
      await call();
      await sleep(settleMs);
    } finally {
      delay.disable();
    }
    return delay.max / 1e6;
  },
};
