import type {
  BreakerCallCounts,
  BreakerState,
  BreakerStats,
  BreakerWindowStats,
  StateChangeEvent,
} from '../circuit-breaker.js';

/** Where decisions are made: with the fleet through Redis, or by this process alone. */
export type FleetMode = 'fleet' | 'local';

/** Payload of `onModeChange`. */
export type ModeChangeEvent =
  | {
      mode: 'local';
      /** What failed: the client was not ready, a call timed out, or Redis answered an error. */
      reason: 'unavailable' | 'timeout' | 'error';
      error: unknown;
    }
  | {
      mode: 'fleet';
      /** A sync succeeded again: outcomes recorded meanwhile were pushed, the state read. */
      reason: 'resynced';
    };

/** Payload of `onStateChange`: a state change as this instance sees it. */
export interface FleetStateChangeEvent extends StateChangeEvent {
  /** The mode that decided it: the fleet's state, or the local breaker's. */
  mode: FleetMode;
}

/**
 * A snapshot from `stats()`. The call counters are this instance's, in both modes (as
 * `CircuitBreaker`'s, with `rejected` counting refusals by the fleet's state too).
 */
export interface FleetBreakerStats extends BreakerCallCounts {
  state: BreakerState;
  mode: FleetMode;
  /** The fleet's window as of the last successful sync. */
  fleet: BreakerWindowStats & {
    /** Openings in a row fleet-wide (drives the backoff); 0 when closed. */
    openings: number;
    /** Whole ms (rounded up) since the last successful sync (`Infinity` before the first). */
    syncedAgoMs: number;
  };
  /** Outcomes recorded here and not pushed yet. */
  pending: { calls: number; failures: number; slowCalls: number };
  redis: {
    /** Successful syncs. */
    syncs: number;
    /** Failed Redis calls of every kind, timeouts and skipped calls included. */
    errors: number;
    /** The calls among `errors` that exceeded `redisTimeoutMs`. */
    timeouts: number;
    /** Calls sent and not settled yet in the client, timed-out ones included. */
    inFlight: number;
  };
  /**
   * The local breaker's own stats: it runs every call, enforces in local mode and sits
   * in `metrics-only` in fleet mode, keeping a window of this instance's outcomes.
   */
  local: BreakerStats;
}
