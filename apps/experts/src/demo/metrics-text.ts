/** One sample of a Prometheus text exposition. */
export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

function unescapeLabel(value: string): string {
  return value.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = Object.create(null);
  const pattern = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const match of text.matchAll(pattern)) {
    labels[match[1] as string] = unescapeLabel(match[2] as string);
  }
  return labels;
}

/**
 * Reads the samples of a Prometheus (0.0.4) or OpenMetrics text. Comments, blank lines and
 * lines it cannot read are skipped: the demo reads metrics that may not exist yet.
 */
export function parseMetrics(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    const value = Number(match[3]);
    if (Number.isNaN(value) && match[3] !== 'NaN') continue;
    samples.push({
      name: match[1] as string,
      labels: match[2] === undefined ? {} : parseLabels(match[2]),
      value,
    });
  }
  return samples;
}

/**
 * Sum of the samples named `name` whose labels include `where`; `undefined` when no sample
 * matches (the metric is absent), so that callers can tell 0 from "not exposed".
 */
export function sumOf(
  samples: readonly MetricSample[],
  name: string,
  where: Readonly<Record<string, string>> = {},
): number | undefined {
  let total: number | undefined;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (!Object.entries(where).every(([k, v]) => sample.labels[k] === v)) continue;
    total = (total ?? 0) + sample.value;
  }
  return total;
}

/** `after - before` of a counter, `undefined` when it is absent from `after`. */
export function counterDelta(
  before: readonly MetricSample[],
  after: readonly MetricSample[],
  name: string,
  where: Readonly<Record<string, string>> = {},
): number | undefined {
  const end = sumOf(after, name, where);
  if (end === undefined) return undefined;
  return end - (sumOf(before, name, where) ?? 0);
}

/**
 * The state of each expert's breaker from `experts_breaker_state{expert,state}` (the state
 * whose gauge is 1), by expert name; empty when the metric is absent.
 */
export function breakerStates(samples: readonly MetricSample[]): Map<string, string> {
  const states = new Map<string, string>();
  for (const sample of samples) {
    if (sample.name !== 'experts_breaker_state' || sample.value !== 1) continue;
    const { expert, state } = sample.labels;
    if (expert !== undefined && state !== undefined) states.set(expert, state);
  }
  return states;
}
