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

describe('CircuitBreaker state machine against a reference model', () => {
  it('agrees on every admission, state and window under random calls and time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          consecutive: fc.integer({ min: 1, max: 6 }),
          rate: fc.constantFrom(0.25, 0.5, 0.75, 1),
          size: fc.integer({ min: 1, max: 8 }),
          minimumCalls: fc.integer({ min: 1, max: 8 }),
          openMs: fc.integer({ min: 1, max: 50 }),
          probes: fc.integer({ min: 1, max: 3 }),
        }),
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('call' as const), fails: fc.boolean() }),
            fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 40 }) }),
          ),
          { maxLength: 80 },
        ),
        async (rules, steps) => {
          let now = 0;
          const clock = { now: () => now };
          const breaker = new CircuitBreaker({
            consecutiveFailures: rules.consecutive,
            failureRateThreshold: rules.rate,
            window: { type: 'count', size: rules.size },
            minimumCalls: rules.minimumCalls,
            openDurationMs: rules.openMs,
            permittedCallsInHalfOpen: rules.probes,
            clock,
          });
          const model = new Reference(rules, clock.now);
          for (const step of steps) {
            if (step.kind === 'wait') {
              now += step.ms;
              continue;
            }
            const expected = model.call(step.fails);
            const actual = await breaker
              .execute(async () => {
                if (step.fails) throw new Error('down');
                return 'up';
              })
              .then(
                () => 'ran',
                (error: unknown) => (isBreakerOpenError(error) ? 'rejected' : 'ran'),
              );
            expect(actual).toBe(expected);
            const stats = breaker.stats();
            expect(stats.state).toBe(
              model.now() >= model.openUntil && model.state === 'open' ? 'half-open' : model.state,
            );
            expect(stats.openings).toBe(model.openings);
            if (model.state === 'closed') {
              expect(stats.window.calls).toBe(model.outcomes.length);
              expect(stats.window.failures).toBe(model.outcomes.filter(Boolean).length);
              expect(stats.consecutiveFailures).toBe(model.consecutive);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
