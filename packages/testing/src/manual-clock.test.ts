import { describe, expect, it } from 'vitest';
import { createManualClock } from './manual-clock.js';

describe('createManualClock', () => {
  it('starts at 0 by default and only moves when told to', () => {
    const clock = createManualClock();
    expect(clock.now()).toBe(0);

    clock.advance(250);
    expect(clock.now()).toBe(250);

    clock.set(100);
    expect(clock.now()).toBe(100);
  });

  it('starts at the given time', () => {
    expect(createManualClock(1_700_000_000_000).now()).toBe(1_700_000_000_000);
  });

  it('rejects non-finite times and moving backwards with advance', () => {
    const clock = createManualClock(10);

    expect(() => createManualClock(Number.NaN)).toThrow(
      'Expected `start` to be a finite number, got `NaN` (number)',
    );
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(-1)).toThrow('Expected `ms` to be a finite number >= 0, got `-1`');
    expect(() => clock.set(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(clock.now()).toBe(10);
  });
});
