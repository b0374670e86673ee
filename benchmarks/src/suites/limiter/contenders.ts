import { type Algorithm, RateLimiter } from '@breakwater/limiter';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/** One limit: `limit` decisions allowed per `windowMs`, for every key. */
export interface LimitConfig {
  readonly limit: number;
  readonly windowMs: number;
}

/** Ours, synchronous: the number of the `count` decisions on `key` that were allowed. */
export function oursHot(limiter: RateLimiter, key: string, count: number): number {
  let allowed = 0;
  for (let i = 0; i < count; i++) if (limiter.consume(key).allowed) allowed++;
  return allowed;
}

/** Ours on `keys[start]`, `keys[start + 1]`, …: how many of the `count` were allowed. */
export function oursKeys(
  limiter: RateLimiter,
  keys: readonly string[],
  start: number,
  count: number,
): number {
  let allowed = 0;
  for (let i = start; i < start + count; i++) if (limiter.consume(keys[i]!).allowed) allowed++;
  return allowed;
}

/** rlflx rejects with a `RateLimiterRes` when limited; anything else is a real failure. */
function limitedOrThrow(error: unknown): void {
  if (!(error instanceof RateLimiterRes)) throw error;
}

/** rate-limiter-flexible, each `consume` awaited as its README does: rejections are denials. */
export async function rlflxHot(
  limiter: RateLimiterMemory,
  key: string,
  count: number,
): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < count; i++) {
    try {
      await limiter.consume(key);
      allowed++;
    } catch (error) {
      limitedOrThrow(error);
    }
  }
  return allowed;
}

export async function rlflxKeys(
  limiter: RateLimiterMemory,
  keys: readonly string[],
  start: number,
  count: number,
): Promise<number> {
  let allowed = 0;
  for (let i = start; i < start + count; i++) {
    try {
      await limiter.consume(keys[i]!);
      allowed++;
    } catch (error) {
      limitedOrThrow(error);
    }
  }
  return allowed;
}

export function makeOurs(config: LimitConfig, algorithm: Algorithm): RateLimiter {
  return new RateLimiter({
    limits: { limit: config.limit, windowMs: config.windowMs },
    algorithm,
  });
}

/** `keyPrefix: ''` spares a string concatenation per call (its default prefix is `rlflx`). */
export function makeRlflx(config: LimitConfig): RateLimiterMemory {
  return new RateLimiterMemory({
    points: config.limit,
    duration: config.windowMs / 1000,
    keyPrefix: '',
  });
}

/** Forgets every key of `keys` in `limiter`, clearing the timer rlflx arms per key. */
export async function clearRlflx(
  limiter: RateLimiterMemory,
  keys: readonly string[],
): Promise<void> {
  for (const key of keys) await limiter.delete(key);
}
