import { createHash } from 'node:crypto';
import { RedisUnavailableError } from './errors.js';
import type { RedisGuardCall } from './redis-guard.js';

/** A Lua script and its SHA1, for `EVALSHA`. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
  /**
   * Always sent as `EVAL`, never `EVALSHA`. A `NOSCRIPT` answer makes the script go a
   * second time, after commands sent later on the same connection: a script whose effect
   * must keep its place among them (a delete that a later write must win over) is ordered.
   */
  readonly ordered: boolean;
}

/** Options of {@link luaScript}. */
export interface LuaScriptOptions {
  /** Send it as `EVAL` every time, to keep its place in the order of commands. @default false */
  ordered?: boolean | undefined;
}

/** A frozen {@link LuaScript} of `source`, with its SHA1 computed once. */
export function luaScript(source: string, options?: LuaScriptOptions): LuaScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return Object.freeze({ source, sha, ordered: options?.ordered === true });
}

/** The script commands of both ioredis `Redis` and `Cluster`, as used here. */
export interface RedisScriptClient {
  readonly status: string;
  evalsha(sha: string, numKeys: number, ...keysAndArgs: Array<string | number>): Promise<unknown>;
  eval(source: string, numKeys: number, ...keysAndArgs: Array<string | number>): Promise<unknown>;
}

/**
 * Runs `script` on `keys` and `args`: `EVALSHA`, then `EVAL` once when the server does not
 * know the script (a fresh or restarted node) — unless the caller stopped waiting
 * meanwhile (`call.timedOut`) or the client is no longer `'ready'`. An `ordered` script
 * goes as `EVAL` at once. Meant to run inside a {@link RedisGuard} call.
 */
export async function evalScript(
  client: RedisScriptClient,
  operation: string,
  script: LuaScript,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
  call: RedisGuardCall,
): Promise<unknown> {
  if (script.ordered) return client.eval(script.source, keys.length, ...keys, ...args);
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    // Too late: the caller went on without this call; it must not run after all.
    if (call.timedOut) throw error;
    // The EVALSHA was answered, but the connection may have dropped since.
    if (client.status !== 'ready') throw new RedisUnavailableError(operation, client.status);
    return await client.eval(script.source, keys.length, ...keys, ...args);
  }
}
