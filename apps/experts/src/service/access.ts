import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Who may consult: API keys (when configured) then per-client quotas. (Lets everyone
 * through until the limiter lands.)
 */
export class AccessControl {
  /**
   * Checks the request; when it is refused, sends the refusal (401 or 429) and returns
   * `false`.
   */
  async admit(_request: FastifyRequest, _reply: FastifyReply): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}
