import {
  type CaseResult,
  floorTimeRatio,
  type ImplementationResult,
  type SuiteResult,
} from '../runner/results.js';
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
import { groupBySuite } from './suite-groups.js';

/**
 * How far apart the in-process and isolated ratio of the same comparison may be before the
 * isolated table marks it: 15%, larger over smaller.
 */
export const disagreementThreshold = 0.15;

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

function staticTableSection(table: StaticTable, suffix = ''): string[] {
  const lines = [`### ${table.title}${suffix}`, ''];
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

/**
 * The figures other than speed (a case's `figures`) of a suite's cases: a row per
 * implementation of each case that has any, a column per figure name; none without figures.
 */
function figuresSection(result: SuiteResult, suffix = ''): string[] {
  const names: string[] = [];
  const rows: string[][] = [];
  const withFigures = result.cases.filter((c) =>
    [c.ours, ...c.peers, ...(c.floor === undefined ? [] : [c.floor])].some(
      (impl) => (impl.figures ?? []).length > 0,
    ),
  );
  for (const c of withFigures) {
    for (const impl of [c.ours, ...c.peers, ...(c.floor === undefined ? [] : [c.floor])]) {
      for (const figure of impl.figures ?? []) {
        if (!names.includes(figure.name)) names.push(figure.name);
      }
    }
  }
  if (names.length === 0) {
    return [];
  }
  for (const c of withFigures) {
    for (const impl of [c.ours, ...c.peers, ...(c.floor === undefined ? [] : [c.floor])]) {
      const cells = names.map((name) => {
        const figure = impl.figures?.find((f) => f.name === name);
        return figure === undefined ? '–' : formatFigure(figure.value, figure.unit);
      });
      rows.push([c.name, impl.role, impl.name, ...cells]);
    }
  }
  const samples = result.settings.figureSamples;
  return [
    `### ${result.suite} · other figures${suffix}`,
    '',
    'Figures besides speed, measured for each implementation after its timed rounds, ' +
      `a full GC before each sample; the median of ${samples === undefined ? 'its samples' : plural(samples, 'sample')}` +
      `${result.harness === 'isolated' ? ' in each process, then the median over the processes' : ''}` +
      '. How each is measured: the case descriptions.',
    '',
    row(['case', 'role', 'implementation', ...names]),
    `| --- | --- | --- | ${names.map(() => '---:').join(' | ')} |`,
    ...rows.map(row),
    '',
  ];
}

function runLine(result: SuiteResult): string {
  const { environment: env, settings } = result;
  if (result.cases.length === 0) {
    // A suite that measures only in its static tables (the application suite): no rounds.
    return (
      `Command: \`${result.command}\` · mode ${result.mode} · ` +
      `Node ${env.node} · ${env.cpuModel} × ${env.cores} cores · ${env.platform}/${env.arch} · ` +
      `${env.date}`
    );
  }
  const processes =
    result.harness === 'isolated'
      ? `${result.processes ?? 0} process${result.processes === 1 ? '' : 'es'} per implementation (one implementation per ` +
        'process), each running '
      : '';
  return (
    `Command: \`${result.command}\` · mode ${result.mode} · ${processes}` +
    `${plural(settings.rounds, 'round')} × ${settings.roundMs} ms per implementation after ` +
    `${plural(settings.warmupRounds, 'warm-up round')}` +
    `${settings.gcBetweenSlots ? ', full GC before each turn' : ''} · ` +
    `Node ${env.node} · ${env.cpuModel} × ${env.cores} cores · ${env.platform}/${env.arch} · ` +
    `${env.date}`
  );
}

const quickNote = '> Quick smoke pass: too short to quote. Run without `--quick` for real figures.';

function suiteSection(result: SuiteResult): string[] {
  const withLatency = result.cases.some(
    (c) => c.ours.latency !== undefined || c.peers.some((p) => p.latency !== undefined),
  );
  const withMemory = result.cases.some(
    (c) => c.ours.memory !== undefined || c.peers.some((p) => p.memory !== undefined),
  );
  const lines = [`## ${result.suite}`, '', result.description, ''];
  if (result.mode === 'quick') {
    lines.push(quickNote, '');
  }
  lines.push(runLine(result), '');

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
  if (result.cases.length > 0) lines.push(row(header), `| ${align.join(' | ')} |`);
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
    if (c.floor !== undefined) {
      const cells = [
        c.name,
        formatOpsPerSec(c.ours.medianOpsPerSec),
        formatSpread(c.ours.spread),
        c.floor.name,
        formatOpsPerSec(c.floor.medianOpsPerSec),
        formatSpread(c.floor.spread),
        `floor: ours takes ${formatTimeRatio(floorTimeRatio(c))} its time`,
      ];
      if (withLatency) {
        cells.push(latencyCell(c.ours), latencyCell(c.floor));
      }
      if (withMemory) {
        cells.push(memoryCell(c.ours), memoryCell(c.floor));
      }
      lines.push(row(cells));
    }
  }

  if (result.cases.length > 0) lines.push('');
  lines.push(...figuresSection(result));
  for (const table of result.tables ?? []) {
    lines.push(...staticTableSection(table));
  }
  if (result.cases.length > 0) lines.push('Cases:', '');
  for (const c of result.cases) {
    const checked = c.checked ? 'results checked equal' : 'results not compared';
    const ops = c.opsPerCall === 1 ? '' : `; ${c.opsPerCall} operations per call`;
    lines.push(`- **${c.name}**${c.description ? ` — ${c.description}` : ''} (${checked}${ops})`);
  }
  const seen = new Set<string>();
  const noted = result.cases
    .flatMap((c) => [c.ours, ...c.peers, ...(c.floor === undefined ? [] : [c.floor])])
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

/** The in-process figure matching an isolated row: a peer's speed ratio or ours ÷ floor (time). */
function inProcessRatio(
  inProcess: CaseResult | undefined,
  name: string,
  role: 'peer' | 'floor',
): number | null {
  if (inProcess === undefined) {
    return null;
  }
  if (role === 'floor') {
    return inProcess.floor?.name === name ? floorTimeRatio(inProcess) : null;
  }
  return inProcess.comparisons.find((c) => c.peer === name)?.ratio ?? null;
}

/** `agree`, `⚠ 23% apart`, or `–` when one harness has no figure. */
export function agreement(inProcess: number | null, isolated: number | null): string {
  if (
    inProcess === null ||
    isolated === null ||
    !(inProcess > 0 && isolated > 0 && Number.isFinite(inProcess) && Number.isFinite(isolated))
  ) {
    return '–';
  }
  const apart = Math.max(inProcess, isolated) / Math.min(inProcess, isolated) - 1;
  return apart > disagreementThreshold ? `⚠ ${Math.round(apart * 100)}% apart` : 'agree';
}

function isolatedSection(isolated: SuiteResult, inProcess: SuiteResult | undefined): string[] {
  const lines: string[] = [];
  if (inProcess === undefined) {
    lines.push(`## ${isolated.suite}`, '', isolated.description, '');
  }
  lines.push(
    `### ${isolated.suite} · one implementation per process`,
    '',
    'Every implementation of every case measured alone in processes of its own, the passes ' +
      'interleaved (ours, then each peer, in an order rotated each pass), with the same ' +
      'rounds as in process. ops/s: the median over the processes of each process’s median; ' +
      'spread: lowest–highest process. The in-process figure is that of the table above ' +
      `(– where there is none); ⚠ marks figures more than ${Math.round(disagreementThreshold * 100)}% ` +
      'apart. Floor rows give ours’ time over the floor’s.',
    '',
  );
  if (isolated.mode === 'quick') {
    lines.push(quickNote, '');
  }
  const withMemory = isolated.cases.some((c) =>
    [c.ours, ...c.peers, ...(c.floor === undefined ? [] : [c.floor])].some(
      (impl) => impl.memory !== undefined,
    ),
  );
  lines.push(
    runLine(isolated),
    '',
    row([
      'case',
      'against',
      'in-process ratio',
      'isolated ratio',
      'ours ops/s',
      'ours spread',
      'their ops/s',
      'their spread',
      'harnesses',
      ...(withMemory ? ['ours bytes/item', 'their bytes/item'] : []),
    ]),
    `| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |${withMemory ? ' ---: | ---: |' : ''}`,
  );
  const inProcessCases = new Map((inProcess?.cases ?? []).map((c) => [c.name, c]));
  for (const c of isolated.cases) {
    const before = inProcessCases.get(c.name);
    const rows: { impl: ImplementationResult; role: 'peer' | 'floor'; ratio: number | null }[] = [
      ...c.peers.map((peer, index) => ({
        impl: peer,
        role: 'peer' as const,
        ratio: c.comparisons[index]?.ratio ?? null,
      })),
      ...(c.floor === undefined
        ? []
        : [{ impl: c.floor, role: 'floor' as const, ratio: floorTimeRatio(c) }]),
    ];
    for (const { impl, role, ratio } of rows) {
      const earlier = inProcessRatio(before, impl.name, role);
      const show = (value: number | null) =>
        role === 'floor'
          ? `${formatTimeRatio(value)} time`
          : value === null
            ? '–'
            : formatRatio(value);
      lines.push(
        row([
          c.name,
          role === 'floor' && !impl.name.includes('(floor)') ? `${impl.name} (floor)` : impl.name,
          earlier === null ? '–' : show(earlier),
          show(ratio),
          formatOpsPerSec(c.ours.medianOpsPerSec),
          formatSpread(c.ours.spread),
          formatOpsPerSec(impl.medianOpsPerSec),
          formatSpread(impl.spread),
          agreement(earlier, ratio),
          ...(withMemory ? [memoryCell(c.ours), memoryCell(impl)] : []),
        ]),
      );
    }
  }
  lines.push('');
  lines.push(...figuresSection(isolated, ' · isolated'));
  for (const table of isolated.tables ?? []) {
    lines.push(...staticTableSection(table, ' · isolated'));
  }
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
    '- **floor** rows: not a competitor but the least the operation can cost, measured in the',
    '  same rounds; they give our time over the floor’s and never enter a ratio.',
    '- **one implementation per process** (`pnpm bench <suite> --isolated`): the same cases with',
    '  each implementation measured alone in processes of its own, beside the in-process ratio.',
    '',
  ];
  if (results.length === 0) {
    lines.push('No results yet: run `pnpm bench`.', '');
    return lines.join('\n');
  }
  lines.push('![Ratio of ours to each peer, log scale](results/ratios.svg)', '');
  for (const group of groupBySuite(results)) {
    if (group.inProcess !== undefined) {
      lines.push(...suiteSection(group.inProcess));
    }
    if (group.isolated !== undefined) {
      lines.push(...isolatedSection(group.isolated, group.inProcess));
    }
  }
  return lines.join('\n');
}
