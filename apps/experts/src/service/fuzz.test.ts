import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExpertServer } from '../sim/expert-server.js';
import { appFor, SimCalls, startSims } from './sims.fixture.js';

let servers: ExpertServer[] = [];
let app: FastifyInstance;
beforeAll(async () => {
  servers = await startSims([{ name: 'a' }, { name: 'b' }, { name: 'rev' }], new SimCalls());
  app = appFor(servers, { BODY_LIMIT_BYTES: '65536', MAX_PARALLEL: '4' }).app;
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await Promise.all(servers.map((s) => s.close()));
});

async function post(
  payload: string | Buffer,
  contentType: string | undefined = 'application/json',
): Promise<number> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/consult',
    headers: contentType === undefined ? {} : { 'content-type': contentType },
    payload,
  });
  return response.statusCode;
}

/** A client's mistake is a 4xx, never a 5xx; a good request is a 200. */
function expectClientStatus(status: number): void {
  expect(status === 200 || (status >= 400 && status < 500), `status ${status}`).toBe(true);
}

const KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'question',
  'experts',
  'deadlineMs',
  'plan',
  'steps',
  'expert',
  'after',
  'maxParallel',
  'toString',
];
const key = fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 }));
const name = fc.constantFrom('a', 'b', 'rev', 'zed', '__proto__', 'constructor', '');

/** JSON text of any shape whose keys are often the service's own or dangerous ones. */
const jsonText = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('null', 'true', 'false', '0', '-1', '1e308', '""', '"q"', '[]', '{}'),
    fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s)),
    fc.integer().map(String),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(key, tie('value')), { maxLength: 5 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  ),
})).value;

/** Bodies close to a valid consultation, valid or not. */
const nearValid = fc.record(
  {
    question: fc.oneof(fc.string({ maxLength: 30 }), fc.constant(' '), fc.integer()),
    experts: fc.array(name, { maxLength: 4 }),
    deadlineMs: fc.oneof(fc.integer({ min: -10, max: 70_000 }), fc.double()),
    plan: fc.record(
      {
        steps: fc.array(
          fc.record(
            { expert: name, after: fc.array(name, { maxLength: 3 }) },
            { requiredKeys: ['expert'] },
          ),
          { maxLength: 5 },
        ),
        maxParallel: fc.integer({ min: -1, max: 6 }),
      },
      { requiredKeys: ['steps'] },
    ),
  },
  { requiredKeys: ['question'] },
);

describe('fuzzed POST /v1/consult bodies', () => {
  it('answer JSON of any shape with a 4xx or a 200, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(jsonText, async (text) => expectClientStatus(await post(text))),
      { numRuns: 300 },
    );
  });

  it('answer near-valid consultations with 200 or 400', async () => {
    await fc.assert(
      fc.asyncProperty(nearValid, async (body) => {
        const status = await post(JSON.stringify(body));
        expect([200, 400]).toContain(status);
      }),
      { numRuns: 300 },
    );
  });

  it('refuse random bytes and wrong content types with a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/xml',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/octet-stream',
          'application/json; charset=utf-16',
          undefined,
        ),
        async (bytes, type) => {
          const status = await post(Buffer.from(bytes), type);
          expect(status).toBeGreaterThanOrEqual(400);
          expect(status).toBeLessThan(500);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuse deep nesting and huge strings with a 4xx', async () => {
    const cases = [
      `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
      `${'{"plan":'.repeat(5000)}1${'}'.repeat(5000)}`,
      `${'{"__proto__":'.repeat(3000)}1${'}'.repeat(3000)}`,
      `{"question":"q","plan":{"steps":[${'{"expert":"a"},'.repeat(3000)}{"expert":"b"}]}}`,
      `{"question":"q","plan":{"steps":[{"expert":"a","after":[${'"a",'.repeat(5000)}"b"]}]}}`,
      `{"question":"${'x'.repeat(5000)}"}`,
      `{"question":"${'x'.repeat(70_000)}"}`,
      `{"${'k'.repeat(30_000)}":1}`,
      '{"question":"q","constructor":{"prototype":{"polluted":true}}}',
      '{"question":"q","plan":{"steps":[{"expert":"a","__proto__":{"after":["b"]}}]}}',
    ];
    for (const text of cases) {
      const status = await post(text);
      expect(status, text.slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(status, text.slice(0, 40)).toBeLessThan(500);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['after']).toBeUndefined();
  });

  it('still answers a valid consultation and /health afterwards', async () => {
    const consult = await app.inject({
      method: 'POST',
      url: '/v1/consult',
      payload: {
        question: 'Still there?',
        plan: { steps: [{ expert: 'a' }, { expert: 'rev', after: ['a'] }], maxParallel: 1 },
      },
    });
    expect(consult.statusCode).toBe(200);
    expect(consult.json()).toMatchObject({ waves: [['a'], ['rev']] });
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
  });
});
