import type { ImplementationResult, SuiteResult } from '../runner/results.js';
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

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

function latencyCell(result: ImplementationResult): string {
  return result.latency === undefined
    ? '–'
    : `${formatNs(result.latency.p50Ns)} / ${formatNs(result.latency.p99Ns)}`;
}

function memoryCell(result: ImplementationResult): string {
  return result.memory === undefined ? '–' : formatBytes(result.memory.bytesPerItem);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function staticTableSection(table: StaticTable): string[] {
  const lines = [`### ${table.title}`, ''];
  if (table.description !== undefined) {
    lines.push(table.description, '');
  }
  const align = table.columns.map((_, i) => (isNumericColumn(table.rows, i) ? '---:' : '---'));
  lines.push(row(table.columns.map((column) => column.label)), `| ${align.join(' | ')} |`);
  for (const cells of table.rows) {
    lines.push(row(table.columns.map((column, i) => formatCell(cells[i] ?? null, column))));
  }
  if (table.notes !== undefined && table.notes.length > 0) {
    lines.push('', ...table.notes.map((note) => `- ${note}`));
  }
  lines.push('');
  return lines;
}

function suiteSection(result: SuiteResult): string[] {
  const { environment: env, settings } = result;
  const withLatency = result.cases.some(
    (c) => c.ours.latency !== undefined || c.peers.some((p) => p.latency !== undefined),
  );
  const withMemory = result.cases.some(
    (c) => c.ours.memory !== undefined || c.peers.some((p) => p.memory !== undefined),
  );
  const lines = [`## ${result.suite}`, '', result.description, ''];
  if (result.mode === 'quick') {
    lines.push(
      '> Quick smoke pass: too short to quote. Run without `--quick` for real figures.',
      '',
    );
  }
  lines.push(
    `Command: \`${result.command}\` · mode ${result.mode} · ` +
      `${plural(settings.rounds, 'round')} × ${settings.roundMs} ms per implementation after ` +
      `${plural(settings.warmupRounds, 'warm-up round')}` +
      `${settings.gcBetweenSlots ? ', full GC before each turn' : ''} · ` +
      `Node ${env.node} · ${env.cpuModel} × ${env.cores} cores · ${env.platform}/${env.arch} · ` +
      `${env.date}`,
    '',
  );

  const header = [
    'case',
    'ours ops/s',
    'ours spread',
    'peer',
    'peer ops/s',
    'peer spread',
    'ratio',
  ];
  const align = ['---', '---:', '---:', '---', '---:', '---:', '---:'];
  if (withLatency) {
    header.push('ours p50 / p99', 'peer p50 / p99');
    align.push('---:', '---:');
  }
  if (withMemory) {
    header.push('ours bytes/item', 'peer bytes/item');
    align.push('---:', '---:');
  }
  lines.push(row(header), `| ${align.join(' | ')} |`);
  for (const c of result.cases) {
    c.peers.forEach((peer, index) => {
      const comparison = c.comparisons[index];
      const cells = [
        c.name,
        formatOpsPerSec(c.ours.medianOpsPerSec),
        formatSpread(c.ours.spread),
        peer.name,
        formatOpsPerSec(peer.medianOpsPerSec),
        formatSpread(peer.spread),
        comparison === undefined ? 'n/a' : formatRatio(comparison.ratio),
      ];
      if (withLatency) {
        cells.push(latencyCell(c.ours), latencyCell(peer));
      }
      if (withMemory) {
        cells.push(memoryCell(c.ours), memoryCell(peer));
      }
      lines.push(row(cells));
    });
  }

  lines.push('');
  for (const table of result.tables ?? []) {
    lines.push(...staticTableSection(table));
  }
  lines.push('Cases:', '');
  for (const c of result.cases) {
    const checked = c.checked ? 'results checked equal' : 'results not compared';
    const ops = c.opsPerCall === 1 ? '' : `; ${c.opsPerCall} operations per call`;
    lines.push(`- **${c.name}**${c.description ? ` — ${c.description}` : ''} (${checked}${ops})`);
  }
  const seen = new Set<string>();
  const noted = result.cases
    .flatMap((c) => [c.ours, ...c.peers])
    .filter((impl) => {
      const fresh = impl.note !== undefined && !seen.has(impl.name);
      seen.add(impl.name);
      return fresh;
    });
  if (noted.length > 0) {
    lines.push('', 'Implementations:', '');
    for (const impl of noted) {
      lines.push(`- \`${impl.name}\` (${impl.role}) — ${impl.note}`);
    }
  }
  lines.push('');
  return lines;
}

/** RESULTS.md: one table per suite result, the command and machine of each, and the chart. */
export function renderResultsMarkdown(results: readonly SuiteResult[]): string {
  const lines = [
    '# Benchmark results',
    '',
    'Breakwater against the npm packages a user would otherwise pick, run side by side in one',
    'process on the same workload. Generated by `pnpm bench` from `results/*.json`; do not edit.',
    'How the runner works and which fairness rules apply: [README.md](README.md).',
    '',
    '- **ops/s**: median over the measured rounds of each round’s operations per second.',
    '- **spread**: lowest–highest round (every measured round counts, the best is not picked).',
    '- **ratio**: our median ÷ the peer’s median. Above 1× we are faster; below 1× we are',
    '  slower, and the table says so.',
    '',
  ];
  if (results.length === 0) {
    lines.push('No results yet: run `pnpm bench`.', '');
    return lines.join('\n');
  }
  lines.push('![Ratio of ours to each peer, log scale](results/ratios.svg)', '');
  for (const result of results) {
    lines.push(...suiteSection(result));
  }
  return lines.join('\n');
}
