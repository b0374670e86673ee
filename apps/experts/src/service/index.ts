export type { BuildAppOptions, ConsultReply } from './app.js';
export { buildApp } from './app.js';
export type { ExpertEndpoint, LogLevel, ServiceConfig, ServiceMode } from './config.js';
export {
  CONFIG_VARIABLES,
  DEADLINE_RANGE_MS,
  hashKey,
  LOG_LEVELS,
  loadConfig,
  MODES,
  parseFlags,
} from './config.js';
export { MAX_QUESTION_CHARS } from './consult.js';
export type { DuckDbRecordSinkOptions } from './duckdb-records.js';
export { DuckDbRecordSink } from './duckdb-records.js';
export type { ExpertOutcome } from './expert-client.js';
export { BREAKER_OPTIONS } from './expert-client.js';
export { createLogger, REDACTED_PATHS } from './logger.js';
export type {
  AnswerSource,
  ConsultationRecord,
  ExpertStatsRow,
  RecordSink,
  StatsTotals,
} from './records.js';
export { MemoryRecordSink } from './records.js';
export type { StatsReply } from './stats-route.js';
