import { describe, expect, it } from 'vitest';
import { PendingCounts } from './pending-counts.js';

describe('PendingCounts', () => {
  it('counts per bucket and hands out only the buckets of the window, oldest first', () => {
    const pending = new PendingCounts(3);
    pending.record(10, false, false);
    pending.record(10, true, true);
    pending.record(12, true, false);
    pending.record(9, false, false); // shares its slot with the newer 12: dropped
    expect(pending.totals()).toEqual({ calls: 3, failures: 2, slowCalls: 1 });
    expect(pending.take(12)).toEqual([
      { bucket: 10, calls: 2, failures: 1, slowCalls: 1 },
      { bucket: 12, calls: 1, failures: 1, slowCalls: 0 },
    ]);
    expect(pending.totals()).toEqual({ calls: 0, failures: 0, slowCalls: 0 });
  });

  it('hands out counts in a bounded number of steps when bucket numbers pass 2^53', () => {
    const pending = new PendingCounts(3);
    pending.record(2 ** 60, true, false);
    expect(pending.take(2 ** 60)).toEqual([
      { bucket: 2 ** 60, calls: 1, failures: 1, slowCalls: 0 },
    ]);
  });

  it('drops counts older than the ring and reuses a slot for a newer bucket', () => {
    const pending = new PendingCounts(2);
    pending.record(5, true, false);
    pending.record(7, false, false); // same slot as 5: 5 is gone
    pending.record(5, true, false); // older than what the slot holds: dropped
    expect(pending.take(7)).toEqual([{ bucket: 7, calls: 1, failures: 0, slowCalls: 0 }]);
  });

  it('takes back counts that were never sent, merging with newer ones', () => {
    const pending = new PendingCounts(4);
    pending.record(20, true, false);
    const taken = pending.take(20);
    pending.record(20, false, true);
    pending.record(21, false, false);
    // 16 shares its slot with the newer 20: dropped.
    pending.restore([...taken, { bucket: 16, calls: 9, failures: 9, slowCalls: 0 }]);
    expect(pending.take(21)).toEqual([
      { bucket: 20, calls: 2, failures: 1, slowCalls: 1 },
      { bucket: 21, calls: 1, failures: 0, slowCalls: 0 },
    ]);
  });
});
