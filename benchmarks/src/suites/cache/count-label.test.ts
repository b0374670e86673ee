import { describe, expect, it } from 'vitest';
import { countLabel } from './count-label.js';

describe('countLabel', () => {
  it('writes counts short, as case names do', () => {
    expect(countLabel(100)).toBe('100');
    expect(countLabel(10_000)).toBe('10k');
    expect(countLabel(2_500)).toBe('2.5k');
    expect(countLabel(1_000_000)).toBe('1M');
    expect(countLabel(1_234_567)).toBe('1.23M');
  });
});
