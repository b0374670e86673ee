/**
 * Calls `fn(arg)` and returns its outcome as a promise: a synchronous throw becomes a
 * rejection, a plain value or a thenable a resolution. User callbacks go through it so
 * that a callback that throws instead of rejecting takes the same path.
 */
export function promiseTry<A, T>(fn: (arg: A) => T | PromiseLike<T>, arg: A): Promise<T> {
  try {
    return Promise.resolve(fn(arg));
  } catch (error) {
    return Promise.reject(error);
  }
}
