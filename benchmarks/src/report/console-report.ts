import { type CaseResult, floorTimeRatio, type ImplementationResult } from '../runner/results.js';
import type { StaticTable } from '../runner/static-table.js';
import {
  formatBytes,
  formatCell,
  formatFigure,
  formatNs,
  formatOpsPerSec,
  formatRatio,
  formatSpread,
  formatTimeRatio,
  isNumericColumn,
} from './format.js';

function implementationLine(
  result: ImplementationResult,
  nameWidth: number,
  ratio: string | undefined,
): string {
  const parts = [
    `    ${result.role.padEnd(5)}  ${result.name.padEnd(nameWidth)}`,
    `${formatOpsPerSec(result.medianOpsPerSec).padStart(7)} ops/s`,
    `(${formatSpread(result.spread)})`.padEnd(17),
  ];
  if (result.latency !== undefined) {
    parts.push(`p50 ${formatNs(result.latency.p50Ns)} p99 ${formatNs(result.latency.p99Ns)}`);
  }
  if (result.memory !== undefined) {
    parts.push(`${formatBytes(result.memory.bytesPerItem)}/item`);
  }
  for (const figure of result.figures ?? []) {
    parts.push(`${figure.name} ${formatFigure(figure.value, figure.unit)}`);
  }
  if (ratio !== undefined) {
    parts.push(ratio);
  }
  return parts.join('  ').trimEnd();
}

/**
 * The lines printed once a case has run: one per implementation, ratios on the peer lines,
 * ours' time over the floor's on the floor line.
 */
export function caseLines(result: CaseResult): string[] {
  const all = [result.ours, ...result.peers, ...(result.floor === undefined ? [] : [result.floor])];
  const nameWidth = Math.max(...all.map((impl) => impl.name.length));
  const comparison = (index: number) => {
    const ratio = result.comparisons[index]?.ratio;
    return ratio === undefined ? undefined : `ours/peer ${formatRatio(ratio)}`;
  };
  return [
    `  ${result.name}`,
    implementationLine(result.ours, nameWidth, undefined),
    ...result.peers.map((peer, index) => implementationLine(peer, nameWidth, comparison(index))),
    ...(result.floor === undefined
      ? []
      : [
          implementationLine(
            result.floor,
            nameWidth,
            `ours ÷ floor (time) ${formatTimeRatio(floorTimeRatio(result))}`,
          ),
        ]),
  ];
}

/** The lines printed for a static table: title, aligned columns, notes. */
export function tableLines(table: StaticTable): string[] {
  const texts = [
    table.columns.map((column) => column.label),
    ...table.rows.map((row) =>
      table.columns.map((column, i) => formatCell(row[i] ?? null, column)),
    ),
  ];
  const widths = table.columns.map((_, i) => Math.max(...texts.map((cells) => cells[i]!.length)));
  const numeric = table.columns.map((_, i) => isNumericColumn(table.rows, i));
  const line = (cells: readonly string[]) =>
    `    ${cells
      .map((text, i) => (numeric[i] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!)))
      .join('  ')}`.trimEnd();
  return [
    `  ${table.title}`,
    ...texts.map(line),
    ...(table.notes ?? []).map((note) => `    · ${note}`),
  ];
}
