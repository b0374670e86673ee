import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { invalidMessage } from '@breakwater/core';

/** One expert backend the service can consult. */
export interface ExpertEndpoint {
  /** The expert's name, used in requests and answers. */
  readonly name: string;
  /** Base URL of the expert (its `/v1/answer` and `/health` hang below it). */
  readonly url: string;
}

/** Log levels accepted by `LOG_LEVEL`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** A pino log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Modes accepted by `MODE`. */
export const MODES = ['resilient', 'naive'] as const;
/**
 * `resilient`: every primitive on. `naive`: the same service with the primitives switched
 * off — plain `fetch` with a timeout, no breaker, retry, cache, coalescing or quotas.
 */
export type ServiceMode = (typeof MODES)[number];

/**
 * The service's configuration, as read from the environment and flags. Each field names its
 * environment variable; the flag is the same name in lower case with dashes
 * (`--default-deadline-ms 3000` or `--default-deadline-ms=3000`).
 */
export interface ServiceConfig {
  /** `PORT`: TCP port to listen on, 0..65535 (0 picks a free one). @default 3000 */
  readonly port: number;
  /** `HOST`: address to listen on. @default '127.0.0.1' */
  readonly host: string;
  /**
   * `EXPERTS`: the experts, `name=url` pairs separated by commas. Empty when unset: the
   * service's entry point then starts five simulated experts in-process on loopback.
   */
  readonly experts: readonly ExpertEndpoint[];
  /** `MODE`: one of {@link MODES}. @default 'resilient' */
  readonly mode: ServiceMode;
  /** `DEFAULT_DEADLINE_MS`: deadline of a consultation without `deadlineMs`, 100..60000. @default 5000 */
  readonly defaultDeadlineMs: number;
  /** `BODY_LIMIT_BYTES`: largest request body accepted, 1024..10485760. @default 65536 */
  readonly bodyLimitBytes: number;
  /** `READY_TIMEOUT_MS`: how long `/ready` waits for each expert's `/health`, 10..10000. @default 1000 */
  readonly readyTimeoutMs: number;
  /** `SHUTDOWN_TIMEOUT_MS`: how long SIGTERM waits for in-flight requests, 100..120000. @default 10000 */
  readonly shutdownTimeoutMs: number;
  /** `REQUEST_TIMEOUT_MS`: longest time a client may take to send its whole request (408 past it), 1000..600000. @default 30000 */
  readonly requestTimeoutMs: number;
  /** `LOG_LEVEL`: one of {@link LOG_LEVELS}. @default 'info' */
  readonly logLevel: LogLevel;
  /** `LOG_QUESTIONS`: write question texts into the logs (`true`/`false`). @default false */
  readonly logQuestions: boolean;
  /**
   * `API_KEYS`: comma-separated client keys (each 16..256 printable characters), or their
   * SHA-256 digests as `sha256:<64 hex>`. Kept hashed in memory. Empty: no key is required.
   */
  readonly apiKeyHashes: readonly string[];
  /** `ADMIN_KEY`: key of the admin routes (cache flush) from a non-loopback address; 16..256 characters. @default unset: loopback only */
  readonly adminKeyHash: string | undefined;
  /** `CLIENT_LIMIT_PER_MINUTE`: requests per client (API key, else IP) per minute, 1..1000000. @default 600 */
  readonly clientLimitPerMinute: number;
  /** `CLIENT_LIMIT_PER_DAY`: requests per client per day, 1..100000000. @default 100000 */
  readonly clientLimitPerDay: number;
  /** `EXPERT_LIMIT_PER_SECOND`: calls per expert per second (the provider's quota), 1..1000000. @default 500 */
  readonly expertLimitPerSecond: number;
  /** `EXPERT_TIMEOUT_MS`: timeout of one attempt at an expert, 10..60000. @default 2000 */
  readonly expertTimeoutMs: number;
  /** `EXPERT_RETRIES`: retries after a failed attempt, 0..5. @default 2 */
  readonly expertRetries: number;
  /** `EXPERT_CONCURRENCY`: calls in flight per expert (the bulkhead), 1..10000. @default 64 */
  readonly expertConcurrency: number;
  /** `BREAKER_OPEN_MS`: how long an expert's open breaker stays open before a probe, 100..3600000. @default 30000 */
  readonly breakerOpenMs: number;
  /** `EXPERT_CONNECTIONS`: keep-alive connections per expert, 1..1024. @default 32 */
  readonly expertConnections: number;
  /** `CACHE_MAX_ENTRIES`: answers kept in the cache, 1..10000000. @default 10000 */
  readonly cacheMaxEntries: number;
  /** `CACHE_TTL_MS`: longest time an answer is fresh (shorter for low agreement or large answers), 1000..86400000. @default 60000 */
  readonly cacheTtlMs: number;
  /** `MAX_PARALLEL`: experts asked at once within one consultation, 1..64. @default 8 */
  readonly maxParallel: number;
  /** `RECORDS_DB`: DuckDB file of consultation records, or `:memory:`. @default 'experts-records.duckdb' */
  readonly recordsDb: string;
  /** `RECORDS_BATCH_SIZE`: records appended per batch, 1..100000. @default 500 */
  readonly recordsBatchSize: number;
  /** `RECORDS_FLUSH_MS`: longest time a record waits for its batch, 10..60000. @default 1000 */
  readonly recordsFlushMs: number;
  /** `DB_CONNECTIONS`: pooled DuckDB connections for `/v1/stats`, 1..64. @default 4 */
  readonly dbConnections: number;
  /** `CONSENSUS_WORKER_CHARS`: total answer length from which consensus runs on worker threads, 1..100000000. @default 200000 */
  readonly consensusWorkerChars: number;
  /**
   * `REDIS_URL`: a single Redis node (`redis://` or `rediss://`) through which several
   * instances share quotas, cache, coalescing, breakers and records. @default unset: one process, in memory
   */
  readonly redisUrl: string | undefined;
  /**
   * `REDIS_CLUSTER_NODES`: seed nodes of a Redis Cluster, `host:port` comma-separated
   * (instead of `REDIS_URL`). @default unset
   */
  readonly redisClusterNodes: readonly { readonly host: string; readonly port: number }[];
  /** `REDIS_PREFIX`: prefix of every Redis key the service writes, 1..64 of `A-Z a-z 0-9 : _ -`. @default 'experts:' */
  readonly redisPrefix: string;
  /** `INSTANCE_ID`: this instance's name in logs, records and the dashboard, as an expert name. @default the host name and process id */
  readonly instanceId: string;
  /** `CONSENSUS_WORKERS`: worker threads for large consensus analyses, 1..64. @default 2 */
  readonly consensusWorkers: number;
}

/** Bounds of a consultation's deadline, in milliseconds. */
export const DEADLINE_RANGE_MS = { min: 100, max: 60_000 } as const;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KEY = /^[\x21-\x7e]{16,256}$/;
const HASHED_KEY = /^sha256:[0-9a-f]{64}$/;

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const text = raw.trim();
  if (!/^-?\d+$/.test(text)) {
    throw new TypeError(invalidMessage(name, `an integer >= ${min} and <= ${max}`, raw));
  }
  const value = Number(text);
  if (value < min || value > max) {
    throw new RangeError(invalidMessage(name, `an integer >= ${min} and <= ${max}`, raw));
  }
  return value;
}

function oneOf<const T extends string>(
  env: Env,
  name: string,
  values: readonly T[],
  fallback: T,
): T {
  const raw = env[name];
  const text = (raw ?? '').trim() || fallback;
  if (!(values as readonly string[]).includes(text)) {
    throw new RangeError(invalidMessage(name, `one of ${values.join(', ')}`, raw));
  }
  return text as T;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  const text = (raw ?? '').trim().toLowerCase();
  if (text === '') return fallback;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new RangeError(invalidMessage(name, 'true, false, 1 or 0', raw));
}

/** SHA-256 of a key, as `sha256:<hex>`: the only form in which keys are kept. */
export function hashKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

function parseKeys(env: Env, name: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [];
  const hashes = new Set<string>();
  for (const [i, part] of raw.split(',').entries()) {
    const entry = part.trim();
    if (HASHED_KEY.test(entry)) hashes.add(entry);
    else if (KEY.test(entry)) hashes.add(hashKey(entry));
    else {
      // The value is a secret: name its position, never echo it.
      throw new RangeError(
        `Expected \`${name}\` entry ${i + 1} to be a key of 16 to 256 printable ASCII characters (no spaces or commas) or sha256:<64 hex digits>`,
      );
    }
  }
  return [...hashes];
}

function parseRedisUrl(raw: string | undefined): string | undefined {
  const text = (raw ?? '').trim();
  if (text === '') return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // May hold a password: never echoed.
    throw new RangeError('Expected `REDIS_URL` to be a redis:// or rediss:// URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new RangeError('Expected `REDIS_URL` to be a redis:// or rediss:// URL');
  }
  return text;
}

function parseClusterNodes(raw: string | undefined): { host: string; port: number }[] {
  const text = (raw ?? '').trim();
  if (text === '') return [];
  const nodes: { host: string; port: number }[] = [];
  for (const part of text.split(',')) {
    const entry = part.trim();
    const colon = entry.lastIndexOf(':');
    const host = colon < 0 ? '' : entry.slice(0, colon).replace(/^\[|\]$/g, '');
    const port = colon < 0 ? Number.NaN : Number(entry.slice(colon + 1));
    if (host === '' || !Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new RangeError(
        invalidMessage('REDIS_CLUSTER_NODES', 'a comma-separated list of host:port', entry),
      );
    }
    nodes.push({ host, port });
  }
  return nodes;
}

function parseExperts(raw: string | undefined): ExpertEndpoint[] {
  const what = 'a comma-separated list of name=url pairs (http or https)';
  if (raw === undefined || raw.trim() === '') return [];
  const experts: ExpertEndpoint[] = [];
  const seen = new Set<string>();
  for (const part of raw.split(',')) {
    const entry = part.trim();
    const eq = entry.indexOf('=');
    const name = eq < 0 ? '' : entry.slice(0, eq).trim();
    const url = eq < 0 ? '' : entry.slice(eq + 1).trim();
    if (!NAME.test(name)) {
      throw new RangeError(
        invalidMessage('EXPERTS', `${what}; a name is 1 to 64 of A-Z a-z 0-9 . _ -`, entry),
      );
    }
    if (seen.has(name))
      throw new RangeError(`Expected \`EXPERTS\` to name each expert once, got \`${name}\` twice`);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new RangeError(invalidMessage('EXPERTS', `${what}; bad URL for \`${name}\``, url));
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new RangeError(invalidMessage('EXPERTS', `${what}; bad URL for \`${name}\``, url));
    }
    seen.add(name);
    experts.push({ name, url: parsed.href.replace(/\/+$/, '') });
  }
  return experts;
}

/** Every variable {@link loadConfig} reads; a flag is its lower-case, dashed form. */
export const CONFIG_VARIABLES = [
  'PORT',
  'HOST',
  'EXPERTS',
  'MODE',
  'DEFAULT_DEADLINE_MS',
  'BODY_LIMIT_BYTES',
  'READY_TIMEOUT_MS',
  'SHUTDOWN_TIMEOUT_MS',
  'REQUEST_TIMEOUT_MS',
  'LOG_LEVEL',
  'LOG_QUESTIONS',
  'API_KEYS',
  'ADMIN_KEY',
  'CLIENT_LIMIT_PER_MINUTE',
  'CLIENT_LIMIT_PER_DAY',
  'EXPERT_LIMIT_PER_SECOND',
  'EXPERT_TIMEOUT_MS',
  'EXPERT_RETRIES',
  'EXPERT_CONCURRENCY',
  'EXPERT_CONNECTIONS',
  'BREAKER_OPEN_MS',
  'CACHE_MAX_ENTRIES',
  'CACHE_TTL_MS',
  'MAX_PARALLEL',
  'RECORDS_DB',
  'RECORDS_BATCH_SIZE',
  'RECORDS_FLUSH_MS',
  'DB_CONNECTIONS',
  'CONSENSUS_WORKER_CHARS',
  'CONSENSUS_WORKERS',
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'REDIS_PREFIX',
  'INSTANCE_ID',
] as const;

/**
 * Reads command-line flags (`--name value` or `--name=value`, names from
 * {@link CONFIG_VARIABLES} in lower case with dashes) into environment-variable form.
 * @throws RangeError naming an unknown flag or a flag without a value.
 */
export function parseFlags(argv: readonly string[]): Record<string, string> {
  const known = new Map(CONFIG_VARIABLES.map((v) => [v.toLowerCase().replaceAll('_', '-'), v]));
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new RangeError(`Unexpected argument \`${arg}\``);
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const variable = known.get(flag);
    if (variable === undefined) {
      throw new RangeError(
        `Unknown flag \`--${flag}\`; known flags: ${[...known.keys()].map((k) => `--${k}`).join(', ')}`,
      );
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw new RangeError(`Expected a value after \`--${flag}\``);
    out[variable] = value;
  }
  return out;
}

/**
 * Reads the service's configuration from environment variables (`process.env` by default),
 * overridden by command-line flags. Unset or empty variables take their defaults; nothing
 * is clamped.
 * @throws TypeError or RangeError whose message names the variable and the value received
 *   (never a key's value).
 */
export function loadConfig(
  env: NodeJS.ProcessEnv | Env = process.env,
  argv: readonly string[] = [],
): ServiceConfig {
  const e: Env = { ...env, ...parseFlags(argv) };
  const level = oneOf(e, 'LOG_LEVEL', LOG_LEVELS, 'info');
  const adminKeys = parseKeys(e, 'ADMIN_KEY');
  if (adminKeys.length > 1) throw new RangeError('Expected `ADMIN_KEY` to be one key');
  const clientLimitPerMinute = integer(e, 'CLIENT_LIMIT_PER_MINUTE', 600, 1, 1_000_000);
  const redisUrl = parseRedisUrl(e['REDIS_URL']);
  const redisClusterNodes = parseClusterNodes(e['REDIS_CLUSTER_NODES']);
  if (redisUrl !== undefined && redisClusterNodes.length > 0) {
    throw new RangeError('Expected either `REDIS_URL` or `REDIS_CLUSTER_NODES`, not both');
  }
  const redisPrefix = (e['REDIS_PREFIX'] ?? '').trim() || 'experts:';
  if (!/^[A-Za-z0-9:_-]{1,64}$/.test(redisPrefix)) {
    throw new RangeError(
      invalidMessage('REDIS_PREFIX', '1 to 64 of A-Z a-z 0-9 : _ -', e['REDIS_PREFIX']),
    );
  }
  const instanceId =
    (e['INSTANCE_ID'] ?? '').trim() ||
    `${
      hostname()
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .slice(0, 40) || 'host'
    }-${process.pid}`;
  if (!NAME.test(instanceId)) {
    throw new RangeError(
      invalidMessage('INSTANCE_ID', '1 to 64 of A-Z a-z 0-9 . _ -', e['INSTANCE_ID']),
    );
  }
  return Object.freeze({
    port: integer(e, 'PORT', 3000, 0, 65_535),
    host: (e['HOST'] ?? '').trim() || '127.0.0.1',
    experts: Object.freeze(parseExperts(e['EXPERTS'])),
    mode: oneOf(e, 'MODE', MODES, 'resilient'),
    defaultDeadlineMs: integer(
      e,
      'DEFAULT_DEADLINE_MS',
      5000,
      DEADLINE_RANGE_MS.min,
      DEADLINE_RANGE_MS.max,
    ),
    bodyLimitBytes: integer(e, 'BODY_LIMIT_BYTES', 65_536, 1024, 10_485_760),
    readyTimeoutMs: integer(e, 'READY_TIMEOUT_MS', 1000, 10, 10_000),
    shutdownTimeoutMs: integer(e, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 120_000),
    requestTimeoutMs: integer(e, 'REQUEST_TIMEOUT_MS', 30_000, 1000, 600_000),
    logLevel: level,
    logQuestions: boolean(e, 'LOG_QUESTIONS', false),
    apiKeyHashes: Object.freeze(parseKeys(e, 'API_KEYS')),
    adminKeyHash: adminKeys[0],
    clientLimitPerMinute,
    clientLimitPerDay: integer(e, 'CLIENT_LIMIT_PER_DAY', 100_000, 1, 100_000_000),
    expertLimitPerSecond: integer(e, 'EXPERT_LIMIT_PER_SECOND', 500, 1, 1_000_000),
    expertTimeoutMs: integer(e, 'EXPERT_TIMEOUT_MS', 2000, 10, 60_000),
    expertRetries: integer(e, 'EXPERT_RETRIES', 2, 0, 5),
    expertConcurrency: integer(e, 'EXPERT_CONCURRENCY', 64, 1, 10_000),
    expertConnections: integer(e, 'EXPERT_CONNECTIONS', 32, 1, 1024),
    breakerOpenMs: integer(e, 'BREAKER_OPEN_MS', 30_000, 100, 3_600_000),
    cacheMaxEntries: integer(e, 'CACHE_MAX_ENTRIES', 10_000, 1, 10_000_000),
    cacheTtlMs: integer(e, 'CACHE_TTL_MS', 60_000, 1000, 86_400_000),
    maxParallel: integer(e, 'MAX_PARALLEL', 8, 1, 64),
    recordsDb: (e['RECORDS_DB'] ?? '').trim() || 'experts-records.duckdb',
    recordsBatchSize: integer(e, 'RECORDS_BATCH_SIZE', 500, 1, 100_000),
    recordsFlushMs: integer(e, 'RECORDS_FLUSH_MS', 1000, 10, 60_000),
    dbConnections: integer(e, 'DB_CONNECTIONS', 4, 1, 64),
    consensusWorkerChars: integer(e, 'CONSENSUS_WORKER_CHARS', 200_000, 1, 100_000_000),
    consensusWorkers: integer(e, 'CONSENSUS_WORKERS', 2, 1, 64),
    redisUrl,
    redisClusterNodes: Object.freeze(redisClusterNodes),
    redisPrefix,
    instanceId,
  });
}
