import type { Cluster, Redis } from 'ioredis';
import { invalidMessage } from '../validate.js';

/**
 * The client of every Breakwater Redis store: an ioredis `Redis` or `Cluster`, owned by
 * the caller (never closed, never reconfigured by the store).
 */
export type RedisClient = Redis | Cluster;

/** The commands every Breakwater Redis store sends through its client. */
const SCRIPT_COMMANDS = ['evalsha', 'eval'] as const;

/** The fields looked at besides the commands. */
interface ClientShape {
  status?: unknown;
  isCluster?: unknown;
  nodes?: unknown;
}

/**
 * Checks that `value` looks like an ioredis `Redis` or `Cluster`: a string `status`,
 * `evalsha` and `eval`, each of the `commands` the store also sends, and `nodes` on a
 * cluster. Returns it typed as the store's client.
 * @throws TypeError naming the option otherwise.
 */
export function checkRedisClient<Client = RedisClient>(
  name: string,
  value: unknown,
  commands: readonly string[] = [],
): Client {
  const candidate = value as (Record<string, unknown> & ClientShape) | null;
  const ok =
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.status === 'string' &&
    [...SCRIPT_COMMANDS, ...commands].every(
      (command) => typeof candidate[command] === 'function',
    ) &&
    (candidate.isCluster !== true || typeof candidate.nodes === 'function');
  if (!ok) {
    throw new TypeError(invalidMessage(name, 'an ioredis Redis or Cluster instance', value));
  }
  return value as Client;
}
