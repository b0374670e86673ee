/** What a policy hands to the function it runs. */
export interface CallContext {
  /**
   * Aborted when this call should stop: the caller's signal aborted, this call's
   * timeout fired, or an outer policy gave up. Each call gets its own signal.
   */
  readonly signal: AbortSignal;
}

/** Options every policy's `execute` accepts. */
export interface ExecuteOptions {
  /** The caller's signal; when it aborts, the call rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
}

/** The function a policy runs. */
export type Operation<T> = (context: CallContext) => T | PromiseLike<T>;

/**
 * A resilience policy: runs an operation with some protection around it. `CircuitBreaker`,
 * `retry`, `timeout`, `bulkhead` and `wrap(...)` without a fallback implement it; a
 * `fallback` policy has the same shape but may resolve its fallback value instead, so its
 * result type widens (and `wrap` carries that through).
 */
export interface Policy {
  execute<T>(fn: Operation<T>, options?: ExecuteOptions): Promise<T>;
}
