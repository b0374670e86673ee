import {
  checkClock,
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkOneOf,
  checkOptionalFunction,
  checkOptions,
} from '@breakwater/core';
import { Counter, type CounterOptions } from './counter.js';
import { MetricsRegistrationError } from './errors.js';
import { contentFor } from './exposition.js';
import { Gauge, type GaugeOptions } from './gauge.js';
import { Histogram, type HistogramOptions } from './histogram.js';
import type { ExpositionFormat, Metric } from './metric.js';
import type { MetricContext, RegistryOptions } from './options.js';
import type { SeriesBase } from './series-store.js';
import { Summary, type SummaryOptions } from './summary.js';
import { escapeLabelValue, flattened } from './text.js';

type AnyMetric = Metric<SeriesBase>;
type RegisteredMetric = Counter<string> | Gauge<string> | Histogram<string> | Summary<string>;

/** The self-metric counting measurements that went into an overflow series. */
export const OVERFLOW_METRIC = 'breakwater_metrics_overflow';

/** Options of {@link Registry.textAsync} and {@link Registry.exposeAsync}. */
export interface TextAsyncOptions {
  /** Let other work run once this long has passed since the last break, in ms (>= 0). @default 50 */
  yieldEveryMs?: number | undefined;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A scrape: the exposition text and the `Content-Type` to send it with. */
export interface Exposition {
  readonly body: string;
  readonly contentType: string;
}

/**
 * True when two option values are the same: arrays element by element, plain objects
 * (`maxLabelValues`, `normalize`) key by key, anything else (functions included) by
 * identity.
 */
function sameOption(x: unknown, y: unknown): boolean {
  if (Array.isArray(x) && Array.isArray(y))
    return x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
  if (
    typeof x === 'object' &&
    typeof y === 'object' &&
    x !== null &&
    y !== null &&
    !Array.isArray(x) &&
    !Array.isArray(y)
  ) {
    const a = x as Record<string, unknown>;
    const b = y as Record<string, unknown>;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!Object.is(a[key], b[key])) return false;
    return true;
  }
  return Object.is(x, y);
}

/**
 * True when two definitions of the metric of one name are the same. The name is left out:
 * the metrics already share it, and a counter's may be spelt with or without `_total`.
 */
function sameDefinition(
  a: Readonly<Record<string, unknown>>,
  b: Readonly<Record<string, unknown>>,
): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (key !== 'name' && !sameOption(a[key], b[key])) return false;
  return true;
}

/**
 * The first of `samples` that a family of `registry` already writes, or that the registry
 * keeps for itself; `undefined` when all are free. For {@link collectProcessMetrics}, which
 * checks every name before registering any. Set by the class's static block, so that it
 * reads the registry's private state without making it public.
 */
export let takenSample: (registry: Registry, samples: readonly string[]) => string | undefined;

/**
 * Holds metrics by name and writes them out. A name registered again with the same type
 * and the same options (compared value by value; functions by identity) returns the
 * metric already registered; anything else throws {@link MetricsRegistrationError}.
 */
export class Registry {
  readonly #metrics = new Map<string, AnyMetric>();
  /** Sample name → family name, to refuse two families writing the same sample. */
  readonly #samples = new Map<string, string>();
  readonly #context: MetricContext;
  /**
   * Metrics whose `collect` is running: a scrape started from within one (re-entrant)
   * writes that metric as it is rather than collecting it again, which would recurse.
   */
  readonly #collecting = new Set<AnyMetric>();

  static {
    takenSample = (registry, samples) =>
      samples.find((sample) => registry.#samples.has(sample) || sample.startsWith(OVERFLOW_METRIC));
  }

  constructor(options?: RegistryOptions) {
    const raw = checkOptions('registry options', options);
    checkKnownKeys('registry options', raw, ['maxSeriesPerMetric', 'clock', 'random']);
    this.#context = Object.freeze({
      maxSeries: checkInteger('maxSeriesPerMetric', raw.maxSeriesPerMetric, {
        min: 1,
        default: 10_000,
      }),
      clock: checkClock('clock', raw.clock),
      random: checkOptionalFunction<() => number>('random', raw.random) ?? Math.random,
    });
  }

  /** Registers (or returns the identical) counter. */
  counter<L extends string = never>(options: CounterOptions<L>): Counter<L> {
    return this.#register('counter', options, () => new Counter<L>(options, this.#context));
  }

  /** Registers (or returns the identical) gauge. */
  gauge<L extends string = never>(options: GaugeOptions<L>): Gauge<L> {
    return this.#register('gauge', options, () => new Gauge<L>(options, this.#context));
  }

  /** Registers (or returns the identical) histogram. */
  histogram<L extends string = never>(options: HistogramOptions<L>): Histogram<L> {
    return this.#register('histogram', options, () => new Histogram<L>(options, this.#context));
  }

  /** Registers (or returns the identical) summary. */
  summary<L extends string = never>(options: SummaryOptions<L>): Summary<L> {
    return this.#register('summary', options, () => new Summary<L>(options, this.#context));
  }

  #register<M>(type: string, options: object, create: () => M): M {
    const metric = create() as AnyMetric;
    const existing = this.#metrics.get(metric.name);
    if (existing !== undefined) {
      if (existing.type !== type)
        throw new MetricsRegistrationError(metric.name, `as a ${existing.type}`);
      if (!sameDefinition(existing.definition, options as Record<string, unknown>)) {
        throw new MetricsRegistrationError(metric.name, `as a ${type} with other options`);
      }
      return existing as M;
    }
    for (const sample of [metric.name, ...metric.sampleNames()]) {
      const owner = this.#samples.get(sample);
      if (owner !== undefined || sample.startsWith(OVERFLOW_METRIC)) {
        throw new MetricsRegistrationError(
          metric.name,
          owner === undefined ? 'by the registry itself' : `: "${owner}" writes "${sample}"`,
        );
      }
    }
    for (const sample of [metric.name, ...metric.sampleNames()])
      this.#samples.set(sample, metric.name);
    this.#metrics.set(metric.name, metric);
    return metric as M;
  }

  /** The metric registered under `name` (a counter's family name, without `_total`). */
  get(name: string): RegisteredMetric | undefined {
    const metric = this.#metrics.get(name);
    if (metric !== undefined) return metric as RegisteredMetric;
    // `x_total` names counter `x`, and nothing else: a gauge `x` writes no `x_total`.
    const family = this.#metrics.get(name.replace(/_total$/, ''));
    return family?.type === 'counter' ? (family as RegisteredMetric) : undefined;
  }

  /**
   * Writes every metric in `format`: `'prometheus'` (text 0.0.4) or `'openmetrics'` (1.0,
   * ending in `# EOF`). Built from the same parts as {@link textAsync}, each made one flat
   * string before it is appended: a body of many series stays a short chain of parts, which
   * is much cheaper to encode or send than a chain of one piece per value.
   */
  text(format: ExpositionFormat = 'prometheus'): string {
    checkOneOf('format', format, ['prometheus', 'openmetrics']);
    let body = '';
    for (const part of this.#families(format)) body += flattened(part);
    return body;
  }

  /**
   * {@link text} without holding the event loop for long. Each metric is written in parts
   * (its metadata, then about a thousand sample lines at a time); after each part, once
   * `yieldEveryMs` (read from the registry's `clock`) have passed since the last break, it
   * lets other work run (`setImmediate`) before the next part, so a metric of many series
   * does not hold the loop either. The series of a metric are listed when its family
   * starts: a series created during a break is left to the next scrape, one that expired
   * during a break (swept by another scrape) is written as the live series of the same
   * labels or left out, and none is written twice. The numbers written are those a series
   * holds when its part is written, not when the scrape started.
   */
  async textAsync(
    format: ExpositionFormat = 'prometheus',
    options?: TextAsyncOptions,
  ): Promise<string> {
    checkOneOf('format', format, ['prometheus', 'openmetrics']);
    const raw = checkOptions('textAsync options', options);
    checkKnownKeys('textAsync options', raw, ['yieldEveryMs']);
    const yieldEveryMs = checkNumber('yieldEveryMs', raw.yieldEveryMs, { min: 0, default: 50 });
    const clock = this.#context.clock;
    let body = '';
    let since = clock.now();
    for (const part of this.#families(format)) {
      body += flattened(part);
      if (clock.now() - since >= yieldEveryMs) {
        await nextTurn();
        since = clock.now();
      }
    }
    return body;
  }

  /**
   * Each metric's family in parts ({@link Metric.slices}), then the overflow self-metric,
   * then `# EOF` for OpenMetrics.
   */
  *#families(format: ExpositionFormat): Generator<string> {
    let overflow = '';
    for (const metric of this.#metrics.values()) {
      metric.sweep();
      if (!this.#collecting.has(metric)) {
        this.#collecting.add(metric);
        try {
          metric.collect();
        } finally {
          this.#collecting.delete(metric);
        }
      }
      yield* metric.slices(format);
      if (metric.overflowed > 0) {
        overflow += `${OVERFLOW_METRIC}_total{metric="${escapeLabelValue(metric.name)}"} ${metric.overflowed}\n`;
      }
    }
    if (overflow !== '') {
      const family = format === 'openmetrics' ? OVERFLOW_METRIC : `${OVERFLOW_METRIC}_total`;
      yield `# HELP ${family} Measurements recorded into the overflow series of a metric that reached its series limit.\n# TYPE ${family} counter\n${overflow}`;
    }
    if (format === 'openmetrics') yield '# EOF\n';
  }

  /** Writes every metric in the format the `Accept` header asks for (see {@link contentFor}). */
  expose(accept?: string | null): Exposition {
    const { format, contentType } = contentFor(accept);
    return { body: this.text(format), contentType };
  }

  /** {@link expose} through {@link textAsync}. */
  async exposeAsync(accept?: string | null, options?: TextAsyncOptions): Promise<Exposition> {
    const { format, contentType } = contentFor(accept);
    return { body: await this.textAsync(format, options), contentType };
  }
}
