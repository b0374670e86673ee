/** Test helpers of the policy tests (retry, timeout, bulkhead, fallback, wrap). */

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** A promise settled by hand. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** How a tracked promise has settled so far. */
export interface Outcome<T> {
  status: 'pending' | 'fulfilled' | 'rejected';
  value: T | undefined;
  error: unknown;
  /** How many times a settlement was observed (must end at exactly 1). */
  settlements: number;
}

/** Records the outcome of `promise` as it settles, so a test can look without awaiting. */
export function track<T>(promise: Promise<T>): Outcome<T> {
  const outcome: Outcome<T> = {
    status: 'pending',
    value: undefined,
    error: undefined,
    settlements: 0,
  };
  promise.then(
    (value) => {
      outcome.status = 'fulfilled';
      outcome.value = value;
      outcome.settlements++;
    },
    (error: unknown) => {
      outcome.status = 'rejected';
      outcome.error = error;
      outcome.settlements++;
    },
  );
  return outcome;
}

/** Settles a promise's rejection into a value (and a fulfilment into `undefined`). */
export const caught = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

/** Lets every pending promise callback run (one macrotask turn; real timers only). */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** An operation that never settles by itself and records the signal it received. */
export function hanging(signals: AbortSignal[] = []) {
  return ({ signal }: { signal: AbortSignal }): Promise<never> => {
    signals.push(signal);
    return new Promise<never>(() => {});
  };
}
