/** Stable codes of the errors this package throws. */
export type TestingErrorCode = 'ERR_REDIS_NOT_INSTALLED' | 'ERR_REDIS_START' | 'ERR_REDIS_STOPPED';

/** Base class of the errors thrown by `@breakwater/testing`. */
export class BreakwaterTestingError extends Error {
  readonly code: TestingErrorCode;

  constructor(code: TestingErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The Redis binaries this package runs. */
export type RedisBinary = 'redis-server' | 'redis-cli';

const INSTALL_HINT: Record<RedisBinary, string> = {
  'redis-server':
    'Install it: `sudo apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS).',
  'redis-cli':
    'Install it: `sudo apt-get install redis-tools` (Debian/Ubuntu) or `brew install redis` (macOS).',
};

/**
 * `redis-server` or `redis-cli` could not be found: thrown at once, before anything is
 * started, by `startRedis()` and `startRedisCluster()`.
 */
export class RedisNotInstalledError extends BreakwaterTestingError {
  /** The binary that is missing. */
  readonly binary: RedisBinary;
  /** The environment variable that overrides where the binary is looked up. */
  readonly envVar: string;
  /** The value of `envVar` when it was set but does not name an executable file. */
  readonly override: string | undefined;

  constructor(binary: RedisBinary, envVar: string, override?: string) {
    const where =
      override === undefined
        ? `${binary} was not found on PATH.`
        : `${envVar} is set to \`${override}\`, which is not an executable file.`;
    super(
      'ERR_REDIS_NOT_INSTALLED',
      `${where} Breakwater's integration tests start their own Redis. ${INSTALL_HINT[binary]} ` +
        `To use a binary elsewhere, set ${envVar} to its path.`,
    );
    this.binary = binary;
    this.envVar = envVar;
    this.override = override;
  }
}

/** A Redis server or cluster did not come up: it exited, timed out or `redis-cli` failed. */
export class RedisStartError extends BreakwaterTestingError {
  /** The port the server was started on, when the failure concerns one server. */
  readonly port: number | undefined;
  /** The last lines of the server's log (or `redis-cli`'s output), possibly empty. */
  readonly log: string;

  constructor(message: string, details: { port?: number; log?: string; cause?: unknown } = {}) {
    const log = details.log?.trim() ?? '';
    super('ERR_REDIS_START', log === '' ? message : `${message}\n--- log ---\n${log}`, {
      cause: details.cause,
    });
    this.port = details.port;
    this.log = log;
  }
}

/** A handle was used after `stop()`: a stopped server or cluster cannot be used again. */
export class RedisServerStoppedError extends BreakwaterTestingError {
  /**
   * @param action what was attempted, e.g. `restart`
   * @param target what was stopped, e.g. `the redis-server on port 40123`
   */
  constructor(action: string, target: string) {
    super(
      'ERR_REDIS_STOPPED',
      `Cannot ${action}: ${target} was stopped with stop(). ` +
        'To simulate a crash that restart() recovers from, use kill() instead.',
    );
  }
}
