import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCell,
  formatFigure,
  formatNs,
  formatOpsPerSec,
  formatRatio,
  formatSpread,
  isNumericColumn,
} from './format.js';

describe('formatting figures', () => {
  it('writes ops/s with three significant digits and a unit suffix', () => {
    expect(formatOpsPerSec(1_234_567)).toBe('1.23M');
    expect(formatOpsPerSec(45_678)).toBe('45.7k');
    expect(formatOpsPerSec(456_789)).toBe('457k');
    expect(formatOpsPerSec(2.5e9)).toBe('2.50G');
    expect(formatOpsPerSec(12.34)).toBe('12.3');
    expect(formatOpsPerSec(Number.NaN)).toBe('n/a');
  });

  it('writes a spread as its lowest and highest round', () => {
    expect(formatSpread({ min: 900, q1: 950, median: 1000, q3: 1050, max: 1_100 })).toBe(
      '900–1.10k',
    );
  });

  it('marks a ratio below 1 plainly as a loss', () => {
    expect(formatRatio(0.62)).toBe('0.62× (slower)');
    expect(formatRatio(1.4249)).toBe('1.42×');
    expect(formatRatio(1)).toBe('1.00×');
    expect(formatRatio(15.5)).toBe('15.5×');
    expect(formatRatio(Number.POSITIVE_INFINITY)).toBe('n/a');
    expect(formatRatio(0)).toBe('n/a');
  });

  it('writes durations in the unit that keeps them readable', () => {
    expect(formatNs(850)).toBe('850 ns');
    expect(formatNs(1_234)).toBe('1.23 µs');
    expect(formatNs(4_560_000)).toBe('4.56 ms');
    expect(formatNs(2e9)).toBe('2.00 s');
  });

  it('writes bytes per item in B or KiB', () => {
    expect(formatBytes(84)).toBe('84.0 B');
    expect(formatBytes(2048)).toBe('2.00 KiB');
  });

  it('writes a figure with three significant digits and its unit', () => {
    expect(formatFigure(12.345, 'ms')).toBe('12.3 ms');
    expect(formatFigure(480, 'ms')).toBe('480 ms');
    expect(formatFigure(2, '')).toBe('2.00');
    expect(formatFigure(Number.POSITIVE_INFINITY, 'ms')).toBe('n/a');
  });
});

describe('formatting static table cells', () => {
  it('writes numbers with their column decimals and unit, strings as they are, null as –', () => {
    expect(formatCell(48.76, { label: 'hit', unit: '%' })).toBe('48.8%');
    expect(formatCell(1000, { label: 'size', digits: 0 })).toBe('1000');
    expect(formatCell(2.5, undefined)).toBe('2.5');
    expect(formatCell('✓ met', { label: 'targets' })).toBe('✓ met');
    expect(formatCell(null, { label: 'ref' })).toBe('–');
  });

  it('treats a column as numeric when it holds only numbers and blanks', () => {
    const rows = [
      ['loop', 1, null],
      ['ps', 2, 'x'],
    ];
    expect(isNumericColumn(rows, 0)).toBe(false);
    expect(isNumericColumn(rows, 1)).toBe(true);
    expect(isNumericColumn(rows, 2)).toBe(false);
    expect(isNumericColumn([['a']], 3)).toBe(true);
  });
});
