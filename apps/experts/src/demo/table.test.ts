import { describe, expect, it } from 'vitest';
import { formatTable, percentile, show, showBreakers, showRatio } from './table.js';

describe('percentile', () => {
  it('takes the nearest rank and is undefined without values', () => {
    const values = Array.from({ length: 100 }, (_v, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 0)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });
});

describe('formatTable', () => {
  it('aligns text left and numbers right under a rule', () => {
    const text = formatTable(
      ['mode', 'req/s', 'breakers'],
      [
        ['resilient', 1200, 'closed'],
        ['naive', '-', 'open: delta'],
      ],
    );
    expect(text.split('\n')).toEqual([
      'mode       req/s  breakers',
      '---------  -----  -----------',
      'resilient   1200  closed',
      'naive          -  open: delta',
    ]);
  });
});

describe('show helpers', () => {
  it("print '-' for absent values", () => {
    expect(show(undefined)).toBe('-');
    expect(show(Number.NaN)).toBe('-');
    expect(show(12.345, 1)).toBe('12.3');
    expect(showRatio(undefined)).toBe('-');
    expect(showRatio(0.426)).toBe('43%');
  });

  it('summarise breaker states, naming the experts whose breaker is not closed', () => {
    expect(showBreakers(new Map())).toBe('-');
    expect(showBreakers(new Map([['a', 'closed']]))).toBe('closed');
    expect(
      showBreakers(
        new Map([
          ['e', 'closed'],
          ['d', 'open'],
          ['b', 'half-open'],
          ['a', 'open'],
        ]),
      ),
    ).toBe('open: a,d; half-open: b; closed: 1');
  });
});
