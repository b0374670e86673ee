import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CountWindow, TimeWindow } from './outcome-window.js';

describe('CountWindow', () => {
  it('keeps running sums of the last size outcomes', () => {
    const window = new CountWindow(3);
    window.record(true, false);
    window.record(false, true);
    expect(window.totals()).toEqual({ calls: 2, failures: 1, slowCalls: 1 });
    window.record(true, true);
    window.record(false, false);
    expect(window.totals()).toEqual({ calls: 3, failures: 1, slowCalls: 2 });
    window.reset();
    expect(window.totals()).toEqual({ calls: 0, failures: 0, slowCalls: 0 });
  });

  it('matches a naive recount for any sequence', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.tuple(fc.boolean(), fc.boolean()), { maxLength: 60 }),
        (size, outcomes) => {
          const window = new CountWindow(size);
          for (const [failed, slow] of outcomes) window.record(failed, slow);
          const last = outcomes.slice(-size);
          expect(window.totals()).toEqual({
            calls: last.length,
            failures: last.filter(([f]) => f).length,
            slowCalls: last.filter(([, s]) => s).length,
          });
          const copy = new CountWindow(size);
          copy.restore(window.snapshot());
          expect(copy.totals()).toEqual(window.totals());
        },
      ),
    );
  });

  it('holds deferred successes as if each had been recorded at once, for any sequence', () => {
    // 0: recordSuccess, 1: record(false, false), 2: failure, 3: slow failure, 4: slow success,
    // 5: totals, 6: snapshot, 7: reset.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 7 }), fc.constant(0)), { maxLength: 80 }),
        (size, steps) => {
          const lazy = new CountWindow(size);
          const eager = new CountWindow(size);
          for (const step of steps) {
            if (step === 0) {
              lazy.recordSuccess();
              eager.record(false, false);
            } else if (step <= 4) {
              const failed = step === 2 || step === 3;
              const slow = step === 3 || step === 4;
              lazy.record(failed, slow);
              eager.record(failed, slow);
            } else if (step === 5) {
              expect(lazy.totals()).toEqual(eager.totals());
            } else if (step === 6) {
              expect(lazy.snapshot()).toEqual(eager.snapshot());
            } else {
              lazy.reset();
              eager.reset();
            }
          }
          expect(lazy.snapshot()).toEqual(eager.snapshot());
          expect(lazy.totals()).toEqual(eager.totals());
        },
      ),
    );
  });

  it('writes more deferred successes than it holds as a window of successes', () => {
    const window = new CountWindow(3);
    window.record(true, true);
    window.record(true, false);
    for (let i = 0; i < 7; i++) window.recordSuccess();
    expect(window.totals()).toEqual({ calls: 3, failures: 0, slowCalls: 0 });
    window.record(true, false);
    expect(window.snapshot()).toEqual({ type: 'count', size: 3, outcomes: [0, 0, 1] });
    const restored = new CountWindow(3);
    for (let i = 0; i < 5; i++) restored.recordSuccess();
    restored.restore({ type: 'count', size: 3, outcomes: [1] });
    expect(restored.totals()).toEqual({ calls: 1, failures: 1, slowCalls: 0 });
  });

  it('restoring a time snapshot into a count window leaves it empty', () => {
    const window = new CountWindow(3);
    window.record(true, false);
    window.restore({ type: 'time', durationMs: 1, buckets: [] });
    expect(window.totals().calls).toBe(0);
  });
});

describe('TimeWindow', () => {
  it('counts calls of the last durationMs, bucket by bucket', () => {
    const window = new TimeWindow(100, 4);
    window.record(true, false, 0);
    window.record(false, true, 30);
    window.record(false, false, 60);
    expect(window.totals(99)).toEqual({ calls: 3, failures: 1, slowCalls: 1 });
    expect(window.totals(100)).toEqual({ calls: 2, failures: 0, slowCalls: 1 });
    expect(window.totals(125)).toEqual({ calls: 1, failures: 0, slowCalls: 0 });
    expect(window.totals(10_000)).toEqual({ calls: 0, failures: 0, slowCalls: 0 });
  });

  it('records a success at its time at once', () => {
    const window = new TimeWindow(100, 4);
    window.recordSuccess(10);
    window.recordSuccess(60);
    expect(window.totals(60)).toEqual({ calls: 2, failures: 0, slowCalls: 0 });
    expect(window.totals(110)).toEqual({ calls: 1, failures: 0, slowCalls: 0 });
  });

  it('matches a naive recount for any sequence of times', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.boolean()), { maxLength: 60 }),
        (steps) => {
          const window = new TimeWindow(100, 5);
          const log: Array<[number, boolean]> = [];
          let now = 0;
          for (const [gap, failed] of steps) {
            now += gap;
            window.record(failed, false, now);
            log.push([now, failed]);
            const since = (Math.floor(now / 20) - 4) * 20;
            const live = log.filter(([t]) => t >= since);
            expect(window.totals(now)).toEqual({
              calls: live.length,
              failures: live.filter(([, f]) => f).length,
              slowCalls: 0,
            });
          }
        },
      ),
    );
  });

  it('puts an outcome from a clock that stepped back into the current bucket', () => {
    const window = new TimeWindow(100, 4);
    window.record(false, false, 500);
    window.record(true, false, 400);
    expect(window.totals(500)).toEqual({ calls: 2, failures: 1, slowCalls: 0 });
  });

  it('round-trips through a snapshot, ignoring buckets out of range and other types', () => {
    const window = new TimeWindow(100, 4);
    window.record(true, false, 0);
    window.record(false, false, 80);
    const snapshot = window.snapshot(80);
    const copy = new TimeWindow(100, 4);
    copy.restore(snapshot, 1000);
    expect(copy.totals(1000)).toEqual({ calls: 2, failures: 1, slowCalls: 0 });
    expect(copy.totals(1025)).toEqual({ calls: 1, failures: 0, slowCalls: 0 });
    copy.restore({ type: 'time', durationMs: 100, buckets: [[500, 3, 3, 0]] }, 0);
    expect(copy.totals(0).calls).toBe(0);
    copy.restore({ type: 'count', size: 1, outcomes: [1] }, 0);
    expect(copy.totals(0).calls).toBe(0);
  });
});
