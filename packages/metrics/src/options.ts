import {
  type Clock,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOptionalFunction,
  checkOptions,
  checkString,
  invalidMessage,
} from '@breakwater/core';
import { isLabelName, isMetricName } from './text.js';

/** Options of a {@link Registry}. */
export interface RegistryOptions {
  /**
   * Series a metric may hold before new label combinations go into its overflow series;
   * a metric may override it with its own `maxSeries`. An integer >= 1.
   * @default 10000
   */
  maxSeriesPerMetric?: number | undefined;
  /** Time source of `startTimer` and of series TTLs (`ttlMs`), in ms. @default monotonicClock (performance.now) */
  clock?: Clock | undefined;
  /** Random numbers in [0, 1) for `sampleRate`. @default Math.random */
  random?: (() => number) | undefined;
}

/** Options every metric type takes. */
export interface MetricOptions<L extends string = never> {
  /** The metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`, not starting with `__`. */
  name: string;
  /** The HELP text: any string, escaped on output. */
  help: string;
  /** The label names, in the order series are looked up: `[a-zA-Z_][a-zA-Z0-9_]*`, not `__…`, no duplicates. @default [] */
  labelNames?: readonly L[] | undefined;
  /** OpenMetrics unit (`seconds`, `bytes`); the name must end in `_<unit>` (a counter's before `_total`). @default none */
  unit?: string | undefined;
  /** Series this metric may hold before new label combinations overflow. An integer >= 1. @default the registry's `maxSeriesPerMetric` */
  maxSeries?: number | undefined;
  /**
   * Distinct values a label may take before new label combinations overflow: one number
   * for every label, or per label name (`{ route: 200 }`); integers >= 1. @default no limit
   */
  maxLabelValues?: number | { readonly [K in L]?: number | undefined } | undefined;
  /**
   * A labelled series not measured for this long is removed at the next scrape (a counter
   * restarts from 0 if measured again). Compared with clock readings, no timer: > 0, up to
   * 2^52 - 1 ms. @default none (series never expire)
   */
  ttlMs?: number | undefined;
  /**
   * Per label name, a function each value of that label goes through before the series is
   * looked up (`{ route: normalizeRoute }`), so that `/users/1` and `/users/2` are one
   * series. It must return a string. @default none
   */
  normalize?: { readonly [K in L]?: ((value: string) => string) | undefined } | undefined;
}

/** The resolved, validated common options. */
export interface ResolvedMetricOptions {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly unit: string | undefined;
  readonly maxSeries: number;
  readonly maxLabelValues: readonly number[];
  readonly ttlMs: number | undefined;
  readonly normalize: readonly (((value: string) => string) | undefined)[] | undefined;
  readonly sampleRate: number;
}

/** What the registry hands every metric it builds. */
export interface MetricContext {
  readonly maxSeries: number;
  readonly clock: Clock;
  readonly random: () => number;
}

/** Options of the metric types that can sample (counter, histogram, summary). */
export interface SampledMetricOptions {
  /**
   * Keep one measurement in `sampleRate`, chosen at random (the registry's `random`), and
   * count each kept one `sampleRate` times, so totals stay unbiased; the rate is shown in
   * the HELP text. An integer >= 1. @default 1 (every measurement)
   */
  sampleRate?: number | undefined;
}

const COMMON_KEYS = [
  'name',
  'help',
  'labelNames',
  'unit',
  'maxSeries',
  'maxLabelValues',
  'ttlMs',
  'normalize',
] as const;

/** Validates the options every metric takes; `extra` lists the type's own option keys. */
export function resolveMetricOptions(
  kind: string,
  options: MetricOptions<string>,
  extra: readonly string[],
  defaultMaxSeries: number,
): ResolvedMetricOptions {
  const raw = checkOptions(`${kind} options`, options);
  checkKnownKeys(`${kind} options`, raw, [...COMMON_KEYS, ...extra]);
  const name = checkString('name', raw.name);
  if (!isMetricName(name)) {
    throw new RangeError(
      invalidMessage(
        'name',
        'a metric name matching [a-zA-Z_:][a-zA-Z0-9_:]* and not starting with "__"',
        name,
      ),
    );
  }
  // A counter's family is its name without `_total`: `_total` alone would leave none.
  const family = kind === 'counter' ? name.replace(/_total$/, '') : name;
  if (family === '') {
    throw new RangeError(
      invalidMessage('name', 'a counter name with something before "_total"', name),
    );
  }
  if (typeof raw.help !== 'string') {
    throw new TypeError(invalidMessage(`help\` of metric \`${name}`, 'a string', raw.help));
  }
  const labelNames = resolveLabelNames(name, raw.labelNames);
  let unit: string | undefined;
  if (raw.unit !== undefined) {
    unit = checkString('unit', raw.unit);
    // OpenMetrics wants the family name to end in the unit: only a counter's `_total` is
    // left out of its family name (a gauge `x_seconds_total` is no family of seconds).
    if (!/^[a-zA-Z0-9_:]+$/.test(unit) || !family.endsWith(`_${unit}`)) {
      throw new RangeError(
        invalidMessage('unit', `a unit that metric name "${name}" ends with (as "_<unit>")`, unit),
      );
    }
  }
  const maxSeries = checkInteger('maxSeries', raw.maxSeries, { min: 1, default: defaultMaxSeries });
  const maxLabelValues = resolveMaxLabelValues(labelNames, raw.maxLabelValues);
  const ttlMs =
    raw.ttlMs === undefined
      ? undefined
      : checkNumber('ttlMs', raw.ttlMs, {
          min: 0,
          exclusiveMin: true,
          max: Number.MAX_SAFE_INTEGER / 2,
        });
  const normalize = resolveNormalize(labelNames, raw.normalize);
  const sampleRate = checkInteger('sampleRate', (raw as SampledMetricOptions).sampleRate, {
    min: 1,
    default: 1,
  });
  return {
    name,
    help: raw.help,
    labelNames,
    unit,
    maxSeries,
    maxLabelValues,
    ttlMs,
    normalize,
    sampleRate,
  };
}

function resolveNormalize(
  labelNames: readonly string[],
  value: unknown,
): readonly (((value: string) => string) | undefined)[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(invalidMessage('normalize', 'an object of functions by label name', value));
  }
  checkKnownKeys('normalize', value, labelNames);
  const functions = labelNames.map((label) =>
    checkOptionalFunction<(value: string) => string>(
      `normalize.${label}`,
      (value as Record<string, unknown>)[label],
    ),
  );
  return functions.some((f) => f !== undefined) ? functions : undefined;
}

function resolveMaxLabelValues(labelNames: readonly string[], value: unknown): readonly number[] {
  if (value === undefined) return labelNames.map(() => Number.POSITIVE_INFINITY);
  if (typeof value === 'number') {
    const max = checkInteger('maxLabelValues', value, { min: 1 });
    return labelNames.map(() => max);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(
      invalidMessage('maxLabelValues', 'an integer or an object of integers by label name', value),
    );
  }
  checkKnownKeys('maxLabelValues', value, labelNames);
  return labelNames.map((label) => {
    const max = (value as Record<string, unknown>)[label];
    return max === undefined
      ? Number.POSITIVE_INFINITY
      : checkInteger(`maxLabelValues.${label}`, max, { min: 1 });
  });
}

function resolveLabelNames(metric: string, value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new TypeError(
      invalidMessage(`labelNames\` of metric \`${metric}`, 'an array of label names', value),
    );
  }
  const seen = new Set<string>();
  for (const label of value) {
    if (typeof label !== 'string' || !isLabelName(label)) {
      throw new RangeError(
        invalidMessage(
          `labelNames\` of metric \`${metric}`,
          'label names matching [a-zA-Z_][a-zA-Z0-9_]* and not starting with "__"',
          label,
        ),
      );
    }
    if (seen.has(label)) {
      throw new RangeError(
        invalidMessage(`labelNames\` of metric \`${metric}`, 'distinct label names', label),
      );
    }
    seen.add(label);
  }
  return Object.freeze([...seen]);
}
