import { type Clock, checkInteger, checkNumber, invalidMessage } from '@breakwater/core';
import { MetricsLabelError } from './errors.js';
import { braces, Metric } from './metric.js';
import {
  type MetricContext,
  type MetricOptions,
  resolveMetricOptions,
  type SampledMetricOptions,
} from './options.js';
import type { Labels, SeriesBase } from './series-store.js';
import { SlidingWindow } from './sliding-window.js';
import { formatValue } from './text.js';

/** Options of {@link Registry.summary}. */
export interface SummaryOptions<L extends string = never>
  extends MetricOptions<L>,
    SampledMetricOptions {
  /**
   * The quantiles to report, each strictly between 0 and 1, distinct (any order; written
   * in increasing order). An empty array reports only `_sum` and `_count`. `quantile` is
   * not a label name. @default [0.5, 0.9, 0.99]
   */
  percentiles?: readonly number[] | undefined;
  /**
   * Observations older than this no longer count toward the quantiles (`_sum` and
   * `_count` keep them). Compared with clock readings, no timer: up to 2^52 - 1 ms, and at
   * least 1 ms per sub-window (`maxAgeMs >= ageBuckets`). @default 600000 (10 minutes)
   */
  maxAgeMs?: number | undefined;
  /**
   * Sub-windows the window slides by: every `maxAgeMs / ageBuckets` ms the oldest one is
   * dropped, so the quantiles cover between `maxAgeMs × (1 − 1 / ageBuckets)` and
   * `maxAgeMs` of history. An integer from 1 to 60. @default 5
   */
  ageBuckets?: number | undefined;
}

interface SummarySeries extends SeriesBase {
  /** The recent observations; `undefined` when no quantile is reported. */
  readonly window: SlidingWindow | undefined;
  /** All-time sum and count. */
  sum: number;
  count: number;
}

/** A summary bound to one label combination: `observe` goes straight to its series. */
export interface SummaryChild {
  /** Records one observation (finite). */
  observe(value: number): void;
  /** Starts a timer; calling the returned function observes the seconds elapsed and returns them. */
  startTimer(): () => number;
}

const DEFAULT_PERCENTILES: readonly number[] = Object.freeze([0.5, 0.9, 0.99]);
/** The most sub-windows a summary may have: each holds a sketch per series. */
const MAX_AGE_BUCKETS = 60;

function resolvePercentiles(metric: string, value: unknown): readonly number[] {
  if (value === undefined) return DEFAULT_PERCENTILES;
  const option = `percentiles\` of metric \`${metric}`;
  const what = 'an array of distinct numbers strictly between 0 and 1';
  if (!Array.isArray(value)) throw new TypeError(invalidMessage(option, what, value));
  for (const q of value) {
    if (typeof q !== 'number' || !(q > 0 && q < 1)) {
      throw new RangeError(invalidMessage(option, what, q));
    }
  }
  const sorted = [...(value as number[])].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) throw new RangeError(invalidMessage(option, what, sorted[i]));
  }
  return Object.freeze(sorted);
}

/**
 * Observations summarised as quantiles over a sliding time window (`maxAgeMs`), with their
 * all-time sum and count. Each series keeps a ring of `ageBuckets` quantile sketches of
 * bounded size; every quantile is within 1 % (relative) of the true one.
 */
export class Summary<L extends string = never> extends Metric<SummarySeries> {
  readonly type = 'summary';
  /** The quantiles reported, in increasing order. */
  readonly percentiles: readonly number[];
  /** How long an observation counts toward the quantiles, in ms. */
  readonly maxAgeMs: number;
  /** The number of sub-windows the window slides by. */
  readonly ageBuckets: number;
  readonly #quantileText: readonly string[];
  readonly #stepMs: number;
  readonly #clock: Clock;

  /** @internal Built by {@link Registry.summary}. */
  constructor(options: SummaryOptions<L>, context: MetricContext) {
    const resolved = resolveMetricOptions(
      'summary',
      options,
      ['percentiles', 'maxAgeMs', 'ageBuckets', 'sampleRate'],
      context.maxSeries,
    );
    if (resolved.labelNames.includes('quantile')) {
      throw new MetricsLabelError(
        resolved.name,
        'quantile',
        'reserved for the quantile of a summary',
      );
    }
    const percentiles = resolvePercentiles(resolved.name, options.percentiles);
    const maxAgeMs = checkNumber('maxAgeMs', options.maxAgeMs, {
      min: 0,
      exclusiveMin: true,
      max: Number.MAX_SAFE_INTEGER / 2,
      default: 600_000,
    });
    const ageBuckets = checkInteger('ageBuckets', options.ageBuckets, {
      min: 1,
      max: MAX_AGE_BUCKETS,
      default: 5,
    });
    if (maxAgeMs < ageBuckets) {
      // A sub-window under 1 ms would let window numbers outrun a double's precision.
      throw new RangeError(
        `Metric "${resolved.name}": maxAgeMs must be at least 1 ms per sub-window (ageBuckets ${ageBuckets}), got ${maxAgeMs}`,
      );
    }
    super(resolved, options, context);
    this.percentiles = percentiles;
    this.maxAgeMs = maxAgeMs;
    this.ageBuckets = ageBuckets;
    this.#stepMs = maxAgeMs / ageBuckets;
    this.#quantileText = percentiles.map(formatValue);
    this.#clock = context.clock;
  }

  protected createSeries(
    values: readonly string[],
    labelText: string,
    overflow: boolean,
  ): SummarySeries {
    return {
      values,
      labelText,
      overflow,
      touched: 0,
      removed: false,
      window:
        this.percentiles.length === 0
          ? undefined
          : new SlidingWindow(this.ageBuckets, this.#stepMs),
      sum: 0,
      count: 0,
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
  #add(series: SummarySeries, value: number): void {
    const weight = this.sampleRate;
    series.window?.add(value, weight, this.#clock.now());
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
   * Starts a timer; the returned function observes the seconds elapsed (read from the
   * registry's `clock`) into the series of `labels` and returns them.
   */
  startTimer(...args: [L] extends [never] ? [] : [labels: Labels<L>]): () => number;
  startTimer(labels?: Labels<L>): () => number {
    const series = labels === undefined ? this.single() : this.resolve(labels);
    return this.#timer(() => (series.removed ? this.revive(series) : series));
  }

  #timer(target: () => SummarySeries): () => number {
    const start = this.#clock.now();
    return () => {
      const seconds = (this.#clock.now() - start) / 1000;
      if (this.#kept(seconds)) this.#add(target(), seconds);
      return seconds;
    };
  }

  /** The series of `labels`, resolved once: its `observe` does no lookup. */
  labels(labels: Labels<L>): SummaryChild {
    let series = this.resolve(labels);
    const live = () => {
      if (series.removed) series = this.revive(series);
      return series;
    };
    return {
      observe: (value) => {
        if (this.#kept(value)) this.#add(live(), value);
      },
      startTimer: () => this.#timer(live),
    };
  }

  /**
   * All-time count and sum, and the quantiles over the window now (one per entry of
   * {@link percentiles}, `NaN` while the window is empty), of the unlabelled series or of
   * the series of `labels`.
   */
  get(...args: [L] extends [never] ? [] : [labels: Labels<L>]): {
    count: number;
    sum: number;
    quantiles: number[];
  };
  get(labels?: Labels<L>): { count: number; sum: number; quantiles: number[] } {
    const series = labels === undefined ? this.single() : this.find(labels);
    if (series === undefined) {
      return { count: 0, sum: 0, quantiles: this.percentiles.map(() => Number.NaN) };
    }
    return { count: series.count, sum: series.sum, quantiles: this.#quantiles(series) };
  }

  #quantiles(series: SummarySeries): number[] {
    return series.window === undefined
      ? []
      : series.window.quantiles(this.percentiles, this.#clock.now());
  }

  sampleNames(): readonly string[] {
    return [`${this.name}_sum`, `${this.name}_count`];
  }

  /** Series per part in an asynchronous exposition: about a thousand sample lines. */
  protected override get sliceSeries(): number {
    return Math.max(1, Math.floor(1024 / (this.#quantileText.length + 2)));
  }

  protected writeSamples(
    all: readonly SummarySeries[],
    from: number,
    to: number,
    _openMetrics: boolean,
  ): string {
    let out = '';
    const name = this.name;
    const quantileText = this.#quantileText;
    for (let s = from; s < to; s++) {
      const series = all[s] as SummarySeries;
      const prefix = series.labelText === '' ? '{quantile="' : `{${series.labelText},quantile="`;
      const quantiles = this.#quantiles(series);
      for (let i = 0; i < quantiles.length; i++) {
        out += `${name}${prefix}${quantileText[i]}"} ${formatValue(quantiles[i] as number)}\n`;
      }
      const rest = braces(series.labelText);
      out += `${name}_sum${rest} ${formatValue(series.sum)}\n${name}_count${rest} ${series.count}\n`;
    }
    return out;
  }
}
