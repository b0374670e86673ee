import type { Clock } from '@breakwater/core';
import { braces, Metric } from './metric.js';
import { type MetricOptions, resolveMetricOptions } from './options.js';
import type { Labels, SeriesBase } from './series-store.js';
import { formatValue } from './text.js';

/** Options of {@link Registry.counter}. */
export interface CounterOptions<L extends string = never> extends MetricOptions<L> {}

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

  /** @internal Built by {@link Registry.counter}. */
  constructor(options: CounterOptions<L>, defaultMaxSeries: number, clock: Clock) {
    const resolved = resolveMetricOptions('counter', options, [], defaultMaxSeries);
    super({ ...resolved, name: resolved.name.replace(/_total$/, '') }, options, clock);
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
    let series: CounterSeries;
    let amount: number;
    if (labelsOrValue === undefined || typeof labelsOrValue === 'number') {
      series = this.single();
      amount = labelsOrValue ?? 1;
    } else {
      series = this.resolve(labelsOrValue);
      amount = value ?? 1;
    }
    checkIncrement(this.name, amount);
    series.value += amount;
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
    return {
      inc(value = 1) {
        checkIncrement(metric.name, value);
        if (series.removed) series = metric.revive(series);
        series.value += value;
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
