import { type IncomingMessage, request } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExpertServer } from '../sim/expert-server.js';
import type { ConsultReply } from './consultation.js';
import { NDJSON, OutcomeStream, wantsNdjson } from './ndjson.js';
import { MemoryRecordSink, type RecordSink } from './records.js';
import { appFor, SimCalls, type SimSpec, startSims } from './sims.fixture.js';

const servers: ExpertServer[] = [];
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(specs: SimSpec[], calls: SimCalls, records?: RecordSink): Promise<string> {
  const started = await startSims(specs, calls);
  servers.push(...started);
  const { app } = appFor(started, {}, records);
  apps.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

/** A streamed answer read line by line, as the bytes arrive. */
class LineReader {
  readonly response: IncomingMessage;
  readonly #lines: string[] = [];
  #buffer = '';
  #wake: (() => void) | undefined;
  #ended = false;
  readonly ended: Promise<void>;

  constructor(response: IncomingMessage) {
    this.response = response;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let nl = this.#buffer.indexOf('\n');
      while (nl >= 0) {
        this.#lines.push(this.#buffer.slice(0, nl));
        this.#buffer = this.#buffer.slice(nl + 1);
        nl = this.#buffer.indexOf('\n');
      }
      this.#wake?.();
    });
    this.ended = new Promise((resolve) =>
      response.on('end', () => {
        this.#ended = true;
        this.#wake?.();
        resolve();
      }),
    );
  }

  /** The next complete line, parsed; undefined once the stream ended without one. */
  async next(): Promise<Record<string, unknown> | undefined> {
    while (this.#lines.length === 0 && !this.#ended) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
    const line = this.#lines.shift();
    return line === undefined ? undefined : (JSON.parse(line) as Record<string, unknown>);
  }

  /** What was left after the last newline. */
  get rest(): string {
    return this.#buffer;
  }
}

function post(url: string, body: unknown, accept = NDJSON): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/consult`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('NDJSON streaming of POST /v1/consult', () => {
  it('sends each outcome as it comes, then the consensus, with X-Exec-Time as a trailer', async () => {
    const calls = new SimCalls({ gated: ['slow'] });
    const url = await setup([{ name: 'slow' }, { name: 'fast' }], calls);
    const response = await post(url, { question: 'Where should the cache sit?' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(NDJSON);
    expect(response.headers['transfer-encoding']).toBe('chunked');
    expect(response.headers.trailer).toBe('x-exec-time');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-powered-by']).toBeUndefined();
    const lines = new LineReader(response);

    // The slow expert answers only once the fast one's line has been read.
    const first = await lines.next();
    expect(first).toMatchObject({ type: 'outcome', expert: 'fast', status: 'ok', wave: 0 });
    expect(calls.at('end slow')).toBe(-1);
    calls.release('slow');
    const second = await lines.next();
    expect(second).toMatchObject({ type: 'outcome', expert: 'slow', status: 'ok', wave: 0 });
    expect(typeof second?.['answer']).toBe('string');
    const last = await lines.next();
    expect(last).toMatchObject({
      type: 'consensus',
      waves: [['slow', 'fast']],
      consensus: { n: 2 },
    });
    await lines.ended;
    expect(await lines.next()).toBeUndefined();
    expect(lines.rest).toBe('');
    const execTime = response.trailers['x-exec-time'];
    expect(execTime).toMatch(/^\d+$/);
    expect(Number(execTime)).toBe(last?.['execTimeMs']);
  });

  it('finishes the consultation and keeps its record when the client leaves mid-stream', async () => {
    const calls = new SimCalls({ gated: ['slow'] });
    const records = new MemoryRecordSink();
    const url = await setup([{ name: 'slow' }, { name: 'fast' }], calls, records);
    const response = await post(url, { question: 'q' });
    const lines = new LineReader(response);
    expect(await lines.next()).toMatchObject({ expert: 'fast' });
    const closed = new Promise((resolve) => response.once('close', resolve));
    response.destroy();
    await closed;
    calls.release('slow');
    while (records.records.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(records.records[0]!.outcomes.map((o) => [o.expert, o.status])).toEqual([
      ['slow', 'ok'],
      ['fast', 'ok'],
    ]);
    const next = await post(url, { question: 'q' }, 'application/json');
    expect(next.statusCode).toBe(200);
    next.resume();
  });

  it('streams a plan wave after wave', async () => {
    const calls = new SimCalls();
    const url = await setup([{ name: 'a' }, { name: 'b' }, { name: 'rev' }], calls);
    const response = await post(url, {
      question: 'q',
      plan: { steps: [{ expert: 'rev', after: ['a', 'b'] }, { expert: 'a' }, { expert: 'b' }] },
    });
    const lines = new LineReader(response);
    const outcomes = [await lines.next(), await lines.next(), await lines.next()];
    expect(outcomes.map((o) => o?.['expert']).at(-1)).toBe('rev');
    expect(outcomes.at(-1)).toMatchObject({ wave: 1, answer: expect.stringMatching(/Reviewed 2/) });
    expect(await lines.next()).toMatchObject({ type: 'consensus', waves: [['a', 'b'], ['rev']] });
  });

  it('answers a bad request with a plain 4xx JSON error before any stream', async () => {
    const calls = new SimCalls();
    const url = await setup([{ name: 'a' }], calls);
    const response = await post(url, { question: 'q', plan: { steps: [{ expert: 'zed' }] } });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers.trailer).toBeUndefined();
    const lines = new LineReader(response);
    await lines.ended;
    expect(JSON.parse(lines.rest)).toEqual({
      error: expect.stringMatching(/`plan.steps\[0\].expert`/),
    });
  });

  it('answers JSON with X-Exec-Time as a header without the NDJSON Accept', async () => {
    const calls = new SimCalls();
    const url = await setup([{ name: 'a' }], calls);
    const response = await post(url, { question: 'q' }, 'application/json');
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['x-exec-time']).toMatch(/^\d+$/);
    const lines = new LineReader(response);
    await lines.ended;
    expect(JSON.parse(lines.rest)).toMatchObject({ waves: [['a']], outcomes: [{ wave: 0 }] });
  });
});

describe('OutcomeStream', () => {
  const reply: ConsultReply = {
    outcomes: [
      { expert: 'a', status: 'ok', answer: 'x', confidence: 1, latencyMs: 3, wave: 0 },
      { expert: 'b', status: 'error', error: 'HTTP 503', latencyMs: 1, wave: 0 },
    ],
    waves: [['a', 'b']],
    consensus: { n: 1 } as ConsultReply['consensus'],
  };

  async function serve(handler: (stream: OutcomeStream) => void): Promise<string> {
    const app = Fastify();
    apps.push(app);
    app.get('/', async (_request, r) => {
      handler(new OutcomeStream(r));
      return r;
    });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const response = await fetch(address);
    return response.text();
  }

  it('writes at once the outcomes of an answer that came whole (cached or shared)', async () => {
    const text = await serve((s) => {
      s.outcome(reply.outcomes[1]!);
      s.finish(reply, 7);
      s.outcome(reply.outcomes[0]!);
    });
    expect(text.split('\n').map((l) => (l === '' ? l : JSON.parse(l)))).toEqual([
      { type: 'outcome', ...reply.outcomes[1] },
      { type: 'outcome', ...reply.outcomes[0] },
      { type: 'consensus', consensus: { n: 1 }, waves: [['a', 'b']], execTimeMs: 7 },
      '',
    ]);
  });

  it('ends with an error line when the consultation fails', async () => {
    const text = await serve((s) => {
      s.outcome(reply.outcomes[0]!);
      s.fail('Internal server error');
      s.finish(reply, 1);
      s.fail('again');
    });
    expect(
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { type: 'outcome', ...reply.outcomes[0] },
      { type: 'error', error: 'Internal server error' },
    ]);
  });
});

describe('wantsNdjson', () => {
  it('reads the Accept header', () => {
    expect(wantsNdjson(undefined)).toBe(false);
    expect(wantsNdjson('application/json')).toBe(false);
    expect(wantsNdjson('application/x-ndjson')).toBe(true);
    expect(wantsNdjson('Application/X-NDJSON; charset=utf-8')).toBe(true);
    expect(wantsNdjson('application/json, application/x-ndjson;q=0.5')).toBe(true);
    expect(wantsNdjson('application/x-ndjson;q=0')).toBe(false);
  });
});
