/** The `p`-th percentile (0..100) of ascending `sorted` values, nearest rank; undefined when empty. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Renders rows under headers as a plain-text table; numbers are right-aligned. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const cells = rows.map((row) => headers.map((_h, i) => String(row[i] ?? '')));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const numeric = headers.map((_h, i) =>
    rows.every((row) => typeof row[i] !== 'string' || /^[-\d.%]+$/.test(row[i] as string)),
  );
  const line = (row: readonly string[]): string =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(headers), rule, ...cells.map(line)].join('\n');
}

/** Formats an optional number: '-' when absent. */
export function show(value: number | undefined, digits = 0): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return value.toFixed(digits);
}

/** Formats a ratio as a percentage: '-' when absent. */
export function showRatio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '-' : `${(value * 100).toFixed(0)}%`;
}

/**
 * Summarises breaker states, e.g. `closed` when all are closed, `open: delta; closed: 4`
 * otherwise, '-' when none is known.
 */
export function showBreakers(states: ReadonlyMap<string, string>): string {
  if (states.size === 0) return '-';
  const byState = new Map<string, string[]>();
  for (const [expert, state] of [...states].sort(([a], [b]) => a.localeCompare(b))) {
    byState.set(state, [...(byState.get(state) ?? []), expert]);
  }
  if (byState.size === 1 && byState.has('closed')) return 'closed';
  const parts: string[] = [];
  for (const state of ['open', 'half-open']) {
    const experts = byState.get(state);
    if (experts !== undefined) parts.push(`${state}: ${experts.join(',')}`);
  }
  const closed = byState.get('closed');
  if (closed !== undefined) parts.push(`closed: ${closed.length}`);
  return parts.join('; ');
}
