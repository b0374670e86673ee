/** Arguments that `startRedis` sets itself; passing them in `args` would break the handle. */
const RESERVED_ARGS = ['--port', '--bind', '--dir', '--logfile', '--daemonize'] as const;

/** Defaults of {@link resolveStartRedisOptions}. */
export const DEFAULT_START_TIMEOUT_MS = 10_000;
/** Default start timeout of a whole cluster (all nodes, `redis-cli`, convergence). */
export const DEFAULT_CLUSTER_START_TIMEOUT_MS = 30_000;
/** `redis-cli --cluster create` refuses fewer than 3 masters. */
export const MIN_CLUSTER_MASTERS = 3;

export interface ResolvedStartRedisOptions {
  readonly args: readonly string[];
  readonly startTimeoutMs: number;
}

export interface ResolvedStartRedisClusterOptions {
  readonly masters: number;
  readonly startTimeoutMs: number;
}

/** Validates the options of `startRedis` and fills in defaults, without touching the input. */
export function resolveStartRedisOptions(options: {
  args?: readonly string[] | undefined;
  startTimeoutMs?: number | undefined;
}): ResolvedStartRedisOptions {
  const args = options.args ?? [];
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) {
    throw new TypeError(`Expected \`args\` to be an array of strings, got ${describe(args)}`);
  }
  const reserved = args.find((arg) => (RESERVED_ARGS as readonly string[]).includes(arg));
  if (reserved !== undefined) {
    throw new RangeError(
      `Expected \`args\` not to contain \`${reserved}\`: startRedis sets ${RESERVED_ARGS.join(', ')} itself`,
    );
  }
  return Object.freeze({
    args: Object.freeze([...args]),
    startTimeoutMs: resolveTimeout(options.startTimeoutMs, DEFAULT_START_TIMEOUT_MS),
  });
}

/** Validates the options of `startRedisCluster` and fills in defaults. */
export function resolveStartRedisClusterOptions(options: {
  masters?: number | undefined;
  startTimeoutMs?: number | undefined;
}): ResolvedStartRedisClusterOptions {
  const masters = options.masters ?? MIN_CLUSTER_MASTERS;
  if (typeof masters !== 'number' || !Number.isInteger(masters) || masters < MIN_CLUSTER_MASTERS) {
    throw new RangeError(
      `Expected \`masters\` to be an integer >= ${MIN_CLUSTER_MASTERS}, got ${describe(masters)}`,
    );
  }
  return Object.freeze({
    masters,
    startTimeoutMs: resolveTimeout(options.startTimeoutMs, DEFAULT_CLUSTER_START_TIMEOUT_MS),
  });
}

/** Validates a timeout option named `name`, `fallback` when it is undefined. */
export function resolveTimeout(
  value: number | undefined,
  fallback: number,
  name = 'startTimeoutMs',
): number {
  const timeout = value ?? fallback;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw new RangeError(
      `Expected \`${name}\` to be a finite number > 0, got ${describe(timeout)}`,
    );
  }
  return timeout;
}

function describe(value: unknown): string {
  const shown = Array.isArray(value) ? JSON.stringify(value) : String(value);
  return `\`${shown}\` (${Array.isArray(value) ? 'array' : typeof value})`;
}
