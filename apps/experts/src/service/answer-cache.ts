import type { ConsultReply } from './consultation.js';
import type { AnswerSource } from './records.js';

/** An answer and where it came from. */
export interface SourcedReply {
  readonly reply: ConsultReply;
  readonly source: AnswerSource;
}

/**
 * Serves identical consultations from one computation: cached with stale-while-revalidate
 * and coalesced while running. (A pass-through until the cache and coalescer land.)
 */
export class AnswerCache {
  /** Answers `key` from the cache or by calling `compute`. */
  async get(_key: string, compute: () => Promise<ConsultReply>): Promise<SourcedReply> {
    return { reply: await compute(), source: 'miss' };
  }

  /** Drops every cached answer. */
  clear(): void {}

  async close(): Promise<void> {}
}
