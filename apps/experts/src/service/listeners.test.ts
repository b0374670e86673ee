import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExpertServer } from '../sim/expert-server.js';
import type { ConsultReply } from './consultation.js';
import { appFor, SimCalls, startSims } from './sims.fixture.js';

const experts: ExpertServer[] = [];
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  await Promise.all(experts.splice(0).map((e) => e.close()));
});

describe('deadline signal', () => {
  it('asks many experts under one deadline without a listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on('warning', onWarning);
    try {
      const names = Array.from({ length: 16 }, (_, i) => ({ name: `e${i}` }));
      experts.push(...(await startSims(names, new SimCalls())));
      app = appFor(experts, { MAX_PARALLEL: '64' }).app;
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const response = await fetch(`${url}/v1/consult`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: 'many at once' }),
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as ConsultReply).outcomes).toHaveLength(16);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
