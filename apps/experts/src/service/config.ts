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

/** The service's configuration, as read from the environment. */
export interface ServiceConfig {
  /** `PORT`: TCP port to listen on, 0..65535 (0 picks a free one). @default 3000 */
  readonly port: number;
  /** `HOST`: address to listen on. @default '127.0.0.1' */
  readonly host: string;
  /** `EXPERTS`: the experts, `name=url` pairs separated by commas. Required, at least one. */
  readonly experts: readonly ExpertEndpoint[];
  /** `DEFAULT_DEADLINE_MS`: deadline of a consultation without `deadlineMs`, 100..60000. @default 5000 */
  readonly defaultDeadlineMs: number;
  /** `BODY_LIMIT_BYTES`: largest request body accepted, 1024..10485760. @default 65536 */
  readonly bodyLimitBytes: number;
  /** `READY_TIMEOUT_MS`: how long `/ready` waits for each expert's `/health`, 10..10000. @default 1000 */
  readonly readyTimeoutMs: number;
  /** `SHUTDOWN_TIMEOUT_MS`: how long SIGTERM waits for in-flight requests, 100..120000. @default 10000 */
  readonly shutdownTimeoutMs: number;
  /** `LOG_LEVEL`: one of {@link LOG_LEVELS}. @default 'info' */
  readonly logLevel: LogLevel;
}

/** Bounds of a consultation's deadline, in milliseconds. */
export const DEADLINE_RANGE_MS = { min: 100, max: 60_000 } as const;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
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

function parseExperts(raw: string | undefined): ExpertEndpoint[] {
  const what = 'a comma-separated list of name=url pairs (http or https), at least one';
  if (raw === undefined || raw.trim() === '') {
    throw new RangeError(invalidMessage('EXPERTS', what, raw));
  }
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

/**
 * Reads the service's configuration from environment variables (`process.env` by default).
 * Unset or empty variables take their defaults; nothing is clamped.
 * @throws TypeError or RangeError whose message names the variable and the value received.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const { LOG_LEVEL, HOST, EXPERTS } = env;
  const level = (LOG_LEVEL ?? '').trim() || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new RangeError(invalidMessage('LOG_LEVEL', `one of ${LOG_LEVELS.join(', ')}`, LOG_LEVEL));
  }
  return Object.freeze({
    port: integer(env, 'PORT', 3000, 0, 65_535),
    host: (HOST ?? '').trim() || '127.0.0.1',
    experts: Object.freeze(parseExperts(EXPERTS)),
    defaultDeadlineMs: integer(
      env,
      'DEFAULT_DEADLINE_MS',
      5000,
      DEADLINE_RANGE_MS.min,
      DEADLINE_RANGE_MS.max,
    ),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 65_536, 1024, 10_485_760),
    readyTimeoutMs: integer(env, 'READY_TIMEOUT_MS', 1000, 10, 10_000),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 120_000),
    logLevel: level as LogLevel,
  });
}
