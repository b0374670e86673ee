import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import type { LogLevel } from './config.js';

/** Log paths never written in clear. Bodies are not logged at all. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.body.question',
  'body.question',
  'question',
];

/** Creates the service's pino logger (redacting {@link REDACTED_PATHS}). */
export function createLogger(
  level: LogLevel,
  destination?: pino.DestinationStream | undefined,
): FastifyBaseLogger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination === undefined ? pino(options) : pino(options, destination);
}
