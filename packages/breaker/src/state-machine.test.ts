import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';
import { isBreakerOpenError } from './errors.js';

/**
 * The reference: the breaker's rules written as plainly as possible, with arrays and
 * scans instead of ring buffers and running sums.
 */
class Reference {
  state: 'closed' | 'open' | 'half-open' = 'closed';
  outcomes: boolean[] = []; // true = failure, oldest first
  consecutive = 0;
  openUntil = 0;
  openings = 0;
  probesOk = 0;

  constructor(
    readonly rules: {
      consecutive: number;
      rate: number;
      size: number;
      minimumCalls: number;
      openMs: number;
      probes: number;
    },
    readonly now: () => number,
  ) {}

  /** 'ran' or 'rejected'; updates the state like a call with this outcome would. */
  call(fails: boolean): 'ran' | 'rejected' {
    if (this.state === 'open') {
      if (this.now() < this.openUntil) return 'rejected';
      this.state = 'half-open';
      this.probesOk = 0;
    }
    if (this.state === 'half-open') {
      if (fails) this.open();
      else if (++this.probesOk >= this.rules.probes) this.close();
      return 'ran';
    }
    this.consecutive = fails ? this.consecutive + 1 : 0;
    this.outcomes.push(fails);
    if (this.outcomes.length > this.rules.size) this.outcomes.shift();
    const failures = this.outcomes.filter(Boolean).length;
    if (this.consecutive >= this.rules.consecutive) this.open();
    else if (
      this.outcomes.length >= this.rules.minimumCalls &&
      failures >= this.rules.rate * this.outcomes.length
    ) {
      this.open();
    }
    return 'ran';
  }

  open() {
    this.state = 'open';
    this.openings++;
    this.openUntil = this.now() + this.rules.openMs;
  }

  close() {
    this.state = 'closed';
    this.outcomes = [];
    this.consecutive = 0;
    this.openings = 0;
  }
}

interface Real {
  breaker: CircuitBreaker;
  clock: { now(): number; advance(ms: number): void };
}

/** One call through the breaker; checks admission, state, backoff and window against the model. */
class CallCommand implements fc.AsyncCommand<Reference, Real> {
  constructor(readonly fails: boolean) {}
  check(): boolean {
    return true;
  }
  async run(model: Reference, real: Real): Promise<void> {
    const expected = model.call(this.fails);
    const actual = await real.breaker
      .execute(async () => {
        if (this.fails) throw new Error('down');
        return 'up';
      })
      .then(
        () => 'ran',
        (error: unknown) => (isBreakerOpenError(error) ? 'rejected' : 'ran'),
      );
    expect(actual).toBe(expected);
    const stats = real.breaker.stats();
    const due = model.state === 'open' && model.now() >= model.openUntil;
    expect(stats.state).toBe(due ? 'half-open' : model.state);
    expect(stats.openings).toBe(model.openings);
    if (model.state === 'closed') {
      expect(stats.window.calls).toBe(model.outcomes.length);
      expect(stats.window.failures).toBe(model.outcomes.filter(Boolean).length);
      expect(stats.consecutiveFailures).toBe(model.consecutive);
    }
  }
  toString(): string {
    return this.fails ? 'fail' : 'succeed';
  }
}

/** Lets time pass on the shared clock. */
class WaitCommand implements fc.AsyncCommand<Reference, Real> {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  async run(_model: Reference, real: Real): Promise<void> {
    real.clock.advance(this.ms);
  }
  toString(): string {
    return `wait ${this.ms}`;
  }
}

describe('CircuitBreaker state machine against a reference model', () => {
  it('agrees on every admission, state and window under random calls and time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .record({
            consecutive: fc.integer({ min: 1, max: 6 }),
            rate: fc.constantFrom(0.25, 0.5, 0.75, 1),
            size: fc.integer({ min: 1, max: 8 }),
            minimumCalls: fc.integer({ min: 1, max: 8 }),
            openMs: fc.integer({ min: 1, max: 50 }),
            probes: fc.integer({ min: 1, max: 3 }),
          })
          // A rate rule needs minimumCalls <= the count window's size (else it is refused).
          .map((rules) => ({ ...rules, minimumCalls: Math.min(rules.minimumCalls, rules.size) })),
        fc.commands(
          [
            fc.boolean().map((fails) => new CallCommand(fails)),
            fc.integer({ min: 1, max: 40 }).map((ms) => new WaitCommand(ms)),
          ],
          { maxCommands: 80 },
        ),
        async (rules, commands) => {
          let now = 0;
          const clock = {
            now: () => now,
            advance: (ms: number) => {
              now += ms;
            },
          };
          const breaker = new CircuitBreaker({
            consecutiveFailures: rules.consecutive,
            failureRateThreshold: rules.rate,
            window: { type: 'count', size: rules.size },
            minimumCalls: rules.minimumCalls,
            openDurationMs: rules.openMs,
            permittedCallsInHalfOpen: rules.probes,
            clock,
          });
          await fc.asyncModelRun(
            () => ({ model: new Reference(rules, clock.now), real: { breaker, clock } }),
            commands,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
