import type { CaseResult, ImplementationResult } from '../runner/results.js';
import type { StaticTable } from '../runner/static-table.js';
import {
  formatBytes,
  formatCell,
  formatNs,
  formatOpsPerSec,
  formatRatio,
  formatSpread,
  isNumericColumn,
} from './format.js';

function implementationLine(
  result: ImplementationResult,
  nameWidth: number,
  ratio: number | undefined,
): string {
  const parts = [
    `    ${result.role.padEnd(4)}  ${result.name.padEnd(nameWidth)}`,
    `${formatOpsPerSec(result.medianOpsPerSec).padStart(7)} ops/s`,
    `(${formatSpread(result.spread)})`.padEnd(17),
  ];
  if (result.latency !== undefined) {
    parts.push(`p50 ${formatNs(result.latency.p50Ns)} p99 ${formatNs(result.latency.p99Ns)}`);
  }
  if (result.memory !== undefined) {
    parts.push(`${formatBytes(result.memory.bytesPerItem)}/item`);
  }
  if (ratio !== undefined) {
    parts.push(`ours/peer ${formatRatio(ratio)}`);
  }
  return parts.join('  ').trimEnd();
}

/** The lines printed once a case has run: one per implementation, ratios on the peer lines. */
export function caseLines(result: CaseResult): string[] {
  const nameWidth = Math.max(...[result.ours, ...result.peers].map((impl) => impl.name.length));
  return [
    `  ${result.name}`,
    implementationLine(result.ours, nameWidth, undefined),
    ...result.peers.map((peer, index) =>
      implementationLine(peer, nameWidth, result.comparisons[index]?.ratio),
    ),
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
