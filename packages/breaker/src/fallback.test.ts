import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { fallback } from './fallback.js';
import { caught, flush, hanging, track } from './policies-test-support.fixture.js';

const boom = async (): Promise<string> => {
  throw new Error('boom');
};

describe('fallback', () => {
  it('resolves with the result of a call that succeeds, without using the fallback', async () => {
    const handler = vi.fn(() => 'fallback');
    const policy = fallback(handler);
    expect(await policy.execute(async () => 'real')).toBe('real');
    expect(handler).not.toHaveBeenCalled();
  });

  it('resolves with the fallback value when the call fails', async () => {
    const policy = fallback('n/a');
    const onFallback = vi.fn();
    policy.onFallback(onFallback);
    expect(await policy.execute(boom)).toBe('n/a');
    expect(onFallback).toHaveBeenCalledWith({ error: new Error('boom') });
  });

  it('passes the error to a fallback handler and awaits its result', async () => {
    const policy = fallback(async (error: unknown) => `recovered from ${(error as Error).message}`);
    expect(await policy.execute(boom)).toBe('recovered from boom');
  });

  it('falls back after an operation that throws synchronously', async () => {
    const policy = fallback(0);
    expect(
      await policy.execute(() => {
        throw new Error('sync');
      }),
    ).toBe(0);
  });

  it('rethrows the errors shouldHandle declines', async () => {
    const policy = fallback('n/a', {
      shouldHandle: (error) => (error as Error).message !== 'fatal',
    });
    expect(await policy.execute(boom)).toBe('n/a');
    const fatal = new Error('fatal');
    expect(
      await caught(
        policy.execute(async () => {
          throw fatal;
        }),
      ),
    ).toBe(fatal);
  });

  it('rejects with the error the fallback handler throws', async () => {
    const policy = fallback(() => {
      throw new Error('no fallback either');
    });
    expect(await caught(policy.execute(boom))).toEqual(new Error('no fallback either'));
  });

  it('rejects with the caller reason on abort, never with the fallback', async () => {
    const handler = vi.fn(() => 'fallback');
    const policy = fallback(handler, { shouldHandle: () => true });
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    const result = track(policy.execute(hanging(signals), { signal: controller.signal }));
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await flush();
    expect(result.status).toBe('rejected');
    expect(result.error).toBe(reason);
    expect(signals[0]?.reason).toBe(reason);
    expect(handler).not.toHaveBeenCalled();
  });

  it('does not fall back when the operation fails because the caller aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const policy = fallback('fallback');
    const result = policy.execute(
      () => {
        controller.abort(reason);
        throw new Error('aborted work');
      },
      { signal: controller.signal },
    );
    expect(await caught(result)).toBe(reason);
  });

  it('does not call the operation when the caller signal is already aborted', async () => {
    const fn = vi.fn(async () => 'x');
    const reason = new Error('gone');
    const policy = fallback('fallback');
    expect(await caught(policy.execute(fn, { signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(fn).not.toHaveBeenCalled();
  });

  it('falls back to a function value returned by a handler', async () => {
    const replacement = (): string => 'replacement';
    const policy = fallback(() => replacement);
    expect(await policy.execute(boom)).toBe(replacement);
  });

  it('types its result as the operation result or the fallback', () => {
    expectTypeOf(fallback('n/a').execute(async () => 1)).toEqualTypeOf<Promise<number | string>>();
    expectTypeOf(fallback(() => null).execute(async () => 1)).toEqualTypeOf<
      Promise<number | null>
    >();
  });
});
