import { MetricsLabelError } from './errors.js';
import { escapeLabelValue } from './text.js';

/** A label value: a string, or a number (written as `String(n)`, so `200` and `'200'` are one series). */
export type LabelValue = string | number;

/** The labels of one measurement: every declared label name, and no other. */
export type Labels<L extends string> = { readonly [K in L]: LabelValue };

/** The label value every label of the overflow series carries. */
export const OVERFLOW_VALUE = '__overflow__';

/** What every series of every metric type holds besides its numbers. */
export interface SeriesBase {
  /** The label values, in declared order. */
  readonly values: readonly string[];
  /** The labels as written in the exposition, without braces: `a="x",b="y"` (or `''`). */
  readonly labelText: string;
  /** True for the one overflow series of a metric. */
  readonly overflow: boolean;
}

/** Limits a series store enforces, resolved by the registry. */
export interface StoreLimits {
  readonly maxSeries: number;
}

type Level<S> = Map<string, Level<S> | S>;

/**
 * The series of one metric, found by label values without hashing or sorting: a chain of
 * Maps, one level per declared label, so a lookup is one `Map.get` per label and never
 * builds a key string. The label object is read in declared order.
 *
 * Past `maxSeries` distinct series, a new label combination resolves to the overflow
 * series, whose labels all carry {@link OVERFLOW_VALUE}; it is created on first use and
 * is not counted in `maxSeries`.
 */
export abstract class SeriesStore<S extends SeriesBase> {
  /** The metric's family name. */
  readonly name: string;
  /** The declared label names, in order. */
  readonly labelNames: readonly string[];
  /** Measurements recorded into the overflow series since construction. */
  overflowed = 0;

  readonly #limits: StoreLimits;
  readonly #root: Level<S> = new Map();
  readonly #all: S[] = [];
  #single: S | undefined;
  #overflow: S | undefined;

  constructor(name: string, labelNames: readonly string[], limits: StoreLimits) {
    this.name = name;
    this.labelNames = labelNames;
    this.#limits = limits;
  }

  /** Builds a new series with its numbers at zero. */
  protected abstract createSeries(
    values: readonly string[],
    labelText: string,
    overflow: boolean,
  ): S;

  /** The number of series, the overflow series included once created. */
  get seriesCount(): number {
    if (this.labelNames.length === 0) this.single();
    return this.#all.length + (this.#overflow === undefined ? 0 : 1);
  }

  /** The series of a metric without labels. @throws MetricsLabelError when labels are declared. */
  protected single(): S {
    const single = this.#single;
    if (single !== undefined) return single;
    if (this.labelNames.length === 0) {
      // Created on first use rather than in the constructor, where a subclass's fields are not set yet.
      this.#single = this.createSeries([], '', false);
      this.#all.push(this.#single);
      return this.#single;
    }
    throw new MetricsLabelError(this.name, this.labelNames[0] as string, 'missing label value');
  }

  /** Finds or creates the series of `labels`. @throws MetricsLabelError on a label mismatch. */
  protected resolve(labels: object): S {
    return this.#lookup(labels, true) as S;
  }

  /** Finds the series of `labels` without creating it. @throws MetricsLabelError on a label mismatch. */
  protected find(labels: object): S | undefined {
    return this.#lookup(labels, false);
  }

  #lookup(labels: object, create: boolean): S | undefined {
    const names = this.labelNames;
    const n = names.length;
    if (n === 0) {
      if (typeof labels === 'object' && labels !== null) {
        for (const key in labels)
          throw new MetricsLabelError(
            this.name,
            key,
            'unknown label; the metric declares no labels',
          );
        return this.single();
      }
      throw new TypeError(`Metric "${this.name}": expected a labels object, got ${typeof labels}`);
    }
    if (typeof labels !== 'object' || labels === null) {
      throw new TypeError(
        `Metric "${this.name}": expected a labels object, got ${labels === null ? 'null' : typeof labels}`,
      );
    }
    let count = 0;
    for (const _ in labels) count++;
    if (count !== n) this.#mismatch(labels);
    let level: Level<S> = this.#root;
    for (let i = 0; i < n - 1; i++) {
      const next = level.get(this.#value(labels, i));
      if (next === undefined) return create ? this.#create(labels) : this.#findOverflow(labels);
      level = next as Level<S>;
    }
    const found = level.get(this.#value(labels, n - 1));
    if (found !== undefined) return found as S;
    return create ? this.#create(labels) : this.#findOverflow(labels);
  }

  /** Every series, the overflow series last; an unlabelled metric always has its one series. */
  protected all(): readonly S[] {
    if (this.labelNames.length === 0) this.single();
    return this.#overflow === undefined ? this.#all : [...this.#all, this.#overflow];
  }

  #value(labels: object, i: number): string {
    const name = this.labelNames[i] as string;
    const value = (labels as Record<string, unknown>)[name];
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
    if (value === undefined) this.#mismatch(labels);
    throw new MetricsLabelError(
      this.name,
      name,
      `expected a string or a number, got ${typeof value}`,
    );
  }

  #mismatch(labels: object): never {
    for (const name of this.labelNames) {
      if ((labels as Record<string, unknown>)[name] === undefined) {
        throw new MetricsLabelError(this.name, name, 'missing label value');
      }
    }
    for (const key of Object.keys(labels)) {
      if (!this.labelNames.includes(key)) {
        throw new MetricsLabelError(
          this.name,
          key,
          `unknown label; declared: ${this.labelNames.join(', ')}`,
        );
      }
    }
    /* c8 ignore next */
    throw new MetricsLabelError(this.name, this.labelNames[0] as string, 'label mismatch');
  }

  #isOverflow(labels: object): boolean {
    for (let i = 0; i < this.labelNames.length; i++)
      if (this.#value(labels, i) !== OVERFLOW_VALUE) return false;
    return true;
  }

  #findOverflow(labels: object): S | undefined {
    return this.#isOverflow(labels) ? this.#overflow : undefined;
  }

  #create(labels: object): S {
    const values: string[] = [];
    for (let i = 0; i < this.labelNames.length; i++) values.push(this.#value(labels, i));
    // Past the limit, or labels spelling the overflow marker: the overflow series.
    if (this.#all.length >= this.#limits.maxSeries || this.#isOverflow(labels))
      return this.#overflowSeries();
    const series = this.createSeries(values, this.#labelText(values), false);
    let level: Level<S> = this.#root;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      const key = values[i] as string;
      let next = level.get(key) as Level<S> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(key, next);
      }
      level = next;
    }
    level.set(values[last] as string, series);
    this.#all.push(series);
    return series;
  }

  #overflowSeries(): S {
    if (this.#overflow === undefined) {
      const values = this.labelNames.map(() => OVERFLOW_VALUE);
      this.#overflow = this.createSeries(values, this.#labelText(values), true);
    }
    return this.#overflow;
  }

  #labelText(values: readonly string[]): string {
    let text = '';
    for (let i = 0; i < values.length; i++) {
      if (i > 0) text += ',';
      text += `${this.labelNames[i]}="${escapeLabelValue(values[i] as string)}"`;
    }
    return text;
  }
}
