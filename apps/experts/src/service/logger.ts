import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import type { LogLevel } from './config.js';

/** Paths of question texts in log objects: redacted unless `LOG_QUESTIONS` is on. */
export const QUESTION_PATHS = ['req.body.question', 'body.question', 'question'];

/** Log paths never written in clear. Bodies are not logged at all. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-admin-key"]',
  ...QUESTION_PATHS,
];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Write question texts in clear (`LOG_QUESTIONS`). @default false */
  logQuestions?: boolean | undefined;
}

/**
 * Creates the service's pino logger, redacting {@link REDACTED_PATHS} (all but
 * {@link QUESTION_PATHS} with `logQuestions`).
 */
export function createLogger(
  level: LogLevel,
  destination?: pino.DestinationStream | undefined,
  options: LoggerOptions = {},
): FastifyBaseLogger {
  const paths =
    options.logQuestions === true
      ? REDACTED_PATHS.filter((p) => !QUESTION_PATHS.includes(p))
      : REDACTED_PATHS;
  const pinoOptions = { level, redact: { paths, censor: '[redacted]' } };
  return destination === undefined ? pino(pinoOptions) : pino(pinoOptions, destination);
}
