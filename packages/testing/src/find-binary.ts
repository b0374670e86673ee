import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type RedisBinary, RedisNotInstalledError } from './errors.js';

/** The environment variable that overrides where each binary is looked up. */
export const BINARY_ENV_VARS: Readonly<Record<RedisBinary, string>> = Object.freeze({
  'redis-server': 'BREAKWATER_REDIS_SERVER',
  'redis-cli': 'BREAKWATER_REDIS_CLI',
});

/**
 * Returns the path of `binary`: the override from its environment variable when set,
 * otherwise the first executable file of that name on `PATH`.
 *
 * @throws RedisNotInstalledError when it is missing, with instructions to install it.
 */
export function findRedisBinary(binary: RedisBinary, env: NodeJS.ProcessEnv = process.env): string {
  const envVar = BINARY_ENV_VARS[binary];
  const override = env[envVar];
  if (override !== undefined && override !== '') {
    if (isExecutableFile(override)) return override;
    throw new RedisNotInstalledError(binary, envVar, override);
  }
  const { PATH = '' } = env;
  for (const directory of PATH.split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, binary);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new RedisNotInstalledError(binary, envVar);
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
