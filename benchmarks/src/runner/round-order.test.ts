import { describe, expect, it } from 'vitest';
import { roundOrder } from './round-order.js';

describe('roundOrder', () => {
  it('rotates the list by one each round so every implementation leads once per cycle', () => {
    const names = ['ours', 'a', 'b'];
    expect([0, 1, 2, 3].map((round) => roundOrder(names, round))).toEqual([
      ['ours', 'a', 'b'],
      ['a', 'b', 'ours'],
      ['b', 'ours', 'a'],
      ['ours', 'a', 'b'],
    ]);
  });

  it('returns an empty order for no implementations', () => {
    expect(roundOrder([], 3)).toEqual([]);
  });
});
