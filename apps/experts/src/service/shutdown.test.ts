import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExpertServer } from '../sim/expert-server.js';
import type { ConsultReply } from './consultation.js';
import { MemoryRecordSink } from './records.js';
import { appFor, SimCalls, startSims } from './sims.fixture.js';

const experts: ExpertServer[] = [];
const sockets: Socket[] = [];
let app: FastifyInstance | undefined;
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await app?.close();
  app = undefined;
  await Promise.all(experts.splice(0).map((e) => e.close()));
});

/** A client that sends a request's headers and the start of its body, then nothing more. */
function stalledUpload(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        'POST /v1/consult HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"q',
      );
      resolve(socket);
    });
    socket.on('error', () => {});
    sockets.push(socket);
  });
}

describe('shutdown', () => {
  it('finishes the requests in flight, then closes even with a client that never ends its request', async () => {
    const calls = new SimCalls({ gated: ['a'] });
    experts.push(...(await startSims([{ name: 'a' }], calls)));
    const records = new MemoryRecordSink();
    app = appFor(experts, {}, records).app;
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const stalled = await stalledUpload(Number(new URL(url).port));
    const closedByServer = new Promise<void>((resolve) => stalled.once('close', () => resolve()));
    const pending = fetch(`${url}/v1/consult`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'in flight' }),
    });
    await vi.waitFor(() => expect(calls.log).toContain('start a'));
    let closed = false;
    const closing = app.close().then(() => {
      closed = true;
    });
    calls.release('a');
    const response = await pending;
    expect(response.status).toBe(200);
    expect(((await response.json()) as ConsultReply).outcomes[0]!.status).toBe('ok');
    await closing;
    expect(closed).toBe(true);
    await closedByServer;
    expect(records.records).toHaveLength(1);
  });
});
