/** A clock that only moves when told to; inject it wherever a `{ now(): number }` is taken. */
export interface ManualClock {
  /** The current time in milliseconds. */
  now(): number;
  /** Moves the clock forward by `ms` (a finite number >= 0). */
  advance(ms: number): void;
  /** Sets the clock to `ms` (any finite number: it may also go backwards, like a wall clock). */
  set(ms: number): void;
}

/** Creates a {@link ManualClock} reading `start` milliseconds. */
export function createManualClock(start = 0): ManualClock {
  let current = expectFinite('start', start);
  return {
    now: () => current,
    advance(ms) {
      if (expectFinite('ms', ms) < 0) {
        throw new RangeError(`Expected \`ms\` to be a finite number >= 0, got \`${ms}\` (number)`);
      }
      current += ms;
    },
    set(ms) {
      current = expectFinite('ms', ms);
    },
  };
}

function expectFinite(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(
      `Expected \`${name}\` to be a finite number, got \`${String(value)}\` (${typeof value})`,
    );
  }
  return value;
}
