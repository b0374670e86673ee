import type { Algorithm, RateLimiter } from '@breakwater/limiter';
import type { RateLimiterMemory } from 'rate-limiter-flexible';
import { type Implementation, implementation } from '../../runner/suite-definition.js';
import {
  clearRlflx,
  type LimitConfig,
  makeOurs,
  makeRlflx,
  oursHot,
  oursKeys,
  rlflxHot,
  rlflxKeys,
} from './contenders.js';

/**
 * Decisions one batch of a fixed window must allow, on one key, after `allowedSoFar` were
 * allowed in the same window: every one until the limit, then none.
 */
export function expectedAllowed(limit: number, allowedSoFar: number, batch: number): number {
  return Math.min(batch, Math.max(0, limit - allowedSoFar));
}

/** Throws when a batch allowed another count than the model says. */
export function verifyBatch(name: string, allowed: number, expected: number): number {
  if (allowed !== expected) {
    throw new Error(`${name}: a batch allowed ${allowed} decisions, expected ${expected}`);
  }
  return allowed;
}

interface HotState<L> {
  readonly limiter: L;
  allowedSoFar: number;
}

export interface HotOptions {
  readonly config: LimitConfig;
  readonly batch: number;
  /** Checks every batch against the fixed-window model (true where it applies). */
  readonly verify: boolean;
}

const hotKey = 'client:hot';

function settleHot<L>(name: string, state: HotState<L>, options: HotOptions, allowed: number) {
  const { config, batch, verify } = options;
  if (verify) verifyBatch(name, allowed, expectedAllowed(config.limit, state.allowedSoFar, batch));
  state.allowedSoFar += allowed;
  return allowed;
}

export function oursHotImpl(name: string, algorithm: Algorithm, options: HotOptions) {
  return implementation<HotState<RateLimiter>>({
    name,
    note: `\`new RateLimiter({ limits: { limit, windowMs }, algorithm: '${algorithm}' })\`, synchronous \`consume(key)\``,
    setup: () => ({ limiter: makeOurs(options.config, algorithm), allowedSoFar: 0 }),
    fn: (state) => settleHot(name, state, options, oursHot(state.limiter, hotKey, options.batch)),
  });
}

export const rlflxNote =
  '`RateLimiterMemory({ points, duration, keyPrefix: "" })` (a fixed window starting at a ' +
  'key’s first consume; the empty prefix spares a string concatenation per call); each ' +
  '`consume(key)` awaited, a rejection counted as a denial';

export function rlflxHotImpl(options: HotOptions): Implementation {
  const name = 'rate-limiter-flexible';
  return implementation<HotState<RateLimiterMemory>>({
    name,
    note: rlflxNote,
    setup: () => ({ limiter: makeRlflx(options.config), allowedSoFar: 0 }),
    fn: async (state) =>
      settleHot(name, state, options, await rlflxHot(state.limiter, hotKey, options.batch)),
    teardown: (state) => clearRlflx(state.limiter, [hotKey]),
  });
}

export interface KeysOptions {
  readonly config: LimitConfig;
  readonly batch: number;
  /** How many distinct keys (`key:0` …); also the keys a memory build holds. */
  readonly count: number;
  /** The keys, built once and shared by every implementation (see `keyList`). */
  readonly keys: () => readonly string[];
}

interface KeysState<L> {
  limiter: L;
  cursor: number;
  /** rlflx limiters replaced after a pass over the keys, cleared in teardown. */
  readonly retired: L[];
}

/** Builds `count` keys `key:0` … once; later calls return the same array. */
export function keyList(count: number): () => readonly string[] {
  let keys: string[] | undefined;
  return () => {
    keys ??= Array.from({ length: count }, (_, i) => `key:${i}`);
    return keys;
  };
}

/**
 * One batch over the next `batch` keys. A key is never seen twice by one limiter: after a
 * pass over every key, the next batch starts a fresh limiter. Every decision is then the
 * first of its key, so each is allowed.
 */
function keysBatch<L, R>(
  state: KeysState<L>,
  options: KeysOptions,
  fresh: () => L,
  run: (limiter: L, keys: readonly string[], start: number, count: number) => R,
): R {
  const keys = options.keys();
  if (state.cursor + options.batch > keys.length) {
    state.retired.push(state.limiter);
    state.limiter = fresh();
    state.cursor = 0;
  }
  const start = state.cursor;
  state.cursor += options.batch;
  return run(state.limiter, keys, start, options.batch);
}

export function oursKeysImpl(name: string, algorithm: Algorithm, options: KeysOptions) {
  const fresh = () => makeOurs(options.config, algorithm);
  return implementation<KeysState<RateLimiter>>({
    name,
    note: `\`new RateLimiter({ limits: { limit, windowMs }, algorithm: '${algorithm}' })\`, a fresh limiter after each pass over the keys`,
    setup: () => {
      options.keys();
      return { limiter: fresh(), cursor: 0, retired: [] };
    },
    fn: (state) => {
      const allowed = keysBatch(state, options, fresh, oursKeys);
      state.retired.length = 0;
      return verifyBatch(name, allowed, options.batch);
    },
    memory: {
      items: options.count,
      build: () => {
        const limiter = fresh();
        const keys = options.keys();
        oursKeys(limiter, keys, 0, keys.length);
        return limiter;
      },
    },
  });
}

export function rlflxKeysImpl(options: KeysOptions, weigh = true): Implementation {
  const name = 'rate-limiter-flexible';
  const fresh = () => makeRlflx(options.config);
  const built: RateLimiterMemory[] = [];
  return implementation<KeysState<RateLimiterMemory>>({
    name,
    note: `${rlflxNote}; a fresh limiter after each pass over the keys (the old one, whose keys each hold a timer, is cleared in teardown)`,
    setup: () => {
      options.keys();
      return { limiter: fresh(), cursor: 0, retired: [] };
    },
    fn: async (state) =>
      verifyBatch(name, await keysBatch(state, options, fresh, rlflxKeys), options.batch),
    teardown: async (state) => {
      const keys = options.keys();
      for (const limiter of [state.limiter, ...state.retired, ...built.splice(0)]) {
        await clearRlflx(limiter, keys);
      }
    },
    ...(weigh && {
      memory: {
        items: options.count,
        build: async () => {
          const limiter = fresh();
          built.push(limiter);
          const keys = options.keys();
          await rlflxKeys(limiter, keys, 0, keys.length);
          return limiter;
        },
      },
    }),
  });
}

/** One key's counter in the floor: decisions allowed in the window ending at `resetAt`. */
interface FloorEntry {
  count: number;
  resetAt: number;
}

/**
 * One decision at its barest: the clock read a decision needs (`performance.now()`), a `Map`
 * lookup of the key's counter (inserted on the key's first decision or when its window is
 * over), a compare and an increment. A fixed window with no validation, cleanup or stats.
 */
export function floorDecide(
  counters: Map<string, FloorEntry>,
  key: string,
  config: LimitConfig,
): boolean {
  const now = performance.now();
  let entry = counters.get(key);
  if (entry === undefined || now >= entry.resetAt) {
    entry = { count: 0, resetAt: now + config.windowMs };
    counters.set(key, entry);
  }
  if (entry.count < config.limit) {
    entry.count++;
    return true;
  }
  return false;
}

export const floorName = 'Map + clock (floor)';

const floorNote =
  'Not a limiter and not a competitor: per decision one `performance.now()` and a `Map` ' +
  'lookup of the key’s counter (set on the key’s first decision), a compare and an increment: ' +
  'a fixed window at its barest, the least a decision costs.';

export function floorHotImpl(options: HotOptions): Implementation {
  const { config, batch } = options;
  return implementation<HotState<Map<string, FloorEntry>>>({
    name: floorName,
    note: floorNote,
    setup: () => ({ limiter: new Map(), allowedSoFar: 0 }),
    fn: (state) => {
      let allowed = 0;
      for (let i = 0; i < batch; i++) if (floorDecide(state.limiter, hotKey, config)) allowed++;
      return settleHot(floorName, state, options, allowed);
    },
  });
}

export function floorKeysImpl(options: KeysOptions): Implementation {
  const { config } = options;
  const fresh = () => new Map<string, FloorEntry>();
  const run = (
    counters: Map<string, FloorEntry>,
    keys: readonly string[],
    start: number,
    count: number,
  ) => {
    let allowed = 0;
    for (let i = start; i < start + count; i++)
      if (floorDecide(counters, keys[i]!, config)) allowed++;
    return allowed;
  };
  return implementation<KeysState<Map<string, FloorEntry>>>({
    name: floorName,
    note: `${floorNote} A fresh \`Map\` after each pass over the keys, as for ours.`,
    setup: () => {
      options.keys();
      return { limiter: fresh(), cursor: 0, retired: [] };
    },
    fn: (state) => {
      const allowed = keysBatch(state, options, fresh, run);
      state.retired.length = 0;
      return verifyBatch(floorName, allowed, options.batch);
    },
  });
}
