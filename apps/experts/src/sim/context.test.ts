import { afterEach, describe, expect, it } from 'vitest';
import { composeAnswer } from './answer.js';
import {
  type ExpertServer,
  MAX_CONTEXT_ANSWER_CHARS,
  MAX_CONTEXT_ANSWERS,
  startExpertServer,
} from './expert-server.js';

const servers: ExpertServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function ask(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const server = servers[0] ?? (await startExpertServer({ name: 'rev' }));
  if (servers.length === 0) servers.push(server);
  const response = await fetch(`${server.url}/v1/answer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('the context of a simulated expert', () => {
  it('says how many earlier answers it reviewed and whose, in the order given', async () => {
    const context = [
      { expert: 'b', answer: 'one' },
      { expert: 'a', answer: 'two' },
    ];
    const { status, json } = await ask({ question: 'Q?', context });
    expect(status).toBe(200);
    const plain = composeAnswer('rev', 0, 'Q?').answer;
    expect(json['answer']).toBe(`${plain} Reviewed 2 answers (b, a).`);
    expect(json['answer']).toBe(composeAnswer('rev', 0, 'Q?', context).answer);
    expect((await ask({ question: 'Q?', context: [context[0]] })).json['answer']).toBe(
      `${plain} Reviewed 1 answer (b).`,
    );
    expect((await ask({ question: 'Q?', context: [] })).json['answer']).toBe(
      `${plain} Reviewed 0 answers.`,
    );
    expect((await ask({ question: 'Q?' })).json['answer']).toBe(plain);
  });

  it('refuses a malformed or oversized context with 400 naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      ['text', /`context` to be an array/],
      [
        Array.from({ length: MAX_CONTEXT_ANSWERS + 1 }, () => ({ expert: 'a', answer: '' })),
        /`context`/,
      ],
      [['a'], /`context\[0\]` to be an object/],
      [[{ expert: 'a', answer: 'x' }, { answer: 'x' }], /`context\[1\].expert`/],
      [[{ expert: 'bad name', answer: 'x' }], /`context\[0\].expert`/],
      [[{ expert: 'a', answer: 3 }], /`context\[0\].answer`/],
      [
        [{ expert: 'a', answer: 'x'.repeat(MAX_CONTEXT_ANSWER_CHARS + 1) }],
        /`context\[0\].answer`/,
      ],
    ];
    for (const [context, message] of cases) {
      const { status, json } = await ask({ question: 'Q?', context });
      expect(status).toBe(400);
      expect(json).toEqual({ error: expect.stringMatching(message), field: 'context' });
    }
    expect(servers[0]!.stats()).toMatchObject({ rejected: cases.length, answered: 0 });
  });

  it('reads only own keys of the context entries', async () => {
    const { status } = await ask(
      JSON.parse('{"question":"Q?","context":[{"__proto__":{"expert":"a","answer":"x"}}]}'),
    );
    expect(status).toBe(400);
  });
});
