import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExpertServer, startExpertServer } from '../sim/expert-server.js';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('a client that never finishes its request', () => {
  it('gets a 408 and its connection closed after REQUEST_TIMEOUT_MS; the service still answers', async () => {
    const expert: ExpertServer = await startExpertServer({ name: 'a' });
    cleanups.push(() => expert.close());
    const config = loadConfig({
      EXPERTS: `a=${expert.url}`,
      RECORDS_DB: ':memory:',
      REQUEST_TIMEOUT_MS: '1000',
    });
    const app: FastifyInstance = buildApp(config, { logger: false });
    cleanups.push(() => app.close());
    const url = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));

    // Headers announce 100 bytes of body; only 9 ever come.
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
    });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(
      'POST /v1/consult HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"questio',
    );
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408/);

    const health = await fetch(`${url.origin}/health`);
    expect(health.status).toBe(200);
  });
});
