import type { RateLimiter } from '@breakwater/limiter';
import Bottleneck from 'bottleneck';
import { type Implementation, implementation } from '../../runner/suite-definition.js';
import { verifyBatch } from './cases.js';
import { type LimitConfig, makeOurs } from './contenders.js';

/**
 * The waiting APIs: ours `await limiter.acquire(key)` against bottleneck's
 * `await limiter.schedule(job)` in local mode. Both grant every call here (the limit is far
 * above what a run asks for), and both then do the same trivial work: count the grant.
 */

/** How the calls of one batch are made. */
export type AcquireMode = 'in-turn' | 'at-once';

export interface AcquireCaseOptions {
  readonly config: LimitConfig;
  /** Calls per measured call. */
  readonly batch: number;
  readonly mode: AcquireMode;
}

const acquireKey = 'client:hot';

/** Granted calls of the batch being run, and what each side needs to run one. */
interface OursAcquireState {
  readonly limiter: RateLimiter;
  readonly grant: () => void;
  readonly pending: Promise<void>[];
  granted: number;
}

interface BottleneckState {
  readonly limiter: Bottleneck;
  /** The job each `schedule` runs once granted: counts the grant. */
  readonly job: () => PromiseLike<void>;
  readonly pending: Promise<void>[];
  granted: number;
  /** The first `error` event bottleneck emitted; fails the case at the end of the batch. */
  error: unknown;
}

export function oursAcquireImpl(name: string, options: AcquireCaseOptions): Implementation {
  const { batch, mode } = options;
  return implementation<OursAcquireState>({
    name,
    note:
      "`new RateLimiter({ limits: { limit, windowMs }, algorithm: 'fixed-window' })`, " +
      `\`await acquire(key)\` (no options: cost 1, no \`maxWaitMs\`), ${modeNote(mode)}; ` +
      'each grant then counted',
    setup: () => {
      const state: OursAcquireState = {
        limiter: makeOurs(options.config, 'fixed-window'),
        grant: () => {
          state.granted++;
        },
        pending: new Array<Promise<void>>(batch),
        granted: 0,
      };
      return state;
    },
    fn: async (state) => {
      state.granted = 0;
      if (mode === 'in-turn') {
        for (let i = 0; i < batch; i++) {
          await state.limiter.acquire(acquireKey);
          state.granted++;
        }
      } else {
        const { pending, limiter, grant } = state;
        for (let i = 0; i < batch; i++) pending[i] = limiter.acquire(acquireKey).then(grant);
        await Promise.all(pending);
      }
      return verifyBatch(name, state.granted, batch);
    },
  });
}

/** bottleneck's options for `limit` per `windowMs`: its README's "Refresh Interval" setup. */
export function bottleneckOptions(config: LimitConfig): Bottleneck.ConstructorOptions {
  return {
    maxConcurrent: null,
    minTime: 0,
    reservoir: config.limit,
    reservoirRefreshAmount: config.limit,
    reservoirRefreshInterval: config.windowMs,
  };
}

export const bottleneckNote =
  'local mode (no Redis), one `new Bottleneck({ maxConcurrent: null, minTime: 0, reservoir: ' +
  'limit, reservoirRefreshAmount: limit, reservoirRefreshInterval: windowMs })` for the one key ' +
  '(its README’s rate limit with a refresh interval; `maxConcurrent: null` and `minTime: 0` are ' +
  'its defaults and its fastest: the README’s extra `maxConcurrent`/`minTime` “for safety” would ' +
  'only space jobs out); `trackDoneStatus` off (default); `disconnect()` in teardown';

export function bottleneckImpl(options: AcquireCaseOptions): Implementation {
  const { batch, mode } = options;
  const name = 'bottleneck';
  const settled = Promise.resolve();
  return implementation<BottleneckState>({
    name,
    note: `${bottleneckNote}; \`await limiter.schedule(job)\`, ${modeNote(mode)}; the job counts the grant and returns a settled promise`,
    setup: () => {
      const state: BottleneckState = {
        limiter: new Bottleneck(bottleneckOptions(options.config)),
        job: () => {
          state.granted++;
          return settled;
        },
        pending: new Array<Promise<void>>(batch),
        granted: 0,
        error: undefined,
      };
      state.limiter.on('error', (error) => {
        state.error ??= error;
      });
      return state;
    },
    fn: async (state) => {
      state.granted = 0;
      const { limiter, job, pending } = state;
      if (mode === 'in-turn') {
        for (let i = 0; i < batch; i++) await limiter.schedule(job);
      } else {
        for (let i = 0; i < batch; i++) pending[i] = limiter.schedule(job);
        await Promise.all(pending);
      }
      if (state.error !== undefined) throw state.error;
      return verifyBatch(name, state.granted, batch);
    },
    teardown: (state) => state.limiter.disconnect(),
  });
}

function modeNote(mode: AcquireMode): string {
  return mode === 'in-turn'
    ? 'each call awaited before the next'
    : 'the batch started at once and awaited with `Promise.all`';
}
