/** Options of {@link eventually}. */
export interface EventuallyOptions {
  /** How long to keep trying before failing, in ms. @default 15_000 */
  timeoutMs?: number | undefined;
  /** The pause between two checks, in ms. @default 10 */
  intervalMs?: number | undefined;
}

/**
 * Resolves once `check` returns (or resolves to) a truthy value; rejects with an error
 * naming `what` when it has not after `timeoutMs`. For conditions that real servers reach
 * in their own time (a reconnection, a failover); use a manual clock for anything the test
 * controls.
 */
export async function eventually(
  what: string,
  check: () => unknown,
  options: EventuallyOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const intervalMs = options.intervalMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
