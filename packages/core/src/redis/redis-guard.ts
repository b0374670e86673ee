import { settleWithin } from '../settle-within.js';
import { RedisTimeoutError, RedisUnavailableError } from './errors.js';

/** The least a guarded client must have: ioredis's connection `status`. */
export interface RedisStatusClient {
  readonly status: string;
}

/** Passed to a guarded command: `timedOut` turns true once the caller stopped waiting. */
export interface RedisGuardCall {
  readonly timedOut: boolean;
}

/** Why a guarded call failed; `sent: false` means Redis never saw it. */
export type RedisGuardFailure<Operation extends string = string> =
  | {
      operation: Operation;
      /** Not sent: the client was not `'ready'`, or `maxInFlight` calls were unsettled. */
      kind: 'unavailable';
      sent: false;
      error: RedisUnavailableError<Operation>;
    }
  | {
      operation: Operation;
      /** The call did not settle within the timeout. */
      kind: 'timeout';
      sent: true;
      error: RedisTimeoutError<Operation>;
    }
  | {
      operation: Operation;
      /** The command threw (`sent: false`) or rejected (`sent: true`). */
      kind: 'error';
      sent: boolean;
      error: unknown;
    };

/**
 * Sends commands to a Redis client so that nothing waits on an outage:
 *
 * - a command is sent only while the client's `status` is `'ready'` (so it never enters
 *   ioredis's offline queue) and fewer than `maxInFlight` earlier commands are still
 *   unsettled; otherwise it is skipped at once;
 * - the caller waits at most `timeoutMs` (an unref'd timer, cleared once the call settles);
 * - failures go to the call's `onFailure`, never thrown; `drain()` waits for every call.
 */
export class RedisGuard<Client extends RedisStatusClient, Operation extends string = string> {
  readonly #client: Client;
  readonly #timeoutMs: number;
  readonly #maxInFlight: number;
  readonly #pending = new Set<Promise<unknown>>();
  #inFlight = 0;

  constructor(client: Client, timeoutMs: number, maxInFlight: number) {
    this.#client = client;
    this.#timeoutMs = timeoutMs;
    this.#maxInFlight = maxInFlight;
  }

  /** Commands sent and not settled yet, timed-out ones included. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Runs `command` if it may be sent now, waiting at most `timeoutMs`. Never rejects: a
   * failure is handed to `onFailure` (synchronously when the call is skipped), whose
   * return value the call resolves with.
   */
  run<T, F>(
    operation: Operation,
    command: (client: Client, call: RedisGuardCall) => Promise<T>,
    onFailure: (failure: RedisGuardFailure<Operation>) => F,
  ): Promise<{ ok: true; value: T } | F> {
    const status = this.#client.status;
    if (status !== 'ready' || this.#inFlight >= this.#maxInFlight) {
      const reason = status !== 'ready' ? status : 'saturated';
      const error = new RedisUnavailableError(operation, reason);
      return Promise.resolve(onFailure({ operation, kind: 'unavailable', sent: false, error }));
    }
    const call = { timedOut: false };
    let sent: Promise<T>;
    try {
      sent = command(this.#client, call);
    } catch (error) {
      return Promise.resolve(onFailure({ operation, kind: 'error', sent: false, error }));
    }
    this.#inFlight++;
    const done = (): void => {
      this.#inFlight--;
    };
    sent.then(done, done);
    const outcome = settleWithin(sent, this.#timeoutMs).then((settled) => {
      this.#pending.delete(outcome);
      if (settled.ok) return settled;
      if (settled.timedOut) {
        call.timedOut = true;
        const error = new RedisTimeoutError(operation, this.#timeoutMs);
        return onFailure({ operation, kind: 'timeout', sent: true, error });
      }
      return onFailure({ operation, kind: 'error', sent: true, error: settled.error });
    });
    this.#pending.add(outcome);
    return outcome;
  }

  /** Resolves once every call made so far (and any they lead to) has settled or timed out. */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }
}
