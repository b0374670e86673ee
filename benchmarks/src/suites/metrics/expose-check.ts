/**
 * The sample lines of an exposition with their labels sorted, sorted: what every side is
 * compared on (HELP and TYPE lines are left out, since the libraries word them differently,
 * and prom-client writes `le` first). The workloads' label values hold no `,` or `"`.
 */
export function sampleLines(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const open = line.indexOf('{');
      if (open === -1) return line;
      const close = line.lastIndexOf('}');
      const labels = line
        .slice(open + 1, close)
        .split(',')
        .sort()
        .join(',');
      return `${line.slice(0, open)}{${labels}}${line.slice(close + 1)}`;
    })
    .sort();
}

/**
 * The state of a measured side: `first` is true until its first call, which also returns
 * the exposition's sample lines for the equality check; later calls return nothing.
 */
export interface Checked {
  first: boolean;
}

/** The sample lines of `expose()` on the first call of a side, `undefined` on later ones. */
export function firstLines(
  state: Checked,
  expose: () => string | Promise<string>,
): Promise<string[]> | undefined {
  if (!state.first) return undefined;
  state.first = false;
  return Promise.resolve(expose()).then(sampleLines);
}

/** `count` distinct (route, code) label values, 100 codes per route, and a value for each. */
export function seriesLabels(
  count: number,
): readonly { readonly route: string; readonly code: string; readonly value: number }[] {
  return Array.from({ length: count }, (_, i) => ({
    route: `/r${Math.floor(i / 100)}`,
    code: String(i % 100),
    value: (i % 7) + 1,
  }));
}

export const OURS_NOTE =
  '`@breakwater/metrics` `new Registry()`; counters and histograms with default buckets.';
export const PROM_NOTE =
  'prom-client 15 with a registry of its own (`new Registry()`, `registers: [registry]`).';
