import { inspect } from 'node:util';
import type { BenchCase } from '../../runner/suite-definition.js';
import { implementation } from '../../runner/suite-definition.js';
import type { BreakerContender, BreakerSpec, Fleet } from './breaker-contenders.js';
import {
  allSucceed,
  type CallLoopState,
  compileCallLoop,
  fail,
  operationFailure,
  succeed,
} from './call-loop.js';

export interface BreakerCaseOptions {
  readonly name: string;
  readonly description: string;
  /** What every breaker is asked to do; each contender maps it to its own options. */
  readonly spec: BreakerSpec;
  /** Which calls fail (1) or succeed (0), walked in a ring. */
  readonly pattern: Uint8Array;
  /** Calls per measured call. */
  readonly batch: number;
  /** Successful calls run through each breaker in setup, so its window starts full. @default 0 */
  readonly fill?: number;
  /** Breakers per implementation, one per host, called in turn. @default 1 */
  readonly hosts?: number;
  /** Also weigh `hosts` idle breakers of each implementation. @default false */
  readonly weigh?: boolean;
  readonly ours: BreakerContender;
  readonly peers: readonly BreakerContender[];
  /** The floor measured with them (not a breaker), when the case has one. */
  readonly floor?: BreakerContender;
}

/** `host-0`, `host-1`, …: the names of per-host breakers, built once outside any weighing. */
export function hostNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `host-${index}`);
}

function describeOutcome(outcome: { resolved: true } | { rejected: unknown }): string {
  if ('resolved' in outcome) {
    return 'resolved a call whose operation failed';
  }
  const error = outcome.rejected;
  const text =
    error instanceof Error
      ? `${error.name}: ${error.message}`
      : inspect(error, { depth: 1, breakLength: Number.POSITIVE_INFINITY });
  return `rejected a call with ${text} instead of the operation's own failure`;
}

interface Running {
  readonly fleet: Fleet;
  readonly state: CallLoopState;
}

/**
 * One workload measured for ours and every peer: each implementation gets its breakers (one,
 * or one per host), its own compiled loop, and the same pattern of succeeding and failing
 * calls from the same starting point, so the counts of the first call can be compared.
 */
export function breakerCase(options: BreakerCaseOptions): BenchCase {
  const { spec, pattern, batch } = options;
  const count = options.hosts ?? 1;
  const fill = options.fill ?? 0;
  let names: string[] | undefined;
  const hosts = () => {
    names ??= hostNames(count);
    return names;
  };

  const contenderImplementation = (contender: BreakerContender) => {
    const loop = compileCallLoop(contender.call);
    /** Fleets built to be weighed; closed (timers cleared) once the case is over. */
    const weighed: Fleet[] = [];
    const unexpected = (outcome: { resolved: true } | { rejected: unknown }) =>
      new Error(
        `"${contender.name}" ${describeOutcome(outcome)} in case "${options.name}": its breaker ` +
          'must pass every call through in this case (did it trip?)',
      );
    return implementation<Running>({
      name: contender.name,
      note: contender.note(spec),
      setup: async () => {
        const fleet = contender.create(spec, count, hosts());
        const state: CallLoopState = {
          targets: fleet.targets,
          pattern,
          batch,
          succeed,
          fail,
          failure: operationFailure,
          unexpected,
          host: 0,
          cursor: 0,
        };
        try {
          if (fill > 0) {
            await loop({ ...state, pattern: allSucceed, batch: fill * count });
          }
        } catch (error) {
          fleet.close();
          throw error;
        }
        return { fleet, state };
      },
      fn: ({ state }) => loop(state),
      teardown: ({ fleet }) => {
        fleet.close();
        for (const built of weighed.splice(0)) {
          built.close();
        }
      },
      ...(options.weigh === true
        ? {
            memory: {
              items: count,
              build: () => {
                const fleet = contender.create(spec, count, hosts());
                weighed.push(fleet);
                return fleet;
              },
            },
          }
        : {}),
    });
  };

  return {
    name: options.name,
    description: options.description,
    opsPerCall: batch,
    check: true,
    ours: contenderImplementation(options.ours),
    peers: options.peers.map(contenderImplementation),
    ...(options.floor === undefined ? {} : { floor: contenderImplementation(options.floor) }),
  };
}
