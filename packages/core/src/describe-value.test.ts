import { describe, expect, it } from 'vitest';
import { describeValue } from './describe-value.js';

describe('describeValue', () => {
  it.each([
    [-1, '`-1` (number)'],
    [-0, '`-0` (number)'],
    [Number.NaN, '`NaN` (number)'],
    [3n, '`3n` (bigint)'],
    ['abc', '`"abc"` (string)'],
    [true, '`true` (boolean)'],
    [undefined, '`undefined`'],
    [null, '`null`'],
    [Symbol('s'), '`Symbol(s)` (symbol)'],
    [function named() {}, 'function `named`'],
    [[1, 2], 'an array of length 2'],
    [{}, 'an object'],
    [Object.create(null), 'an object with a null prototype'],
    [new Date(0), 'an instance of Date'],
    [new Map(), 'an instance of Map'],
  ])('renders %o as %s', (value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });

  it('names anonymous functions and truncates long strings', () => {
    expect(describeValue(Object.defineProperty(() => {}, 'name', { value: '' }))).toBe(
      'function `(anonymous)`',
    );
    expect(describeValue('x'.repeat(100))).toBe(`\`"${'x'.repeat(40)}…"\` (string)`);
  });

  it('falls back to "an object" when the constructor has no usable name', () => {
    const proto = Object.create(Object.prototype, { constructor: { value: undefined } });
    expect(describeValue(Object.create(proto))).toBe('an object');
  });
});
