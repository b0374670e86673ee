import { PassThrough } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { ConsultOutcome, ConsultReply } from './consultation.js';

/** Media type of a streamed consultation. */
export const NDJSON = 'application/x-ndjson';

/**
 * Whether an `Accept` header asks for {@link NDJSON} (with a non-zero quality), e.g.
 * `application/x-ndjson` or `application/json;q=0.5, application/x-ndjson`.
 */
export function wantsNdjson(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.split(';');
    if (type?.trim().toLowerCase() !== NDJSON) continue;
    const q = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

/** One line of a streamed consultation. */
export type ConsultLine =
  | ({ readonly type: 'outcome' } & ConsultOutcome)
  | {
      readonly type: 'consensus';
      readonly consensus: ConsultReply['consensus'];
      readonly waves: ConsultReply['waves'];
      readonly execTimeMs: number;
    }
  | { readonly type: 'error'; readonly error: string };

/**
 * The NDJSON answer of a consultation: starts the 200 response at once (the app's `onSend`
 * hooks run, so its headers are there), writes one line per outcome as it comes, then the
 * consensus; `X-Exec-Time` follows as an HTTP trailer.
 */
export class OutcomeStream {
  readonly #stream = new PassThrough();
  readonly #sent = new Set<string>();
  #execTimeMs: number | undefined;
  #ended = false;

  constructor(reply: FastifyReply) {
    reply
      .status(200)
      .header('content-type', NDJSON)
      .header('cache-control', 'no-store')
      .trailer('x-exec-time', async () => String(this.#execTimeMs ?? ''));
    void reply.send(this.#stream);
  }

  /** Writes an outcome's line, once per expert; ignored once the stream ended. */
  readonly outcome = (outcome: ConsultOutcome): void => {
    if (this.#ended || this.#sent.has(outcome.expert)) return;
    this.#sent.add(outcome.expert);
    this.#write({ type: 'outcome', ...outcome });
  };

  /** Writes the outcomes not written yet (an answer from the cache), then the consensus, and ends. */
  finish(body: ConsultReply, execTimeMs: number): void {
    for (const o of body.outcomes) this.outcome(o);
    if (this.#ended) return;
    this.#execTimeMs = execTimeMs;
    this.#write({ type: 'consensus', consensus: body.consensus, waves: body.waves, execTimeMs });
    this.#end();
  }

  /** Ends the stream with an error line. */
  fail(error: string): void {
    if (this.#ended) return;
    this.#write({ type: 'error', error });
    this.#end();
  }

  #write(line: ConsultLine): void {
    if (!this.#stream.destroyed) this.#stream.write(`${JSON.stringify(line)}\n`);
  }

  #end(): void {
    this.#ended = true;
    if (!this.#stream.destroyed) this.#stream.end();
  }
}
