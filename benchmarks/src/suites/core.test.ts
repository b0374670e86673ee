import { describe, expect, it } from 'vitest';
import { sortKeysDeep, suite } from './core.js';

async function firstResult(impl: (typeof suite.cases)[number]['ours']): Promise<unknown> {
  return impl.fn(await impl.setup?.());
}

describe('core suite', () => {
  it('gives every implementation the same key for each input, so none skips work', async () => {
    for (const benchCase of suite.cases) {
      const ours = await firstResult(benchCase.ours);
      expect(typeof ours).toBe('string');
      for (const peer of benchCase.peers) {
        expect(await firstResult(peer)).toBe(ours);
      }
      expect(benchCase.check).toBe(true);
    }
  });

  it('measures a small flat, a nested and a 50-key object', async () => {
    const keys = await Promise.all(suite.cases.map((c) => firstResult(c.ours)));
    const parsed = keys.map((key) => JSON.parse(key as string) as Record<string, unknown>);
    expect(Object.keys(parsed[0]!)).toHaveLength(5);
    expect(JSON.stringify(parsed[1])).toMatch(/"query":\{.*"page":\{"cursor"/);
    expect(Object.keys(parsed[2]!)).toHaveLength(50);
  });

  it('sorts keys at every depth, inside arrays too, without touching the input', () => {
    const input = { b: [{ z: 1, a: 2 }], a: { d: null, c: 'x' } };
    const sorted = sortKeysDeep(input);
    expect(JSON.stringify(sorted)).toBe('{"a":{"c":"x","d":null},"b":[{"a":2,"z":1}]}');
    expect(Object.keys(input)).toEqual(['b', 'a']);
  });
});
