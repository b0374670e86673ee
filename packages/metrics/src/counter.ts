import { checkOptionalFunction } from '@breakwater/core';
import { createExemplar, type Exemplar, type ExemplarLabels, exemplarText } from './exemplar.js';
import { braces, Metric } from './metric.js';
import {
  type MetricContext,
  type MetricOptions,
  resolveMetricOptions,
  type SampledMetricOptions,
} from './options.js';
import type { Labels, SeriesBase } from './series-store.js';
import { formatValue } from './text.js';

/** Options of {@link Registry.counter}. */
export interface CounterOptions<L extends string = never>
  extends MetricOptions<L>,
    SampledMetricOptions {
  /**
   * Called at every scrape before the values are read, to `inc` them by what a source
   * counted since the last scrape (CPU time, a primitive's `stats()`). It runs
   * synchronously; if it throws, the scrape throws. @default none
   */
  collect?: ((counter: Counter<L>) => void) | undefined;
}

interface CounterSeries extends SeriesBase {
  value: number;
  /** The latest exemplar, written in OpenMetrics only. */
  exemplar: Exemplar | undefined;
}

function checkIncrement(metric: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0 && value < Number.POSITIVE_INFINITY)) {
    throw new RangeError(
      `Metric "${metric}": a counter increment must be a finite number >= 0, got ${String(value)} (${typeof value})`,
    );
  }
}

/** A counter bound to one label combination: `inc` goes straight to its series. */
export interface CounterChild {
  /** Adds `value` (finite, >= 0). @default 1 */
  inc(value?: number): void;
  /**
   * Adds `value` (finite, >= 0) and keeps `exemplar` as the series' latest exemplar (see
   * {@link Counter.incExemplar}).
   */
  incExemplar(value: number, exemplar: ExemplarLabels): void;
  /** The current value. */
  get(): number;
}

/**
 * A value that only goes up. The name is the family name: a trailing `_total` is dropped
 * from it, and the sample is always written as `<family>_total`, in both formats.
 */
export class Counter<L extends string = never> extends Metric<CounterSeries> {
  readonly type = 'counter';
  /** The series of an unsampled metric without labels: `inc()` goes straight to it. */
  readonly #plain: CounterSeries | undefined;
  readonly #collect: ((counter: Counter<L>) => void) | undefined;
  /** True once an exemplar was recorded: OpenMetrics then writes them. */
  #exemplars = false;

  /** @internal Built by {@link Registry.counter}. */
  constructor(options: CounterOptions<L>, context: MetricContext) {
    const resolved = resolveMetricOptions(
      'counter',
      options,
      ['sampleRate', 'collect'],
      context.maxSeries,
    );
    super({ ...resolved, name: resolved.name.replace(/_total$/, '') }, options, context);
    // createSeries reads no field of this class, so the series can be made here.
    this.#plain =
      resolved.labelNames.length === 0 && resolved.sampleRate === 1 ? this.single() : undefined;
    this.#collect = checkOptionalFunction('collect', options.collect);
  }

  protected createSeries(
    values: readonly string[],
    labelText: string,
    overflow: boolean,
  ): CounterSeries {
    return {
      values,
      labelText,
      overflow,
      touched: 0,
      removed: false,
      value: 0,
      exemplar: undefined,
    };
  }

  /** Adds 1 (or `value`) to the unlabelled series, or to the series of `labels`. */
  inc(...args: [L] extends [never] ? [value?: number] : [labels: Labels<L>, value?: number]): void;
  inc(labelsOrValue?: Labels<L> | number, value?: number): void {
    const plain = this.#plain;
    if (plain !== undefined && labelsOrValue === undefined && value === undefined) {
      plain.value++;
      return;
    }
    if (typeof labelsOrValue === 'object' && this.sampleRate === 1) {
      // A label object and nothing to sample: the same steps as below, without the branches.
      if (value !== undefined) checkIncrement(this.name, value);
      const series = this.resolve(labelsOrValue);
      series.value += value ?? 1;
      this.note(series);
      return;
    }
    const unlabelled = labelsOrValue === undefined || typeof labelsOrValue === 'number';
    // `inc(value)`, or `inc(labels, value)` where the labels of an unlabelled counter may be
    // `undefined`: `inc(undefined, 5)` adds 5, as a gauge's does.
    const given = typeof labelsOrValue === 'number' ? labelsOrValue : value;
    const amount = given === undefined ? 1 : given;
    checkIncrement(this.name, amount);
    if (!this.keep()) return;
    const series = unlabelled ? this.single() : this.resolve(labelsOrValue);
    series.value += amount * this.sampleRate;
    this.note(series);
  }

  /**
   * Adds `value` (finite, >= 0) to the unlabelled series, or to the series of `labels`,
   * and keeps `exemplar` (such as `{ trace_id }`) as that series' latest exemplar, with
   * `value` and the wall-clock time (`Date.now()`). Exemplars are written in OpenMetrics
   * only. The exemplar labels are checked first: if they are invalid, nothing is recorded.
   * With `sampleRate`, a call that sampling drops records neither the increment nor the
   * exemplar; a kept one adds `sampleRate × value` and keeps `value` in the exemplar.
   * @throws MetricsLabelError when an exemplar label name is invalid, a value is not a
   *   string, or names and values exceed 128 code points.
   */
  incExemplar(
    ...args: [L] extends [never]
      ? [value: number, exemplar: ExemplarLabels]
      : [labels: Labels<L>, value: number, exemplar: ExemplarLabels]
  ): void;
  incExemplar(
    labelsOrValue: Labels<L> | number,
    valueOrExemplar: number | ExemplarLabels,
    labelledExemplar?: ExemplarLabels,
  ): void {
    const unlabelled = typeof labelsOrValue === 'number';
    const amount = (unlabelled ? labelsOrValue : valueOrExemplar) as number;
    const labels = (unlabelled ? valueOrExemplar : labelledExemplar) as ExemplarLabels;
    checkIncrement(this.name, amount);
    const exemplar = createExemplar(this.name, labels, amount);
    if (!this.keep()) return;
    const series =
      unlabelled || labelsOrValue === undefined ? this.single() : this.resolve(labelsOrValue);
    series.value += amount * this.sampleRate;
    this.#keepExemplar(series, exemplar);
    this.note(series);
  }

  #keepExemplar(series: CounterSeries, exemplar: Exemplar): void {
    series.exemplar = exemplar;
    this.#exemplars = true;
  }

  /** The current value of the unlabelled series, or of the series of `labels`. */
  get(...args: [L] extends [never] ? [] : [labels: Labels<L>]): number;
  get(labels?: Labels<L>): number {
    return (labels === undefined ? this.single() : this.find(labels))?.value ?? 0;
  }

  /** The series of `labels`, resolved once: its `inc` does no lookup. */
  labels(labels: Labels<L>): CounterChild {
    let series = this.resolve(labels);
    const metric = this;
    if (this.sampleRate === 1 && !this.expires && !series.overflow) {
      // Nothing to sample, expire or count as overflow: the increment alone.
      const live = series;
      return {
        inc(value = 1) {
          if (value !== 1) checkIncrement(metric.name, value);
          live.value += value;
        },
        incExemplar(value, labels) {
          checkIncrement(metric.name, value);
          const exemplar = createExemplar(metric.name, labels, value);
          live.value += value;
          metric.#keepExemplar(live, exemplar);
        },
        get: () => live.value,
      };
    }
    return {
      inc(value = 1) {
        checkIncrement(metric.name, value);
        if (!metric.keep()) return;
        if (series.removed) series = metric.revive(series);
        series.value += value * metric.sampleRate;
        metric.note(series);
      },
      incExemplar(value, labels) {
        checkIncrement(metric.name, value);
        const exemplar = createExemplar(metric.name, labels, value);
        if (!metric.keep()) return;
        if (series.removed) series = metric.revive(series);
        series.value += value * metric.sampleRate;
        metric.#keepExemplar(series, exemplar);
        metric.note(series);
      },
      get: () => (series.removed ? 0 : series.value),
    };
  }

  override collect(): void {
    this.#collect?.(this);
  }

  sampleNames(): readonly string[] {
    return [`${this.name}_total`];
  }

  protected writeSamples(
    all: readonly CounterSeries[],
    from: number,
    to: number,
    openMetrics: boolean,
  ): string {
    let out = '';
    const sample = `${this.name}_total`;
    if (openMetrics && this.#exemplars) {
      for (let i = from; i < to; i++) {
        const series = all[i] as CounterSeries;
        out += `${sample}${braces(series.labelText)} ${formatValue(series.value)}${exemplarText(series.exemplar)}\n`;
      }
      return out;
    }
    for (let i = from; i < to; i++) {
      const series = all[i] as CounterSeries;
      out += `${sample}${braces(series.labelText)} ${formatValue(series.value)}\n`;
    }
    return out;
  }
}
