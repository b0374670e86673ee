import type { SuiteResult } from '../runner/results.js';
import { formatRatio } from './format.js';
import { inReportOrder } from './suite-groups.js';

/** Rough width of one character at the 12px font, to size the label column. */
const charWidth = 6.6;
const plotWidth = 470;
const valueWidth = 120;
const top = 74;
const rowHeight = 20;
const barHeight = 12;
const faster = '#2b8a3e';
const slower = '#c92a2a';

type Row =
  | { readonly kind: 'suite'; readonly label: string }
  | { readonly kind: 'case'; readonly label: string }
  | {
      readonly kind: 'bar';
      readonly label: string;
      readonly title: string;
      readonly ratio: number;
    };

/** Escapes text for an XML text node or attribute value. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

function suiteLabel(result: SuiteResult): string {
  const harness = result.harness === 'isolated' ? ' · one implementation per process' : '';
  return `${result.suite}${harness}${result.mode === 'quick' ? ' (quick smoke pass)' : ''}`;
}

/** Bars of ours ÷ each peer; floors are not competitors and get none. */
function rowsOf(results: readonly SuiteResult[]): Row[] {
  const rows: Row[] = [];
  for (const result of inReportOrder(results)) {
    // A suite without timed cases (the application suite) has no ratio to draw.
    if (result.cases.length === 0) continue;
    rows.push({ kind: 'suite', label: suiteLabel(result) });
    for (const c of result.cases) {
      rows.push({ kind: 'case', label: c.name });
      for (const comparison of c.comparisons) {
        rows.push({
          kind: 'bar',
          label: `vs ${comparison.peer}`,
          title: `${suiteLabel(result)} · ${c.name} vs ${comparison.peer}`,
          ratio: comparison.ratio,
        });
      }
    }
  }
  return rows;
}

function isDrawable(ratio: number): boolean {
  return Number.isFinite(ratio) && ratio > 0;
}

/** Powers of ten around every ratio and 1×, with a little room on both sides. */
function domainOf(rows: readonly Row[]): [number, number] {
  const ratios = rows.flatMap((row) =>
    row.kind === 'bar' && isDrawable(row.ratio) ? [row.ratio] : [],
  );
  const low = Math.min(1, ...ratios) / 1.1;
  const high = Math.max(1, ...ratios) * 1.1;
  return [Math.floor(Math.log10(low)), Math.ceil(Math.log10(high))];
}

function tickLabel(value: number): string {
  return `${Number(value.toPrecision(1))}×`;
}

/**
 * A horizontal bar chart of every ratio ours ÷ peer on a log scale, bars growing from the 1×
 * parity line: right and green where we are faster, left and red where we are slower.
 */
export function renderRatioChart(results: readonly SuiteResult[]): string {
  const rows = rowsOf(results);
  const [lowExponent, highExponent] = domainOf(rows);
  const longest = Math.max(
    24,
    ...rows.map((row) => row.label.length + (row.kind === 'bar' ? 2 : 0)),
  );
  const labelRight = Math.ceil(16 + longest * charWidth);
  const plotLeft = labelRight + 12;
  const plotRight = plotLeft + plotWidth;
  const valueLeft = plotRight + 10;
  const width = valueLeft + valueWidth;
  const x = (value: number): number =>
    plotLeft +
    ((Math.log10(value) - lowExponent) / (highExponent - lowExponent)) * (plotRight - plotLeft);
  const plotBottom = top + Math.max(rows.length, 1) * rowHeight;
  const height = plotBottom + 44;
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    '<title>Breakwater benchmarks: ratio of ours to each peer</title>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="8" y="24" font-size="15" font-weight="bold">Ours ÷ peer, median ops/s</text>`,
    `<text x="8" y="42" fill="#555555">log scale · right of 1×: we are faster · left: slower</text>`,
  ];

  for (let exponent = lowExponent; exponent <= highExponent; exponent++) {
    for (const mantissa of [1, 2, 5]) {
      const value = mantissa * 10 ** exponent;
      if (exponent === highExponent && mantissa > 1) {
        break;
      }
      const tickX = x(value).toFixed(1);
      parts.push(
        `<line x1="${tickX}" y1="${top - 6}" x2="${tickX}" y2="${plotBottom}" stroke="${mantissa === 1 ? '#d0d0d0' : '#ececec'}"/>`,
        `<text x="${tickX}" y="${plotBottom + 16}" text-anchor="middle" fill="#555555">${escapeXml(tickLabel(value))}</text>`,
      );
    }
  }

  if (rows.length === 0) {
    parts.push(
      `<text x="${plotLeft}" y="${top + 14}" fill="#555555">No results yet: run pnpm bench.</text>`,
    );
  }
  rows.forEach((row, index) => {
    const rowTop = top + index * rowHeight;
    const textY = (rowTop + rowHeight / 2 + 4).toFixed(1);
    if (row.kind === 'suite') {
      parts.push(
        `<text x="8" y="${textY}" font-size="13" font-weight="bold">${escapeXml(row.label)}</text>`,
      );
      return;
    }
    if (row.kind === 'case') {
      parts.push(`<text x="16" y="${textY}" fill="#333333">${escapeXml(row.label)}</text>`);
      return;
    }
    parts.push(
      `<text x="${labelRight}" y="${textY}" text-anchor="end">${escapeXml(row.label)}</text>`,
    );
    if (!isDrawable(row.ratio)) {
      parts.push(`<text x="${valueLeft}" y="${textY}" fill="#555555">n/a</text>`);
      return;
    }
    const from = x(1);
    const to = x(row.ratio);
    const barX = Math.min(from, to).toFixed(1);
    const barWidth = Math.max(Math.abs(to - from), 1).toFixed(1);
    const barY = (rowTop + (rowHeight - barHeight) / 2).toFixed(1);
    const colour = row.ratio >= 1 ? faster : slower;
    const text = formatRatio(row.ratio);
    parts.push(
      `<rect x="${barX}" y="${barY}" width="${barWidth}" height="${barHeight}" fill="${colour}">` +
        `<title>${escapeXml(`${row.title}: ${text}`)}</title></rect>`,
      `<text x="${valueLeft}" y="${textY}" fill="${colour}">${escapeXml(text)}</text>`,
    );
  });

  const parityX = x(1).toFixed(1);
  parts.push(
    `<line x1="${parityX}" y1="${top - 10}" x2="${parityX}" y2="${plotBottom}" stroke="#222222" stroke-width="1.5" stroke-dasharray="4 3"/>`,
    `<text x="${parityX}" y="${top - 14}" text-anchor="middle" fill="#222222">1× parity</text>`,
    `<line x1="${plotLeft}" y1="${plotBottom}" x2="${plotRight}" y2="${plotBottom}" stroke="#888888"/>`,
    `<text x="${plotLeft}" y="${plotBottom + 34}" fill="#555555">Spread, latency and memory figures: RESULTS.md</text>`,
    '</svg>',
    '',
  );
  return parts.join('\n');
}
