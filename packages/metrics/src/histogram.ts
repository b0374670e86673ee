import { type Clock, invalidMessage } from '@breakwater/core';
import { DEFAULT_BUCKETS } from './buckets.js';
import { MetricsLabelError } from './errors.js';
import { createExemplar, type Exemplar, type ExemplarLabels, exemplarText } from './exemplar.js';
import { Metric } from './metric.js';
import {
  type MetricContext,
  type MetricOptions,
  resolveMetricOptions,
  type SampledMetricOptions,
} from './options.js';
import type { Labels, SeriesBase } from './series-store.js';
import { formatValue } from './text.js';

/** Options of {@link Registry.histogram}. */
export interface HistogramOptions<L extends string = never>
  extends MetricOptions<L>,
    SampledMetricOptions {
  /**
   * Upper bounds of the buckets, finite and strictly increasing; the `+Inf` bucket is
   * always added (a trailing `Infinity` is accepted and dropped). `le` is not a label name.
   * @default [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
   */
  buckets?: readonly number[] | undefined;
}

interface HistogramSeries extends SeriesBase {
  /**
   * Per-bucket counts, not cumulative; the `+Inf` bucket is `count` minus their sum. A plain
   * array: a typed array this small costs over 100 bytes more per series.
   */
  readonly counts: number[];
  sum: number;
  count: number;
  /** The latest exemplar of each bucket, `+Inf` last; created with the first one. */
  exemplars: (Exemplar | undefined)[] | undefined;
}

/** A histogram bound to one label combination: `observe` goes straight to its series. */
export interface HistogramChild {
  /** Records one observation (finite). */
  observe(value: number): void;
  /**
   * Records one observation (finite) and keeps `exemplar` as the latest exemplar of its
   * bucket (see {@link Histogram.observeExemplar}).
   */
  observeExemplar(value: number, exemplar: ExemplarLabels): void;
  /** Starts a timer; calling the returned function observes the seconds elapsed and returns them. */
  startTimer(): () => number;
}

function resolveBuckets(metric: string, value: unknown): readonly number[] {
  if (value === undefined) return DEFAULT_BUCKETS;
  const what = 'a non-empty array of finite, strictly increasing numbers';
  if (!Array.isArray(value))
    throw new TypeError(invalidMessage(`buckets\` of metric \`${metric}`, what, value));
  const buckets = [...value];
  if (buckets.at(-1) === Number.POSITIVE_INFINITY) buckets.pop();
  if (
    buckets.length === 0 ||
    buckets.some(
      (b, i) => typeof b !== 'number' || !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]),
    )
  ) {
    throw new RangeError(invalidMessage(`buckets\` of metric \`${metric}`, what, value));
  }
  return Object.freeze(buckets as number[]);
}

/** Observations counted into buckets, with their sum and count. */
export class Histogram<L extends string = never> extends Metric<HistogramSeries> {
  readonly type = 'histogram';
  /** The bucket upper bounds, without `+Inf`. */
  readonly buckets: readonly number[];
  readonly #le: readonly string[];
  /** The bucket upper bounds as unboxed doubles, for the search in {@link #add}. */
  readonly #bounds: Float64Array;
  /** A zero per bucket, copied for each new series (a packed array of exactly that length). */
  readonly #zeros: number[];
  readonly #clock: Clock;
  /** True once an exemplar was recorded: OpenMetrics then writes them. */
  #exemplars = false;

  /** @internal Built by {@link Registry.histogram}. */
  constructor(options: HistogramOptions<L>, context: MetricContext) {
    const resolved = resolveMetricOptions(
      'histogram',
      options,
      ['buckets', 'sampleRate'],
      context.maxSeries,
    );
    if (resolved.labelNames.includes('le')) {
      throw new MetricsLabelError(
        resolved.name,
        'le',
        'reserved for the bucket bound of a histogram',
      );
    }
    const buckets = resolveBuckets(resolved.name, options.buckets);
    super(resolved, options, context);
    this.buckets = buckets;
    this.#bounds = Float64Array.from(buckets);
    this.#zeros = buckets.map(() => 0);
    this.#le = [...buckets.map(formatValue), '+Inf'];
    this.#clock = context.clock;
  }

  protected createSeries(
    values: readonly string[],
    labelText: string,
    overflow: boolean,
  ): HistogramSeries {
    return {
      values,
      labelText,
      overflow,
      touched: 0,
      removed: false,
      counts: this.#zeros.slice(),
      sum: 0,
      count: 0,
      exemplars: undefined,
    };
  }

  /** Checks an observation; true when sampling keeps it. */
  #kept(value: number): boolean {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new RangeError(
        `Metric "${this.name}": an observation must be a finite number, got ${String(value)} (${typeof value})`,
      );
    }
    return this.keep();
  }

  /** Adds a kept observation, `sampleRate` times. */
  #add(series: HistogramSeries, value: number): void {
    const bounds = this.#bounds;
    const weight = this.sampleRate;
    const n = bounds.length;
    let i = 0;
    while (i < n && value > (bounds[i] as number)) i++;
    if (i < n) series.counts[i] = (series.counts[i] as number) + weight;
    series.sum += value * weight;
    series.count += weight;
    this.note(series);
  }

  /** Records one observation in the unlabelled series, or in the series of `labels`. */
  observe(
    ...args: [L] extends [never] ? [value: number] : [labels: Labels<L>, value: number]
  ): void;
  observe(labelsOrValue: Labels<L> | number, value?: number): void {
    if (typeof labelsOrValue === 'number') {
      if (this.#kept(labelsOrValue)) this.#add(this.single(), labelsOrValue);
    } else if (this.#kept(value as number)) {
      // `observe(undefined, value)` is the unlabelled series, as `observe(value)` is.
      const series = labelsOrValue === undefined ? this.single() : this.resolve(labelsOrValue);
      this.#add(series, value as number);
    }
  }

  /**
   * Records one observation in the unlabelled series, or in the series of `labels`, and
   * keeps `exemplar` (such as `{ trace_id }`) as the latest exemplar of the bucket the
   * value falls in, with the value and the wall-clock time (`Date.now()`). Exemplars are
   * written in OpenMetrics only. The exemplar labels are checked first: if they are
   * invalid, nothing is recorded. With `sampleRate`, a call that sampling drops records
   * neither the observation nor the exemplar.
   * @throws MetricsLabelError when an exemplar label name is invalid, a value is not a
   *   string, or names and values exceed 128 code points.
   */
  observeExemplar(
    ...args: [L] extends [never]
      ? [value: number, exemplar: ExemplarLabels]
      : [labels: Labels<L>, value: number, exemplar: ExemplarLabels]
  ): void;
  observeExemplar(
    labelsOrValue: Labels<L> | number,
    valueOrExemplar: number | ExemplarLabels,
    labelledExemplar?: ExemplarLabels,
  ): void {
    const unlabelled = typeof labelsOrValue === 'number';
    const value = (unlabelled ? labelsOrValue : valueOrExemplar) as number;
    const exemplar = createExemplar(
      this.name,
      (unlabelled ? valueOrExemplar : labelledExemplar) as ExemplarLabels,
      value,
    );
    if (!this.#kept(value)) return;
    const series =
      unlabelled || labelsOrValue === undefined ? this.single() : this.resolve(labelsOrValue);
    this.#add(series, value);
    this.#keepExemplar(series, exemplar);
  }

  /** Keeps `exemplar` as the latest of the bucket its value falls in. */
  #keepExemplar(series: HistogramSeries, exemplar: Exemplar): void {
    const buckets = this.buckets;
    let i = 0;
    while (i < buckets.length && exemplar.value > (buckets[i] as number)) i++;
    series.exemplars ??= new Array<Exemplar | undefined>(buckets.length + 1).fill(undefined);
    series.exemplars[i] = exemplar;
    this.#exemplars = true;
  }

  /**
   * Starts a timer; the returned function observes the seconds elapsed (read from the
   * registry's `clock`) into the series of `labels` and returns them.
   */
  startTimer(...args: [L] extends [never] ? [] : [labels: Labels<L>]): () => number;
  startTimer(labels?: Labels<L>): () => number {
    const series = labels === undefined ? this.single() : this.resolve(labels);
    return this.#timer(() => (series.removed ? this.revive(series) : series));
  }

  #timer(target: () => HistogramSeries): () => number {
    const start = this.#clock.now();
    return () => {
      const seconds = (this.#clock.now() - start) / 1000;
      if (this.#kept(seconds)) this.#add(target(), seconds);
      return seconds;
    };
  }

  /** The series of `labels`, resolved once: its `observe` does no lookup. */
  labels(labels: Labels<L>): HistogramChild {
    let series = this.resolve(labels);
    const live = () => {
      if (series.removed) series = this.revive(series);
      return series;
    };
    return {
      observe: (value) => {
        if (this.#kept(value)) this.#add(live(), value);
      },
      observeExemplar: (value, labels) => {
        const exemplar = createExemplar(this.name, labels, value);
        if (!this.#kept(value)) return;
        const target = live();
        this.#add(target, value);
        this.#keepExemplar(target, exemplar);
      },
      startTimer: () => this.#timer(live),
    };
  }

  /** Count, sum and cumulative bucket counts of the unlabelled series, or of the series of `labels`. */
  get(...args: [L] extends [never] ? [] : [labels: Labels<L>]): {
    count: number;
    sum: number;
    buckets: number[];
  };
  get(labels?: Labels<L>): { count: number; sum: number; buckets: number[] } {
    const series = labels === undefined ? this.single() : this.find(labels);
    if (series === undefined) return { count: 0, sum: 0, buckets: this.buckets.map(() => 0) };
    let running = 0;
    const buckets = Array.from(series.counts, (c) => (running += c));
    return { count: series.count, sum: series.sum, buckets };
  }

  sampleNames(): readonly string[] {
    return [`${this.name}_bucket`, `${this.name}_sum`, `${this.name}_count`];
  }

  protected override get sliceSeries(): number {
    return Math.max(1, Math.floor(1024 / (this.buckets.length + 3)));
  }

  protected writeSamples(
    all: readonly HistogramSeries[],
    from: number,
    to: number,
    openMetrics: boolean,
  ): string {
    if (openMetrics && this.#exemplars) return this.#writeWithExemplars(all, from, to);
    let out = '';
    const name = this.name;
    const le = this.#le;
    for (let s = from; s < to; s++) {
      const series = all[s] as HistogramSeries;
      const prefix = series.labelText === '' ? '{le="' : `{${series.labelText},le="`;
      const rest = series.labelText === '' ? '' : `{${series.labelText}}`;
      let running = 0;
      const counts = series.counts;
      for (let i = 0; i < counts.length; i++) {
        running += counts[i] as number;
        out += `${name}_bucket${prefix}${le[i]}"} ${running}\n`;
      }
      out += `${name}_bucket${prefix}+Inf"} ${series.count}\n`;
      out += `${name}_sum${rest} ${formatValue(series.sum)}\n${name}_count${rest} ${series.count}\n`;
    }
    return out;
  }

  /** {@link writeSamples} with each bucket's exemplar after its line. */
  #writeWithExemplars(all: readonly HistogramSeries[], from: number, to: number): string {
    let out = '';
    const name = this.name;
    const le = this.#le;
    for (let s = from; s < to; s++) {
      const series = all[s] as HistogramSeries;
      const exemplars = series.exemplars;
      const prefix = series.labelText === '' ? '{le="' : `{${series.labelText},le="`;
      const rest = series.labelText === '' ? '' : `{${series.labelText}}`;
      let running = 0;
      const counts = series.counts;
      for (let i = 0; i < counts.length; i++) {
        running += counts[i] as number;
        out += `${name}_bucket${prefix}${le[i]}"} ${running}${exemplarText(exemplars?.[i])}\n`;
      }
      out += `${name}_bucket${prefix}+Inf"} ${series.count}${exemplarText(exemplars?.[counts.length])}\n`;
      out += `${name}_sum${rest} ${formatValue(series.sum)}\n${name}_count${rest} ${series.count}\n`;
    }
    return out;
  }
}
