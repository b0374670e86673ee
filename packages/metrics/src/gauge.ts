import { checkOptionalFunction } from '@breakwater/core';
import { braces, Metric } from './metric.js';
import { type MetricContext, type MetricOptions, resolveMetricOptions } from './options.js';
import type { Labels, SeriesBase } from './series-store.js';
import { formatValue } from './text.js';

/** Options of {@link Registry.gauge}. */
export interface GaugeOptions<L extends string = never> extends MetricOptions<L> {
  /**
   * Called at every scrape before the values are read, to `set` them from the source
   * (a queue length, a pool's `stats()`). It runs synchronously; if it throws, the scrape
   * throws. @default none
   */
  collect?: ((gauge: Gauge<L>) => void) | undefined;
}

interface GaugeSeries extends SeriesBase {
  value: number;
}

function checkFinite(metric: string, what: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(
      `Metric "${metric}": ${what} must be a finite number, got ${String(value)} (${typeof value})`,
    );
  }
}

/** A gauge bound to one label combination: its calls go straight to its series. */
export interface GaugeChild {
  /** Sets the value (finite). */
  set(value: number): void;
  /** Adds `value` (finite). @default 1 */
  inc(value?: number): void;
  /** Subtracts `value` (finite). @default 1 */
  dec(value?: number): void;
  /** The current value. */
  get(): number;
}

/** A value that goes up and down. */
export class Gauge<L extends string = never> extends Metric<GaugeSeries> {
  readonly type = 'gauge';
  readonly #collect: ((gauge: Gauge<L>) => void) | undefined;

  /** @internal Built by {@link Registry.gauge}. */
  constructor(options: GaugeOptions<L>, context: MetricContext) {
    const resolved = resolveMetricOptions('gauge', options, ['collect'], context.maxSeries);
    super(resolved, options, context);
    this.#collect = checkOptionalFunction('collect', options.collect);
  }

  protected createSeries(
    values: readonly string[],
    labelText: string,
    overflow: boolean,
  ): GaugeSeries {
    return { values, labelText, overflow, touched: 0, removed: false, value: 0 };
  }

  #series(labelsOrValue: Labels<L> | number | undefined): GaugeSeries {
    return labelsOrValue === undefined || typeof labelsOrValue === 'number'
      ? this.single()
      : this.resolve(labelsOrValue);
  }

  /** Adds `value`, checked first (`dec` passes its value negated, after checking it). */
  #add(series: GaugeSeries, value: number): void {
    series.value += value;
    this.note(series);
  }

  /** The amount of an `inc` or `dec`: `value`, or 1 when it is `undefined`; checked. */
  #amount(
    labelsOrValue: Labels<L> | number | undefined,
    value: number | undefined,
    what: string,
  ): number {
    const amount =
      typeof labelsOrValue === 'number' ? labelsOrValue : value === undefined ? 1 : value;
    checkFinite(this.name, what, amount);
    return amount;
  }

  /** Sets the unlabelled series, or the series of `labels`, to `value`. */
  set(...args: [L] extends [never] ? [value: number] : [labels: Labels<L>, value: number]): void;
  set(labelsOrValue: Labels<L> | number, value?: number): void {
    const amount = typeof labelsOrValue === 'number' ? labelsOrValue : (value as number);
    // Checked before the lookup: a refused value creates no series.
    checkFinite(this.name, 'a gauge value', amount);
    const series = this.#series(labelsOrValue);
    series.value = amount;
    this.note(series);
  }

  /** Adds 1 (or `value`). */
  inc(...args: [L] extends [never] ? [value?: number] : [labels: Labels<L>, value?: number]): void;
  inc(labelsOrValue?: Labels<L> | number, value?: number): void {
    const amount = this.#amount(labelsOrValue, value, 'a gauge increment');
    this.#add(this.#series(labelsOrValue), amount);
  }

  /** Subtracts 1 (or `value`). */
  dec(...args: [L] extends [never] ? [value?: number] : [labels: Labels<L>, value?: number]): void;
  dec(labelsOrValue?: Labels<L> | number, value?: number): void {
    const amount = this.#amount(labelsOrValue, value, 'a gauge decrement');
    this.#add(this.#series(labelsOrValue), -amount);
  }

  /** The current value of the unlabelled series, or of the series of `labels`. */
  get(...args: [L] extends [never] ? [] : [labels: Labels<L>]): number;
  get(labels?: Labels<L>): number {
    return (labels === undefined ? this.single() : this.find(labels))?.value ?? 0;
  }

  /** The series of `labels`, resolved once: its calls do no lookup. */
  labels(labels: Labels<L>): GaugeChild {
    let series = this.resolve(labels);
    const live = () => {
      if (series.removed) series = this.revive(series);
      return series;
    };
    return {
      set: (value) => {
        checkFinite(this.name, 'a gauge value', value);
        const target = live();
        target.value = value;
        this.note(target);
      },
      inc: (value = 1) => {
        checkFinite(this.name, 'a gauge increment', value);
        this.#add(live(), value);
      },
      dec: (value = 1) => {
        checkFinite(this.name, 'a gauge decrement', value);
        this.#add(live(), -value);
      },
      get: () => (series.removed ? 0 : series.value),
    };
  }

  override collect(): void {
    this.#collect?.(this);
  }

  sampleNames(): readonly string[] {
    return [this.name];
  }

  protected writeSamples(all: readonly GaugeSeries[], from: number, to: number): string {
    let out = '';
    for (let i = from; i < to; i++) {
      const series = all[i] as GaugeSeries;
      out += `${this.name}${braces(series.labelText)} ${formatValue(series.value)}\n`;
    }
    return out;
  }
}
