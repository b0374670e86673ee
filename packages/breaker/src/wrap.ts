import { invalidMessage, promiseTry } from '@breakwater/core';
import type { FallbackPolicy } from './fallback.js';
import { readExecuteArgs, runOperation } from './invoke-operation.js';
import type { CallContext, ExecuteOptions, Operation, Policy } from './policy.js';

/**
 * Anything `wrap` can compose: an object with `execute(fn, { signal })` that runs `fn`
 * with a context. Every {@link Policy} qualifies, and so does a {@link FallbackPolicy},
 * whose result may be the fallback's instead of `fn`'s.
 */
export interface AnyPolicy {
  execute<T>(fn: Operation<T>, options?: ExecuteOptions): Promise<unknown>;
}

/**
 * What a policy may resolve with besides the operation's result: `R` for a
 * `FallbackPolicy<R>` or a `WrappedPolicy<R>`, `never` for a plain {@link Policy},
 * `unknown` for any other object whose `execute` is not typed `Promise<T>`.
 */
export type ExtraResult<P> =
  P extends FallbackPolicy<infer R>
    ? R
    : P extends WrappedPolicy<infer R>
      ? R
      : P extends Policy
        ? never
        : unknown;

/**
 * Several policies composed into one. Build one with {@link wrap}. Its `execute`
 * resolves with the operation's result, or with `R` when a fallback inside answered;
 * without a fallback `R` is `never` and this is a plain {@link Policy}.
 */
export class WrappedPolicy<R = never> {
  readonly #policies: readonly AnyPolicy[];

  constructor(policies: readonly AnyPolicy[]) {
    policies.forEach((policy, index) => {
      if (
        typeof policy !== 'object' ||
        policy === null ||
        typeof (policy as Partial<AnyPolicy>).execute !== 'function'
      ) {
        throw new TypeError(
          invalidMessage(`policies[${index}]`, 'an object with an execute() method', policy),
        );
      }
    });
    this.#policies = Object.freeze([...policies]);
  }

  /** The composed policies, outermost first. */
  get policies(): readonly AnyPolicy[] {
    return this.#policies;
  }

  /**
   * Runs `fn` through every policy, the first one outermost. Each policy hands the
   * signal of its context to the next one as `{ signal }`, so the caller's signal, and
   * every abort an outer policy adds (a timeout, a retry giving up), reaches the signal
   * `fn` receives.
   */
  async execute<T>(fn: Operation<T>, options?: ExecuteOptions): Promise<T | R> {
    const signal = readExecuteArgs(fn, options);
    const policies = this.#policies;
    if (policies.length === 0) return runOperation(fn, signal);
    const layer = (index: number, context: CallContext): Promise<unknown> => {
      const policy = policies[index];
      if (policy === undefined) return promiseTry(fn, context);
      return policy.execute((inner) => layer(index + 1, inner), { signal: context.signal });
    };
    const outer = policies[0] as AnyPolicy;
    return (await outer.execute(
      (context) => layer(1, context),
      signal === undefined ? undefined : { signal },
    )) as T | R;
  }
}

/**
 * Composes policies into one, the first outermost:
 *
 * ```ts
 * const policy = wrap(retry(retryOptions), breaker, timeout(2_000));
 * await policy.execute(({ signal }) => callService({ signal }));
 * ```
 *
 * runs `retry` around `breaker` around `timeout` around the operation: every attempt goes
 * through the breaker and gets its own timeout. One signal threads through the layers,
 * so the caller's abort reaches the operation's signal. The result is typed
 * `Promise<T>` — a plain `Policy` — unless a `fallback(...)` is among the policies, in
 * which case its value's type joins the result.
 *
 * @throws TypeError when an argument is not an object with an `execute` method.
 */
export function wrap<const P extends readonly AnyPolicy[]>(
  ...policies: P
): WrappedPolicy<ExtraResult<P[number]>> {
  return new WrappedPolicy(policies);
}
