import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { linkSignal, raceSignal, throwIfAborted } from './abort.js';

describe('throwIfAborted', () => {
  it('does nothing without a signal or with a live one', () => {
    expect(() => throwIfAborted(undefined)).not.toThrow();
    expect(() => throwIfAborted(new AbortController().signal)).not.toThrow();
  });

  it('throws the signal reason', () => {
    const reason = new Error('stop');
    expect(() => throwIfAborted(AbortSignal.abort(reason))).toThrow(reason);
  });
});

describe('linkSignal', () => {
  it('aborts the child with the parent reason', () => {
    const parent = new AbortController();
    const link = linkSignal(parent.signal);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
    expect(link.signal.aborted).toBe(false);
    parent.abort('bye');
    expect(link.signal.aborted).toBe(true);
    expect(link.signal.reason).toBe('bye');
  });

  it('follows whichever of several parents aborts first and skips undefined', () => {
    const a = new AbortController();
    const b = new AbortController();
    const link = linkSignal(a.signal, undefined, b.signal);
    b.abort('b went first');
    a.abort('a later');
    expect(link.signal.reason).toBe('b went first');
  });

  it('is aborted at once when a parent already is', () => {
    const link = linkSignal(new AbortController().signal, AbortSignal.abort('early'));
    expect(link.signal.aborted).toBe(true);
    expect(link.signal.reason).toBe('early');
  });

  it('aborting the child leaves the parent alone', () => {
    const parent = new AbortController();
    const link = linkSignal(parent.signal);
    link.abort('child only');
    expect(link.signal.reason).toBe('child only');
    expect(parent.signal.aborted).toBe(false);
    link.abort('again');
    expect(link.signal.reason).toBe('child only');
  });

  it('stops following the parent once disposed', () => {
    const parent = new AbortController();
    let fired = 0;
    {
      using link = linkSignal(parent.signal);
      link.signal.addEventListener('abort', () => fired++);
    }
    const link2 = linkSignal(parent.signal);
    link2.dispose();
    link2.dispose();
    parent.abort();
    expect(fired).toBe(0);
    expect(link2.signal.aborted).toBe(false);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('works with no parent at all', () => {
    const link = linkSignal();
    link.abort(new Error('manual'));
    expect(link.signal.aborted).toBe(true);
  });
});

describe('raceSignal', () => {
  it('passes the result through without a signal', async () => {
    await expect(raceSignal(Promise.resolve(1), undefined)).resolves.toBe(1);
  });

  it('resolves and rejects like the promise when the signal stays live', async () => {
    const controller = new AbortController();
    await expect(raceSignal(Promise.resolve('ok'), controller.signal)).resolves.toBe('ok');
    const failure = new Error('failed');
    await expect(raceSignal(Promise.reject(failure), controller.signal)).rejects.toBe(failure);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const never = new Promise<never>(() => {});
    const raced = raceSignal(never, controller.signal);
    controller.abort(new Error('gave up'));
    await expect(raced).rejects.toThrow('gave up');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects at once for an already aborted signal and swallows the late failure', async () => {
    let rejectLater: (error: unknown) => void = () => {};
    const work = new Promise((_, reject) => {
      rejectLater = reject;
    });
    const raced = raceSignal(work, AbortSignal.abort('already'));
    await expect(raced).rejects.toBe('already');
    rejectLater(new Error('late failure is observed, not unhandled'));
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('does not reject after the promise settled even if the signal aborts later', async () => {
    const controller = new AbortController();
    const value = await raceSignal(Promise.resolve(7), controller.signal);
    controller.abort();
    expect(value).toBe(7);
  });
});
