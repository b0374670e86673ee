import { describe, expect, it } from 'vitest';
import { traceReferences, traceSizes } from './trace-references.js';

describe('trace references', () => {
  it("hold the traces README's figures at its size for each trace", () => {
    expect(traceReferences.get('loop')).toEqual({
      size: 500,
      lru: 0,
      wTinyLfu: 48.8,
      optimum: 49.4,
    });
    expect([...traceReferences.keys()]).toEqual(['loop', 'gli', 'ps', 'multi2', '2_pools']);
  });

  it("replays a listed trace at the README's size and double it", () => {
    expect(traceSizes('multi2', [])).toEqual([1_000, 2_000]);
    expect(traceSizes('2_pools', [])).toEqual([100, 200]);
  });

  it('replays an unlisted trace at 1/8 and 1/4 of its distinct keys', () => {
    const trace = Array.from({ length: 3_000 }, (_, i) => i % 1_410);
    expect(traceSizes('cs', trace)).toEqual([180, 350]);
    expect(traceSizes('tiny', [1, 2, 1])).toEqual([1, 1]);
    expect(
      traceSizes(
        'odd',
        Array.from({ length: 13 }, (_, i) => i),
      ),
    ).toEqual([2, 3]);
  });
});
