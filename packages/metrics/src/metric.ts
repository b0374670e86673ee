import type { MetricContext, ResolvedMetricOptions } from './options.js';
import { type SeriesBase, SeriesStore } from './series-store.js';
import { escapeHelp } from './text.js';

/** The metric types. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** The exposition formats. */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

/**
 * What the registry needs of every metric: its definition (to compare a re-registration),
 * the sample names it writes (to refuse clashes) and its exposition.
 */
export abstract class Metric<S extends SeriesBase> extends SeriesStore<S> {
  /** The metric type. */
  abstract readonly type: MetricType;
  /** The HELP text. */
  readonly help: string;
  /** The OpenMetrics unit, if any. */
  readonly unit: string | undefined;
  /** The options as given, to compare a second registration of the same name. */
  readonly definition: Readonly<Record<string, unknown>>;

  /** One measurement in `sampleRate` is kept (1: all). */
  readonly sampleRate: number;
  readonly #random: () => number;

  constructor(options: ResolvedMetricOptions, definition: object, context: MetricContext) {
    super(options.name, options.labelNames, {
      maxSeries: options.maxSeries,
      maxLabelValues: options.maxLabelValues,
      ttlMs: options.ttlMs,
      normalize: options.normalize,
      clock: context.clock,
      weight: options.sampleRate,
    });
    this.sampleRate = options.sampleRate;
    this.#random = context.random;
    this.help = options.help;
    this.unit = options.unit;
    this.definition = { ...definition };
  }

  /** True when this measurement is kept: always without sampling, one in `sampleRate` at random otherwise. */
  protected keep(): boolean {
    return this.sampleRate === 1 || this.#random() * this.sampleRate < 1;
  }

  /** The sample names this metric writes (`x_total`, `x_bucket`, …). */
  abstract sampleNames(): readonly string[];

  /** Runs scrape-time callbacks; called before {@link write}. */
  collect(): void {}

  /**
   * This metric's family in parts, so that an exposition can let other work run between
   * them: the metadata lines, then the samples of at most {@link sliceSeries} series per
   * part. The list of series is copied when the family starts, so a series created during
   * a break is left to the next scrape and none is written twice. A series that expired
   * during a break (swept by another scrape) is written as the live series of the same
   * labels if one exists by then, and left out otherwise. The lines of one series are
   * always written together, from the numbers it holds at that moment.
   */
  *slices(format: ExpositionFormat): Generator<string, void, undefined> {
    const snapshot = this.all().slice();
    const om = format === 'openmetrics';
    yield this.#header(format);
    const size = this.sliceSeries;
    for (let from = 0; from < snapshot.length; from += size) {
      const to = Math.min(from + size, snapshot.length);
      let part: S[] | undefined;
      for (let i = from; i < to; i++) {
        const series = snapshot[i] as S;
        if (series.removed) {
          part ??= snapshot.slice(from, i);
          const live = this.liveOf(series);
          if (live !== undefined) part.push(live);
        } else part?.push(series);
      }
      yield part === undefined
        ? this.writeSamples(snapshot, from, to, om)
        : this.writeSamples(part, 0, part.length, om);
    }
  }

  /** Series per part in {@link slices}: about a thousand sample lines. */
  protected get sliceSeries(): number {
    return 1024;
  }

  #header(format: ExpositionFormat): string {
    const om = format === 'openmetrics';
    // The text format 0.0.4 names a counter's metadata after its sample (`x_total`);
    // OpenMetrics names it after the family (`x`).
    const family = !om && this.type === 'counter' ? `${this.name}_total` : this.name;
    const help =
      this.sampleRate === 1 ? this.help : `${this.help} (sampled 1 in ${this.sampleRate})`;
    const out = `# HELP ${family} ${escapeHelp(help, om)}\n# TYPE ${family} ${this.type}\n`;
    return om && this.unit !== undefined ? `${out}# UNIT ${family} ${this.unit}\n` : out;
  }

  /**
   * The sample lines of `series[from]` to `series[to - 1]`; OpenMetrics (`openMetrics`)
   * adds the exemplars of the types that keep them.
   */
  protected abstract writeSamples(
    series: readonly S[],
    from: number,
    to: number,
    openMetrics: boolean,
  ): string;
}

/** `{labels}` or nothing. */
export function braces(labelText: string): string {
  return labelText === '' ? '' : `{${labelText}}`;
}
