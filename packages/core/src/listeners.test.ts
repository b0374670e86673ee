import { describe, expect, it, vi } from 'vitest';
import { Listeners, rethrowAsync } from './listeners.js';

describe('Listeners', () => {
  it('calls listeners in registration order with the event', () => {
    const listeners = new Listeners<number>();
    const seen: string[] = [];
    listeners.on((n) => seen.push(`a${n}`));
    listeners.on((n) => seen.push(`b${n}`));
    listeners.emit(1);
    expect(seen).toEqual(['a1', 'b1']);
    expect(listeners.size).toBe(2);
    expect(listeners.active).toBe(true);
  });

  it('is inactive and cheap with no listeners', () => {
    const listeners = new Listeners<string>();
    expect(listeners.active).toBe(false);
    expect(() => listeners.emit('nobody hears')).not.toThrow();
  });

  it('unsubscribes through the returned function and through Symbol.dispose', () => {
    const listeners = new Listeners<void>();
    const fn = vi.fn();
    const off = listeners.on(fn);
    {
      using _scoped = listeners.on(fn);
      listeners.emit();
      expect(fn).toHaveBeenCalledTimes(2);
    }
    listeners.emit();
    expect(fn).toHaveBeenCalledTimes(3);
    off();
    off();
    listeners.emit();
    expect(fn).toHaveBeenCalledTimes(3);
    expect(listeners.active).toBe(false);
  });

  it('registers the same function twice as two removable entries', () => {
    const listeners = new Listeners<void>();
    const fn = vi.fn();
    const first = listeners.on(fn);
    listeners.on(fn);
    first();
    listeners.emit();
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('emits to the listeners present when emit started, even if one unsubscribes another', () => {
    const listeners = new Listeners<void>();
    const late = vi.fn();
    let offLate = () => {};
    listeners.on(() => offLate());
    offLate = listeners.on(late);
    listeners.emit();
    expect(late).toHaveBeenCalledTimes(1);
    listeners.emit();
    expect(late).toHaveBeenCalledTimes(1);
  });

  it('keeps emitting when a listener throws and reports the error', () => {
    const errors: unknown[] = [];
    const listeners = new Listeners<number>((error) => errors.push(error));
    const after = vi.fn();
    const boom = new Error('listener bug');
    listeners.on(() => {
      throw boom;
    });
    listeners.on(after);
    listeners.emit(1);
    expect(after).toHaveBeenCalledWith(1);
    expect(errors).toEqual([boom]);
  });

  it('rethrows listener errors asynchronously by default', () => {
    const queued: Array<() => void> = [];
    const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((fn) => queued.push(fn));
    try {
      const listeners = new Listeners<void>();
      listeners.on(() => {
        throw new Error('surfaced later');
      });
      expect(() => listeners.emit()).not.toThrow();
      expect(queued).toHaveLength(1);
      expect(() => queued[0]!()).toThrow('surfaced later');
      expect(() => rethrowAsync('x')).not.toThrow();
    } finally {
      spy.mockRestore();
    }
  });

  it('clear removes every listener and on rejects non-functions', () => {
    const listeners = new Listeners<void>();
    const fn = vi.fn();
    listeners.on(fn);
    listeners.clear();
    listeners.emit();
    expect(fn).not.toHaveBeenCalled();
    expect(() => listeners.on('nope' as never)).toThrow(
      new TypeError('Expected `listener` to be a function, got `"nope"` (string)'),
    );
  });
});
