import { EventEmitter } from 'node:events';
import { CircuitBreaker, type CircuitBreakerOptions } from '@breakwater/breaker';
import {
  ConsecutiveBreaker,
  CountBreaker,
  circuitBreaker,
  handleAll,
  type IBreaker,
  SamplingBreaker,
} from 'cockatiel';
import { countLabel } from '../cache/count-label.js';
import { Opossum, type OpossumBreaker, type OpossumOptions } from './opossum.js';

/**
 * What a case asks of every breaker. Each contender maps it to its closest configuration
 * and says which in its note.
 */
export type BreakerSpec =
  /** Each library's defaults: the success path and the per-host breakers. */
  | { readonly kind: 'defaults' }
  /** Trips when at least `threshold` of the last `window` calls failed. */
  | { readonly kind: 'failure rate'; readonly window: number; readonly threshold: number }
  /** Keeps a window of the last `window` calls but never trips, however many fail. */
  | { readonly kind: 'never trips'; readonly window: number };

/** The breakers of one implementation in one case: one, or one per host. */
export interface Fleet {
  /** What the measuring loop calls through, one per breaker (host). */
  readonly targets: readonly unknown[];
  /** Releases timers and listeners; the fleet is not used after. */
  close(): void;
}

/** One implementation as the suite builds it. */
export interface BreakerContender {
  readonly name: string;
  /**
   * The expression that runs the operation held in the variable `op` through the breaker
   * held in `target`, as source code: every implementation's measuring loop is compiled
   * with its own call in it (see `compileCallLoop`).
   */
  call(op: string): string;
  /** The configuration used for `spec`, shown under the table. */
  note(spec: BreakerSpec): string;
  /** `count` breakers for `spec`, named after `hosts` where the library takes a name. */
  create(spec: BreakerSpec, count: number, hosts?: readonly string[]): Fleet;
}

function fleetOf<T>(count: number, make: (index: number) => T, close?: (item: T) => void): Fleet {
  const targets = Array.from({ length: count }, (_, index) => make(index));
  return {
    targets,
    close: () => {
      if (close !== undefined) {
        for (const target of targets) {
          close(target);
        }
      }
    },
  };
}

const nameOf = (hosts: readonly string[] | undefined, index: number) =>
  hosts?.[index] ?? `host-${index}`;

/** Our default `minimumCalls`: rates are judged once the window holds this many calls. */
const oursMinimumCalls = 10;

/** Our breaker for `spec`: its options object. */
export function oursOptions(spec: BreakerSpec): CircuitBreakerOptions {
  switch (spec.kind) {
    case 'defaults':
      return {};
    case 'failure rate':
      return {
        failureRateThreshold: spec.threshold,
        window: { type: 'count', size: spec.window },
      };
    case 'never trips':
      // Put in `metricsOnly()` by `create`: it records every outcome, never opens.
      return {
        failureRateThreshold: 1,
        window: { type: 'count', size: spec.window },
      };
  }
}

export const ours: BreakerContender = {
  name: 'CircuitBreaker',
  call: (op) => `target.execute(${op})`,
  note: (spec) => {
    switch (spec.kind) {
      case 'defaults':
        return (
          '`@breakwater/breaker` `new CircuitBreaker({ name })`: its defaults, ' +
          'trips after 5 consecutive failures, count window of 100, no timeout.'
        );
      case 'failure rate':
        return (
          `\`new CircuitBreaker({ name, failureRateThreshold: ${spec.threshold}, window: { type: 'count', ` +
          `size: ${spec.window} } })\`, no timeout.`
        );
      case 'never trips':
        return (
          `\`new CircuitBreaker({ name, failureRateThreshold: 1, window: { type: 'count', size: ` +
          `${spec.window} } })\` put in \`metricsOnly()\`: every outcome is recorded in the ` +
          'window, and the breaker never opens.'
        );
    }
  },
  create: (spec, count, hosts) => {
    const options = oursOptions(spec);
    return fleetOf(count, (index) => {
      const breaker = new CircuitBreaker({ ...options, name: nameOf(hosts, index) });
      if (spec.kind === 'never trips') breaker.metricsOnly();
      return breaker;
    });
  },
};

/** opossum's action in every case: call the operation `fire` is given. */
const invoke = (op: () => Promise<number>) => op();

/**
 * An opossum breaker whose window is counted in calls rather than time: every `every` calls
 * it emits `rotate` on the breaker's own `rotateBucketController` (an opossum option), so its
 * 10 buckets hold the last 9–10 tenths of `10 × every` calls, as many as our count window,
 * whatever each library's speed. The counting costs a few nanoseconds per call.
 */
export class CallCountedOpossum {
  readonly breaker: OpossumBreaker<[() => Promise<number>], number>;
  /** The breaker's `rotateBucketController`. */
  readonly controller = new EventEmitter();
  /** Calls per bucket. */
  readonly every: number;
  #calls = 0;

  constructor(options: OpossumOptions, window: number) {
    this.every = Math.max(1, Math.round(window / 10));
    this.breaker = new Opossum(invoke, { ...options, rotateBucketController: this.controller });
  }

  fire(op: () => Promise<number>): Promise<number> {
    if (++this.#calls === this.every) {
      this.#calls = 0;
      this.controller.emit('rotate');
    }
    return this.breaker.fire(op);
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}

/** Options of opossum's tuned configuration, on top of a case's thresholds. */
export const opossumTuning: OpossumOptions = {
  rollingPercentilesEnabled: false,
  enableSnapshots: false,
  timeout: false,
};

function opossumThresholds(spec: BreakerSpec): OpossumOptions {
  switch (spec.kind) {
    case 'defaults':
      return {};
    case 'failure rate':
      return { errorThresholdPercentage: spec.threshold * 100 };
    case 'never trips':
      // It opens when the failure percentage *exceeds* the threshold: 100 never is.
      return { errorThresholdPercentage: 100 };
  }
}

function opossumWindowNote(spec: BreakerSpec, tuned: boolean): string {
  switch (spec.kind) {
    case 'defaults':
      return tuned
        ? 'its 10 s window in 10 buckets rotates through one `rotateBucketController` shared ' +
            'by all its breakers (its docs’ advice for many breakers: no timer per breaker), ' +
            'driven by one 1 s interval'
        : 'its defaults otherwise (10 s window in 10 buckets, rotated by a timer per breaker)';
    case 'failure rate':
    case 'never trips':
      return (
        `a \`rotateBucketController\` the benchmark rotates every ${countLabel(spec.window / 10)} ` +
        `calls, so its 10 buckets hold the last ~${countLabel(spec.window)} calls like our count window`
      );
  }
}

function opossumContender(tuned: boolean): BreakerContender {
  const base: OpossumOptions = tuned ? opossumTuning : {};
  return {
    name: tuned ? 'opossum (tuned)' : 'opossum (default)',
    call: (op) => `target.fire(${op})`,
    note: (spec) => {
      const thresholds = opossumThresholds(spec);
      const options = { ...thresholds, ...base };
      const shown = Object.entries(options)
        .map(([key, value]) => `${key}: ${String(value)}`)
        .join(', ');
      return (
        `v9.0.0, \`new CircuitBreaker((op) => op(), { ${shown}${shown === '' ? '' : ', '}name })\` ` +
        `fired with the operation; ${opossumWindowNote(spec, tuned)}` +
        (tuned
          ? '. Tuned: percentiles (a sort of every latency in the window on each failure), ' +
            'snapshots and the per-call timeout timer off (we set no timeout either).'
          : '. Percentiles on, a 10 s timeout timer per call.')
      );
    },
    create: (spec, count, hosts) => {
      const options = { ...opossumThresholds(spec), ...base };
      if (spec.kind !== 'defaults') {
        return fleetOf(
          count,
          (index) =>
            new CallCountedOpossum({ ...options, name: nameOf(hosts, index) }, spec.window),
          (breaker) => breaker.shutdown(),
        );
      }
      if (!tuned) {
        return fleetOf(
          count,
          (index) => new Opossum(invoke, { ...options, name: nameOf(hosts, index) }),
          (breaker) => breaker.shutdown(),
        );
      }
      const controller = new EventEmitter();
      controller.setMaxListeners(0);
      const rotation = setInterval(() => controller.emit('rotate'), 1_000);
      rotation.unref();
      const fleet = fleetOf(
        count,
        (index) =>
          new Opossum(invoke, {
            ...options,
            name: nameOf(hosts, index),
            rotateBucketController: controller,
          }),
        (breaker) => breaker.shutdown(),
      );
      return {
        targets: fleet.targets,
        close: () => {
          clearInterval(rotation);
          fleet.close();
        },
      };
    },
  };
}

export const opossumDefault = opossumContender(false);
export const opossumTuned = opossumContender(true);

/** The time window cockatiel's `SamplingBreaker` keeps in the never-trips cases. */
const samplingDurationMs = 10_000;
/** A rate no process reaches: `SamplingBreaker` never judges below its `minimumRps`. */
const unreachableRps = 1e9;

function cockatielBreaker(spec: BreakerSpec): IBreaker {
  switch (spec.kind) {
    case 'defaults':
      return new ConsecutiveBreaker(5);
    case 'failure rate':
      return new CountBreaker({
        threshold: spec.threshold,
        size: spec.window,
        minimumNumberOfCalls: Math.min(oursMinimumCalls, spec.window),
      });
    case 'never trips':
      return new SamplingBreaker({
        threshold: 0.5,
        duration: samplingDurationMs,
        minimumRps: unreachableRps,
      });
  }
}

export const cockatiel: BreakerContender = {
  name: 'cockatiel',
  call: (op) => `target.execute(${op})`,
  note: (spec) => {
    const policy = 'v3.2.1, `circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker })`';
    switch (spec.kind) {
      case 'defaults':
        return `${policy} with \`new ConsecutiveBreaker(5)\`, like our default rule; no timeout policy.`;
      case 'failure rate':
        return (
          `${policy} with \`new CountBreaker({ threshold: ${spec.threshold}, size: ${spec.window}, ` +
          `minimumNumberOfCalls: ${Math.min(oursMinimumCalls, spec.window)} })\`: its count ` +
          'window, the closest to ours, with our default `minimumCalls` (its ' +
          '`SamplingBreaker` is the time-window one).'
        );
      case 'never trips':
        return (
          `${policy} with \`new SamplingBreaker({ threshold: 0.5, duration: ${samplingDurationMs}, ` +
          `minimumRps: ${unreachableRps.toExponential()} })\`: \`CountBreaker\` cannot hold a window ` +
          'of failures without tripping (its threshold must be < 1 and `minimumNumberOfCalls` ≤ ' +
          'size), so this is the time-window breaker with a minimum rate no process reaches, the ' +
          'counterpart of our metrics-only breaker. Its cost per call does not ' +
          'depend on the window length.'
        );
    }
  },
  create: (spec, count) =>
    fleetOf(count, () =>
      circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: cockatielBreaker(spec) }),
    ),
};

/** No breaker at all: the operation awaited directly, the floor every breaker adds to. */
export const bareAwait: BreakerContender = {
  name: 'await op() (floor)',
  call: (op) => `${op}()`,
  note: () =>
    'Not a breaker and not a competitor: the operation awaited directly, no protection. ' +
    'The floor each breaker adds its overhead to.',
  create: (_spec, count) => fleetOf(count, () => undefined),
};

/** The peers of every timed case, in table order. */
export const breakerPeers: readonly BreakerContender[] = [opossumDefault, opossumTuned, cockatiel];
