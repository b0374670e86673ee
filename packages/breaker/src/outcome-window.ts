/**
 * Sliding windows of call outcomes with running sums: recording an outcome and reading
 * the totals are O(1) (the time window clears at most its fixed number of buckets when
 * time jumps ahead). No sorting, no scans over calls.
 */

/** Totals over the window. */
export interface WindowTotals {
  calls: number;
  failures: number;
  slowCalls: number;
}

/** Serializable window contents, for `toJSON()` / `restore()`. */
export type WindowSnapshot =
  | { type: 'count'; size: number; outcomes: number[] }
  | {
      type: 'time';
      durationMs: number;
      buckets: Array<[ageMs: number, calls: number, failures: number, slowCalls: number]>;
    };

export interface OutcomeWindow {
  record(failed: boolean, slow: boolean, now: number): void;
  /** `record(false, false, now)`, which a window may defer until it is next read. */
  recordSuccess(now: number): void;
  /** Totals at `now`, written into `out` when given (no allocation on the hot path). */
  totals(now: number, out?: WindowTotals): WindowTotals;
  reset(): void;
  snapshot(now: number): WindowSnapshot;
  restore(snapshot: WindowSnapshot, now: number): void;
}

const FAILED = 1;
const SLOW = 2;

/** The last `size` calls. */
export class CountWindow implements OutcomeWindow {
  readonly #outcomes: Uint8Array;
  #next = 0;
  #filled = 0;
  #failures = 0;
  #slow = 0;

  constructor(readonly size: number) {
    this.#outcomes = new Uint8Array(size);
  }

  /**
   * Successes recorded by `recordSuccess` and not yet written into the ring: every other
   * method writes them first (or drops them, when it empties the window), so what the
   * window holds is as if each had been recorded at once.
   */
  #pending = 0;

  recordSuccess(): void {
    this.#pending++;
  }

  /** Writes the deferred successes into the ring. */
  #flush(): void {
    const count = this.#pending;
    if (count === 0) return;
    this.#pending = 0;
    const size = this.#outcomes.length;
    if (count < size) {
      for (let i = 0; i < count; i++) this.#write(false, false);
      return;
    }
    // As many successes as the window holds: nothing else is left in it.
    this.#outcomes.fill(0);
    this.#filled = size;
    this.#failures = 0;
    this.#slow = 0;
    this.#next = (this.#next + (count % size)) % size;
  }

  record(failed: boolean, slow: boolean): void {
    if (this.#pending !== 0) this.#flush();
    this.#write(failed, slow);
  }

  #write(failed: boolean, slow: boolean): void {
    const outcomes = this.#outcomes;
    const index = this.#next;
    if (this.#filled === outcomes.length) {
      const old = outcomes[index]!;
      this.#failures -= old & FAILED;
      this.#slow -= (old & SLOW) >> 1;
    } else {
      this.#filled++;
    }
    const outcome = (failed ? FAILED : 0) | (slow ? SLOW : 0);
    outcomes[index] = outcome;
    this.#failures += outcome & FAILED;
    this.#slow += (outcome & SLOW) >> 1;
    this.#next = index + 1 === outcomes.length ? 0 : index + 1;
  }

  totals(_now?: number, out: WindowTotals = { calls: 0, failures: 0, slowCalls: 0 }): WindowTotals {
    if (this.#pending !== 0) this.#flush();
    out.calls = this.#filled;
    out.failures = this.#failures;
    out.slowCalls = this.#slow;
    return out;
  }

  reset(): void {
    this.#pending = 0;
    this.#next = 0;
    this.#filled = 0;
    this.#failures = 0;
    this.#slow = 0;
  }

  snapshot(): WindowSnapshot {
    this.#flush();
    const outcomes: number[] = [];
    const size = this.#outcomes.length;
    const start = this.#filled === size ? this.#next : 0;
    for (let i = 0; i < this.#filled; i++) outcomes.push(this.#outcomes[(start + i) % size]!);
    return { type: 'count', size, outcomes };
  }

  restore(snapshot: WindowSnapshot): void {
    this.reset();
    if (snapshot.type !== 'count') return;
    const outcomes = snapshot.outcomes.slice(-this.#outcomes.length);
    for (const outcome of outcomes) this.record((outcome & FAILED) !== 0, (outcome & SLOW) !== 0);
  }
}

/** Calls of the last `durationMs`, in `bucketCount` buckets of `durationMs / bucketCount`. */
export class TimeWindow implements OutcomeWindow {
  readonly #bucketMs: number;
  readonly #epochs: Float64Array;
  readonly #calls: Uint32Array;
  readonly #failed: Uint32Array;
  readonly #slowCalls: Uint32Array;
  /** The newest bucket epoch the sums account for. */
  #current = Number.NEGATIVE_INFINITY;
  #sumCalls = 0;
  #sumFailures = 0;
  #sumSlow = 0;

  constructor(
    readonly durationMs: number,
    readonly bucketCount: number,
  ) {
    this.#bucketMs = durationMs / bucketCount;
    this.#epochs = new Float64Array(bucketCount).fill(Number.NEGATIVE_INFINITY);
    this.#calls = new Uint32Array(bucketCount);
    this.#failed = new Uint32Array(bucketCount);
    this.#slowCalls = new Uint32Array(bucketCount);
  }

  /**
   * Moves the window to `now`: clears every bucket that fell out of it. The loop counts
   * buckets with a small integer, never by incrementing a bucket number: past 2^53, `e + 1`
   * equals `e` and such a loop would never end.
   */
  #advance(now: number): number {
    const epoch = Math.floor(now / this.#bucketMs);
    if (epoch <= this.#current) return epoch;
    const count = this.bucketCount;
    const steps = epoch - this.#current;
    if (!(steps < count)) {
      // A whole window (or more) went by: every bucket is stale.
      this.#clearAll();
      this.#current = epoch;
      this.#epochs[this.#slotOf(epoch)] = epoch;
      return epoch;
    }
    const from = this.#current;
    for (let step = 1; step <= steps; step++) {
      const e = from + step;
      const slot = this.#slotOf(e);
      if (this.#epochs[slot] !== e) {
        this.#sumCalls -= this.#calls[slot]!;
        this.#sumFailures -= this.#failed[slot]!;
        this.#sumSlow -= this.#slowCalls[slot]!;
        this.#calls[slot] = 0;
        this.#failed[slot] = 0;
        this.#slowCalls[slot] = 0;
        this.#epochs[slot] = e;
      }
    }
    this.#current = epoch;
    return epoch;
  }

  #clearAll(): void {
    this.#epochs.fill(Number.NEGATIVE_INFINITY);
    this.#calls.fill(0);
    this.#failed.fill(0);
    this.#slowCalls.fill(0);
    this.#sumCalls = 0;
    this.#sumFailures = 0;
    this.#sumSlow = 0;
  }

  recordSuccess(now: number): void {
    this.record(false, false, now);
  }

  record(failed: boolean, slow: boolean, now: number): void {
    const epoch = this.#advance(now);
    const count = this.bucketCount;
    const slot = ((epoch % count) + count) % count;
    // A clock that stepped back lands in the current bucket rather than a stale one.
    const target = this.#epochs[slot] === epoch ? slot : this.#slotOf(this.#current);
    this.#calls[target]!++;
    this.#sumCalls++;
    if (failed) {
      this.#failed[target]!++;
      this.#sumFailures++;
    }
    if (slow) {
      this.#slowCalls[target]!++;
      this.#sumSlow++;
    }
  }

  #slotOf(epoch: number): number {
    const count = this.bucketCount;
    return ((epoch % count) + count) % count;
  }

  totals(now: number, out: WindowTotals = { calls: 0, failures: 0, slowCalls: 0 }): WindowTotals {
    this.#advance(now);
    out.calls = this.#sumCalls;
    out.failures = this.#sumFailures;
    out.slowCalls = this.#sumSlow;
    return out;
  }

  reset(): void {
    this.#clearAll();
    this.#current = Number.NEGATIVE_INFINITY;
  }

  snapshot(now: number): WindowSnapshot {
    const current = this.#advance(now);
    const buckets: Array<[number, number, number, number]> = [];
    let previous = Number.NaN;
    for (let age = this.bucketCount - 1; age >= 0; age--) {
      const epoch = current - age;
      // Past 2^53 neighbouring ages can name the same bucket: list it once.
      if (epoch === previous) continue;
      previous = epoch;
      const slot = this.#slotOf(epoch);
      if (this.#epochs[slot] !== epoch || this.#calls[slot] === 0) continue;
      buckets.push([
        age * this.#bucketMs,
        this.#calls[slot]!,
        this.#failed[slot]!,
        this.#slowCalls[slot]!,
      ]);
    }
    return { type: 'time', durationMs: this.durationMs, buckets };
  }

  restore(snapshot: WindowSnapshot, now: number): void {
    this.reset();
    if (snapshot.type !== 'time') return;
    const current = this.#advance(now);
    for (const [ageMs, calls, failures, slowCalls] of snapshot.buckets) {
      const age = Math.round(ageMs / this.#bucketMs);
      if (age < 0 || age >= this.bucketCount) continue;
      const slot = this.#slotOf(current - age);
      this.#epochs[slot] = current - age;
      this.#calls[slot]! += calls;
      this.#failed[slot]! += failures;
      this.#slowCalls[slot]! += slowCalls;
      this.#sumCalls += calls;
      this.#sumFailures += failures;
      this.#sumSlow += slowCalls;
    }
  }
}
