// The demo's scenario as a library, for the application benchmark (`pnpm bench app`).
export type {
  PhaseReport,
  PhaseStats,
  RedisUsage,
  ScenarioReport,
  ScenarioSettings,
} from './scenario.js';
export { RedisMissingError, runScenario } from './scenario.js';
