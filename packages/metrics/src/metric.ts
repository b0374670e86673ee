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

  /** Appends this metric's family to the exposition text. */
  write(format: ExpositionFormat): string {
    const om = format === 'openmetrics';
    // The text format 0.0.4 names a counter's metadata after its sample (`x_total`);
    // OpenMetrics names it after the family (`x`).
    const family = !om && this.type === 'counter' ? `${this.name}_total` : this.name;
    const help =
      this.sampleRate === 1 ? this.help : `${this.help} (sampled 1 in ${this.sampleRate})`;
    let out = `# HELP ${family} ${escapeHelp(help, om)}\n# TYPE ${family} ${this.type}\n`;
    if (om && this.unit !== undefined) out += `# UNIT ${family} ${this.unit}\n`;
    return out + this.writeSamples();
  }

  /** The sample lines of every series. */
  protected abstract writeSamples(): string;
}

/** `{labels}` or nothing. */
export function braces(labelText: string): string {
  return labelText === '' ? '' : `{${labelText}}`;
}
