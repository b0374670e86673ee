export type { BuildAppOptions, ConsultReply, ExpertOutcome } from './app.js';
export {
  BREAKER_OPTIONS,
  buildApp,
  createLogger,
  MAX_QUESTION_CHARS,
  REDACTED_PATHS,
} from './app.js';
export type { ExpertEndpoint, LogLevel, ServiceConfig } from './config.js';
export { DEADLINE_RANGE_MS, LOG_LEVELS, loadConfig } from './config.js';
