import type { StaticTableCell, StaticTableColumn } from '../runner/static-table.js';
import type { Spread } from '../runner/statistics.js';

/** Three significant digits, without exponent notation. */
function threeDigits(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 100) {
    return value.toFixed(0);
  }
  return magnitude >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** `1.23M`, `456k`, `789`. */
export function formatOpsPerSec(opsPerSec: number): string {
  if (!Number.isFinite(opsPerSec)) {
    return 'n/a';
  }
  for (const [factor, suffix] of [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const) {
    if (opsPerSec >= factor) {
      return `${threeDigits(opsPerSec / factor)}${suffix}`;
    }
  }
  return threeDigits(opsPerSec);
}

/** The min–max range of round figures, e.g. `1.20M–1.25M`. */
export function formatSpread(figures: Spread): string {
  return `${formatOpsPerSec(figures.min)}–${formatOpsPerSec(figures.max)}`;
}

/** `1.42×`, or `0.62× (slower)` when we lose. */
export function formatRatio(value: number): string {
  if (!Number.isFinite(value) || value <= 0) {
    return 'n/a';
  }
  const text = `${threeDigits(value)}×`;
  return value < 1 ? `${text} (slower)` : text;
}

/** A time ratio (ours ÷ floor), e.g. `2.15×`; `n/a` when there is none. */
export function formatTimeRatio(value: number | null): string {
  return value === null || !Number.isFinite(value) || value <= 0 ? 'n/a' : `${threeDigits(value)}×`;
}

/** A duration given in nanoseconds, e.g. `850 ns`, `1.23 µs`, `4.56 ms`. */
export function formatNs(ns: number): string {
  if (ns >= 1e9) {
    return `${threeDigits(ns / 1e9)} s`;
  }
  if (ns >= 1e6) {
    return `${threeDigits(ns / 1e6)} ms`;
  }
  if (ns >= 1e3) {
    return `${threeDigits(ns / 1e3)} µs`;
  }
  return `${threeDigits(ns)} ns`;
}

/** A figure with its unit, three significant digits, e.g. `12.3 ms`; `n/a` when not finite. */
export function formatFigure(value: number, unit: string): string {
  return Number.isFinite(value) ? `${threeDigits(value)} ${unit}`.trimEnd() : 'n/a';
}

/** Bytes per item, e.g. `84.0 B`, `1.21 KiB`. */
export function formatBytes(bytes: number): string {
  return Math.abs(bytes) >= 1024 ? `${threeDigits(bytes / 1024)} KiB` : `${threeDigits(bytes)} B`;
}

/** A static table cell: numbers with their column's decimals and unit, `null` as `–`. */
export function formatCell(cell: StaticTableCell, column: StaticTableColumn | undefined): string {
  if (cell === null) {
    return '–';
  }
  if (typeof cell === 'string') {
    return cell;
  }
  return `${cell.toFixed(column?.digits ?? 1)}${column?.unit ?? ''}`;
}

/** Whether a static table column holds numbers only (then it is right-aligned). */
export function isNumericColumn(rows: readonly (readonly StaticTableCell[])[], index: number) {
  return rows.every((row) => typeof (row[index] ?? null) !== 'string');
}
