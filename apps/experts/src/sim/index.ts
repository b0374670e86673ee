export type { ExpertAnswer, ReviewedAnswer } from './answer.js';
export { composeAnswer } from './answer.js';
export type { ExpertServer, ExpertServerOptions, ExpertStats } from './expert-server.js';
export {
  MAX_BODY_BYTES,
  MAX_CONTEXT_ANSWER_CHARS,
  MAX_CONTEXT_ANSWERS,
  MAX_QUESTION_CHARS,
  startExpertServer,
} from './expert-server.js';
export type { ExpertProfile, ExpertProfileInput, LatencyProfile } from './profile.js';
export { DEFAULT_PROFILE } from './profile.js';
