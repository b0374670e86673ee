import { describe, expect, it } from 'vitest';
import { consultKey } from './app.js';
import { loadConfig } from './config.js';
import { parseConsult } from './consult.js';
import { parsePlan } from './plan.js';

const config = loadConfig({
  EXPERTS: 'a=http://127.0.0.1:1,b=http://127.0.0.1:2,c=http://127.0.0.1:3,rev=http://127.0.0.1:4',
  MAX_PARALLEL: '3',
});

function planError(plan: unknown): string {
  try {
    parsePlan(plan, config);
  } catch (error) {
    expect((error as { statusCode?: number }).statusCode).toBe(400);
    return (error as Error).message;
  }
  throw new Error('expected the plan to be refused');
}

describe('parsePlan', () => {
  it('assigns waves by the longest chain of dependencies, steps in request order', () => {
    const plan = parsePlan(
      {
        steps: [
          { expert: 'rev', after: ['c', 'a'] },
          { expert: 'a' },
          { expert: 'c', after: ['b'] },
          { expert: 'b', after: [] },
        ],
        maxParallel: 2,
      },
      config,
    );
    expect(plan.steps.map((s) => [s.expert.name, s.after, s.wave])).toEqual([
      ['rev', ['c', 'a'], 2],
      ['a', [], 0],
      ['c', ['b'], 1],
      ['b', [], 0],
    ]);
    expect(plan.waves).toEqual([['a', 'b'], ['c'], ['rev']]);
    expect(plan.maxParallel).toBe(2);
    expect(plan.steps[0]!.expert.url).toBe('http://127.0.0.1:4');
  });

  it('defaults maxParallel to MAX_PARALLEL', () => {
    expect(parsePlan({ steps: [{ expert: 'a' }] }, config).maxParallel).toBe(3);
  });

  it('refuses bad shapes naming the field', () => {
    expect(planError(null)).toMatch(/`plan` to be an object/);
    expect(planError([])).toMatch(/`plan` to be an object/);
    expect(planError({})).toMatch(/`plan.steps` to be an array of 1 to 4 steps/);
    expect(planError({ steps: [] })).toMatch(/`plan.steps`/);
    expect(planError({ steps: [{ expert: 'a' }], extra: 1 })).toMatch(/Unknown field `plan.extra`/);
    expect(planError({ steps: ['a'] })).toMatch(/`plan.steps\[0\]` to be an object/);
    expect(planError({ steps: [{ expert: 'a', before: [] }] })).toMatch(
      /Unknown field `plan.steps\[0\].before`/,
    );
    expect(planError({ steps: [{ expert: 'a' }, { expert: 'b', after: 'a' }] })).toMatch(
      /`plan.steps\[1\].after` to be an array/,
    );
  });

  it('refuses too many steps before reading them', () => {
    const steps = Array.from({ length: 5 }, () => ({ expert: 'a' }));
    expect(planError({ steps })).toMatch(/`plan.steps` to be an array of 1 to 4 steps/);
  });

  it('refuses an unknown expert and a duplicate step', () => {
    expect(planError({ steps: [{ expert: 'a' }, { expert: 'zed' }] })).toMatch(
      /`plan.steps\[1\].expert` to be one of a, b, c, rev, got `"zed"`/,
    );
    expect(planError({ steps: [{ expert: 'a' }, { expert: 1 }] })).toMatch(
      /`plan.steps\[1\].expert`/,
    );
    expect(planError({ steps: [{ expert: 'a' }, { expert: 'b' }, { expert: 'a' }] })).toMatch(
      /`plan.steps\[2\].expert` to name each expert once, got `a` twice/,
    );
  });

  it('refuses an unknown dependency, a self-dependency and a repeated one', () => {
    expect(planError({ steps: [{ expert: 'a' }, { expert: 'rev', after: ['zed'] }] })).toMatch(
      /`plan.steps\[1\].after\[0\]` to name an expert of the plan \(a, rev\), got `"zed"`/,
    );
    // Configured, but not in the plan: unknown to it all the same.
    expect(planError({ steps: [{ expert: 'a' }, { expert: 'rev', after: ['a', 'b'] }] })).toMatch(
      /`plan.steps\[1\].after\[1\]` to name an expert of the plan/,
    );
    expect(planError({ steps: [{ expert: 'a' }, { expert: 'rev', after: ['rev'] }] })).toMatch(
      /`plan.steps\[1\].after\[0\]` to name another expert, got `rev`/,
    );
    expect(
      planError({
        steps: [{ expert: 'a' }, { expert: 'b' }, { expert: 'rev', after: ['a', 'a'] }],
      }),
    ).toMatch(/`plan.steps\[2\].after` to name each expert once, got `a` twice/);
  });

  it('refuses a cycle naming its experts', () => {
    expect(
      planError({
        steps: [
          { expert: 'a' },
          { expert: 'b', after: ['c'] },
          { expert: 'c', after: ['rev'] },
          { expert: 'rev', after: ['a', 'b'] },
        ],
      }),
    ).toBe(
      'Expected `plan.steps` to have no dependency cycle, got b -> c -> rev -> b (each waits for the next)',
    );
    expect(
      planError({
        steps: [
          { expert: 'a', after: ['b'] },
          { expert: 'b', after: ['a'] },
        ],
      }),
    ).toMatch(/got a -> b -> a/);
  });

  it('refuses maxParallel outside 1..MAX_PARALLEL', () => {
    for (const bad of [0, 4, 1.5, '2', null, -1]) {
      expect(planError({ steps: [{ expert: 'a' }], maxParallel: bad })).toMatch(
        /`plan.maxParallel` to be an integer >= 1 and <= 3/,
      );
    }
  });

  it('reads own keys only', () => {
    const inherited = Object.create({ steps: [{ expert: 'a' }] }) as object;
    expect(planError(inherited)).toMatch(/`plan.steps`/);
    const step = Object.create({ expert: 'a' }) as object;
    expect(planError({ steps: [step] })).toMatch(/`plan.steps\[0\].expert`/);
    expect(planError({ steps: [{ expert: 'constructor' }] })).toMatch(/`plan.steps\[0\].expert`/);
    expect(planError({ steps: [{ expert: 'a' }, { expert: 'b', after: ['__proto__'] }] })).toMatch(
      /`plan.steps\[1\].after\[0\]`/,
    );
  });
});

describe('parseConsult with a plan', () => {
  it('selects the plan experts in step order', () => {
    const consult = parseConsult(
      { question: 'q', plan: { steps: [{ expert: 'rev', after: ['b'] }, { expert: 'b' }] } },
      config,
    );
    expect(consult.experts.map((e) => e.name)).toEqual(['rev', 'b']);
    expect(consult.plan?.waves).toEqual([['b'], ['rev']]);
  });

  it('refuses experts and plan together', () => {
    expect(() =>
      parseConsult({ question: 'q', experts: ['a'], plan: { steps: [{ expert: 'a' }] } }, config),
    ).toThrow(/either `experts` or `plan`, not both/);
  });

  it('has no plan without one', () => {
    expect(parseConsult({ question: 'q' }, config).plan).toBeUndefined();
  });
});

describe('consultKey with a plan', () => {
  it('tells plans apart by their dependencies', () => {
    const key = (body: object) => consultKey(parseConsult({ question: 'q', ...body }, config));
    const flat = key({ experts: ['a', 'rev'] });
    const reviewed = key({ plan: { steps: [{ expert: 'a' }, { expert: 'rev', after: ['a'] }] } });
    const independent = key({ plan: { steps: [{ expert: 'rev' }, { expert: 'a' }] } });
    expect(reviewed).not.toBe(flat);
    expect(reviewed).not.toBe(
      key({ plan: { steps: [{ expert: 'a', after: ['rev'] }, { expert: 'rev' }] } }),
    );
    // Without dependencies a plan gives the answers of the same experts without one.
    expect(independent).toBe(flat);
    expect(independent).toBe(
      key({ plan: { steps: [{ expert: 'a' }, { expert: 'rev' }], maxParallel: 1 } }),
    );
  });
});
