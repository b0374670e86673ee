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
    SampledMetricOptions {}

interface CounterSeries extends SeriesBase {
  value: number;
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

  /** @internal Built by {@link Registry.counter}. */
  constructor(options: CounterOptions<L>, context: MetricContext) {
    const resolved = resolveMetricOptions('counter', options, ['sampleRate'], context.maxSeries);
    super({ ...resolved, name: resolved.name.replace(/_total$/, '') }, options, context);
    // createSeries reads no field of this class, so the series can be made here.
    this.#plain =
      resolved.labelNames.length === 0 && resolved.sampleRate === 1 ? this.single() : undefined;
  }

  protected createSeries(
    values: readonly string[],
    labelText: string,
    overflow: boolean,
  ): CounterSeries {
    return { values, labelText, overflow, touched: 0, removed: false, value: 0 };
  }

  /** Adds 1 (or `value`) to the unlabelled series, or to the series of `labels`. */
  inc(...args: [L] extends [never] ? [value?: number] : [labels: Labels<L>, value?: number]): void;
  inc(labelsOrValue?: Labels<L> | number, value?: number): void {
    const plain = this.#plain;
    if (plain !== undefined && labelsOrValue === undefined) {
      plain.value++;
      return;
    }
    if (typeof labelsOrValue === 'object' && this.sampleRate === 1) {
      // A label object and nothing to sample: the same steps as below, without the branches.
      if (value != null) checkIncrement(this.name, value);
      const series = this.resolve(labelsOrValue);
      series.value += value ?? 1;
      this.note(series);
      return;
    }
    const unlabelled = labelsOrValue === undefined || typeof labelsOrValue === 'number';
    const amount = unlabelled ? (labelsOrValue ?? 1) : (value ?? 1);
    checkIncrement(this.name, amount);
    if (!this.keep()) return;
    const series = unlabelled ? this.single() : this.resolve(labelsOrValue);
    series.value += amount * this.sampleRate;
    this.note(series);
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
      get: () => (series.removed ? 0 : series.value),
    };
  }

  sampleNames(): readonly string[] {
    return [`${this.name}_total`];
  }

  protected writeSamples(): string {
    let out = '';
    const sample = `${this.name}_total`;
    for (const series of this.all()) {
      out += `${sample}${braces(series.labelText)} ${formatValue(series.value)}\n`;
    }
    return out;
  }
}
