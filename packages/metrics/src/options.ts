import {
  type Clock,
  checkInteger,
  checkKnownKeys,
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
  /** Time source of `startTimer`, in ms. @default monotonicClock (performance.now) */
  clock?: Clock | undefined;
}

/** Options every metric type takes. */
export interface MetricOptions<L extends string = never> {
  /** The metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`, not starting with `__`. */
  name: string;
  /** The HELP text: any string, escaped on output. */
  help: string;
  /** The label names, in the order series are looked up: `[a-zA-Z_][a-zA-Z0-9_]*`, not `__…`, no duplicates. @default [] */
  labelNames?: readonly L[] | undefined;
  /** OpenMetrics unit (`seconds`, `bytes`); the name must end in `_<unit>`. @default none */
  unit?: string | undefined;
  /** Series this metric may hold before new label combinations overflow. An integer >= 1. @default the registry's `maxSeriesPerMetric` */
  maxSeries?: number | undefined;
}

/** The resolved, validated common options. */
export interface ResolvedMetricOptions {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly unit: string | undefined;
  readonly maxSeries: number;
}

const COMMON_KEYS = ['name', 'help', 'labelNames', 'unit', 'maxSeries'] as const;

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
  if (typeof raw.help !== 'string') {
    throw new TypeError(invalidMessage(`help\` of metric \`${name}`, 'a string', raw.help));
  }
  const labelNames = resolveLabelNames(name, raw.labelNames);
  let unit: string | undefined;
  if (raw.unit !== undefined) {
    unit = checkString('unit', raw.unit);
    if (!/^[a-zA-Z0-9_:]+$/.test(unit) || !name.replace(/_total$/, '').endsWith(`_${unit}`)) {
      throw new RangeError(
        invalidMessage('unit', `a unit that metric name "${name}" ends with (as "_<unit>")`, unit),
      );
    }
  }
  const maxSeries = checkInteger('maxSeries', raw.maxSeries, { min: 1, default: defaultMaxSeries });
  return { name, help: raw.help, labelNames, unit, maxSeries };
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
