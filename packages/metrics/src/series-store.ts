import { MetricsLabelError } from './errors.js';
import { escapeLabelValue, wellFormed } from './text.js';

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
  /** Clock reading of the last measurement (kept only with a `ttlMs`). */
  touched: number;
  /** True once the series expired and left the store; a bound child then resolves it again. */
  removed: boolean;
}

/** Limits a series store enforces, resolved from the metric's and the registry's options. */
export interface StoreLimits {
  readonly maxSeries: number;
  /** Per declared label, the distinct values it may take (`Infinity` for no limit). */
  readonly maxLabelValues: readonly number[];
  /** Series not measured for this long are removed at the next scrape; `undefined`: never. */
  readonly ttlMs: number | undefined;
  readonly clock: { now(): number };
  /** What one kept measurement counts for in `overflowed` (the sample rate). */
  readonly weight: number;
  /** Per declared label, the function its values go through first; `undefined` when none has one. */
  readonly normalize?: readonly (((value: string) => string) | undefined)[] | undefined;
}

type Level<S> = Map<string, Level<S> | S>;

/** A label value as the store keys it, or `undefined` when it is not a string or a number. */
function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** True when every value spells the overflow marker. */
function isOverflow(values: readonly string[]): boolean {
  for (const value of values) if (value !== OVERFLOW_VALUE) return false;
  return true;
}

/**
 * The series of one metric, found by label values without hashing or sorting: a chain of
 * Maps, one level per declared label, so a lookup is one `Map.get` per label and never
 * builds a key string. The label object is read in declared order.
 *
 * Past `maxSeries` distinct series, or when a label would take more distinct values than
 * its `maxLabelValues`, a new label combination resolves to the overflow series, whose
 * labels all carry {@link OVERFLOW_VALUE}; it is created on first use, is not counted in
 * `maxSeries` and never expires.
 */
export abstract class SeriesStore<S extends SeriesBase> {
  /** The metric's family name. */
  readonly name: string;
  /** The declared label names, in order. */
  readonly labelNames: readonly string[];
  /** True when series expire (`ttlMs` is set): a bound child then checks that its series is live. */
  protected readonly expires: boolean;
  /** Measurements recorded into the overflow series since construction (each kept sampled one counting `sampleRate`). */
  overflowed = 0;

  readonly #limits: StoreLimits;
  readonly #root: Level<S> = new Map();
  readonly #all: S[] = [];
  #single: S | undefined;
  #overflow: S | undefined;
  /** Per label with a finite `maxLabelValues`: value → number of series using it. */
  readonly #valueCounts: (Map<string, number> | undefined)[];
  #reviving = false;
  /**
   * The label count the hit path of {@link #hit} is unrolled for (1 to 3), or 0 when every
   * lookup takes the general path (no labels, more than 3, or a normalizer).
   */
  readonly #arity: number;
  readonly #name0: string;
  readonly #name1: string;
  readonly #name2: string;

  constructor(name: string, labelNames: readonly string[], limits: StoreLimits) {
    this.name = name;
    this.labelNames = labelNames;
    this.#limits = limits;
    this.#arity = limits.normalize === undefined && labelNames.length <= 3 ? labelNames.length : 0;
    this.#name0 = labelNames[0] ?? '';
    this.#name1 = labelNames[1] ?? '';
    this.#name2 = labelNames[2] ?? '';
    this.expires = limits.ttlMs !== undefined;
    this.#valueCounts = limits.maxLabelValues.map((max) =>
      max === Number.POSITIVE_INFINITY ? undefined : new Map(),
    );
  }

  /**
   * Books one measurement of `series`: counts it when it went to the overflow series and
   * stamps its time when the metric has a `ttlMs`.
   */
  protected note(series: S): void {
    if (series.overflow) this.overflowed += this.#limits.weight;
    if (this.#limits.ttlMs !== undefined) series.touched = this.#limits.clock.now();
  }

  /** The live series carrying the label values of an expired one (for a bound child). */
  protected revive(series: S): S {
    const labels: Record<string, string> = {};
    for (let i = 0; i < this.labelNames.length; i++)
      labels[this.labelNames[i] as string] = series.values[i] as string;
    // The values are normalized already: look them up as they are.
    this.#reviving = true;
    try {
      return this.resolve(labels);
    } finally {
      this.#reviving = false;
    }
  }

  /** `series` itself, or once it expired, the live series of the same labels if there is one. */
  protected liveOf(series: S): S | undefined {
    if (!series.removed) return series;
    let level: Level<S> | S | undefined = this.#root;
    for (const value of series.values) {
      level = (level as Level<S>).get(value);
      if (level === undefined) return undefined;
    }
    return level as S;
  }

  /** Removes the labelled series not measured for `ttlMs`; called at scrape time. */
  sweep(): void {
    const ttlMs = this.#limits.ttlMs;
    if (ttlMs === undefined || this.labelNames.length === 0) return;
    const now = this.#limits.clock.now();
    let kept = 0;
    for (const series of this.#all) {
      if (now - series.touched >= ttlMs) this.#remove(series);
      else this.#all[kept++] = series;
    }
    this.#all.length = kept;
  }

  #remove(series: S): void {
    series.removed = true;
    const path: Level<S>[] = [];
    let level: Level<S> = this.#root;
    const last = series.values.length - 1;
    for (let i = 0; i < last; i++) {
      path.push(level);
      level = level.get(series.values[i] as string) as Level<S>;
    }
    level.delete(series.values[last] as string);
    for (let i = last - 1; i >= 0 && level.size === 0; i--) {
      level = path[i] as Level<S>;
      level.delete(series.values[i] as string);
    }
    for (let i = 0; i < this.#valueCounts.length; i++) {
      const counts = this.#valueCounts[i];
      if (counts === undefined) continue;
      const value = series.values[i] as string;
      const left = (counts.get(value) as number) - 1;
      if (left === 0) counts.delete(value);
      else counts.set(value, left);
    }
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
    return this.#hit(labels) ?? (this.#lookup(labels, true) as S);
  }

  /** Finds the series of `labels` without creating it. @throws MetricsLabelError on a label mismatch. */
  protected find(labels: object): S | undefined {
    return this.#hit(labels) ?? this.#lookup(labels, false);
  }

  /**
   * The existing series of well-formed `labels`, read with the label names unrolled; or
   * `undefined` whenever anything is out of the ordinary (a normalizer, a key too many or
   * too few, a value that is not a string or a number, a combination not stored yet), left
   * to {@link #lookup}, which validates, creates and routes to the overflow series. It
   * only reads the Map chain, from which expired series are deleted and where the overflow
   * series never is, so what it returns is always what {@link #lookup} would.
   */
  #hit(labels: object): S | undefined {
    const arity = this.#arity;
    if (arity === 0 || typeof labels !== 'object' || labels === null) return undefined;
    let count = 0;
    for (const _ in labels) count++;
    if (count !== arity) return undefined;
    const a = text((labels as Record<string, unknown>)[this.#name0]);
    if (a === undefined) return undefined;
    if (arity === 1) return this.#root.get(a) as S | undefined;
    const b = text((labels as Record<string, unknown>)[this.#name1]);
    if (b === undefined) return undefined;
    const level = this.#root.get(a) as Level<S> | undefined;
    if (level === undefined) return undefined;
    if (arity === 2) return level.get(b) as S | undefined;
    const c = text((labels as Record<string, unknown>)[this.#name2]);
    if (c === undefined) return undefined;
    return (level.get(b) as Level<S> | undefined)?.get(c) as S | undefined;
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
    // With a normalizer, the values are normalized once, up front: a normalizer runs once
    // per label and call, whether the series exists, is created or overflows.
    if (this.#limits.normalize !== undefined)
      return this.#lookupValues(this.#values(labels), create);
    let level: Level<S> = this.#root;
    for (let i = 0; i < n - 1; i++) {
      const next = level.get(this.#value(labels, i));
      if (next === undefined) return this.#missed(this.#values(labels), create);
      level = next as Level<S>;
    }
    const found = level.get(this.#value(labels, n - 1));
    if (found !== undefined) return found as S;
    return this.#missed(this.#values(labels), create);
  }

  /** {@link #lookup} with the label values read (and normalized) already. */
  #lookupValues(values: string[], create: boolean): S | undefined {
    return this.#walk(values) ?? this.#missed(values, create);
  }

  /** The stored series of `values`, or `undefined`. */
  #walk(values: readonly string[]): S | undefined {
    let level: Level<S> | S | undefined = this.#root;
    for (const value of values) {
      level = (level as Level<S>).get(value);
      if (level === undefined) return undefined;
    }
    return level as S;
  }

  /**
   * After a lookup of `values` found nothing: the series of their well-formed spelling,
   * if that one exists; else a new series (`create`) or the overflow series they spell.
   * Lone surrogates are written as U+FFFD, so `'\uD800'`, `'\uDC00'` and `'\uFFFD'` are
   * stored as one series: as three, they would write three samples of one series.
   */
  #missed(values: string[], create: boolean): S | undefined {
    let changed = false;
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as string;
      const formed = wellFormed(value);
      if (formed !== value) {
        values[i] = formed;
        changed = true;
      }
    }
    if (changed) {
      const found = this.#walk(values);
      if (found !== undefined) return found;
    }
    if (create) return this.#createFrom(values);
    return isOverflow(values) ? this.#overflow : undefined;
  }

  /** The label values of `labels`, in declared order, normalized. */
  #values(labels: object): string[] {
    // Sized up front: an array grown by push keeps room for 17 elements, some 120 bytes per series.
    const values = new Array<string>(this.labelNames.length);
    for (let i = 0; i < values.length; i++) values[i] = this.#value(labels, i);
    return values;
  }

  /** Every series, the overflow series last; an unlabelled metric always has its one series. */
  protected all(): readonly S[] {
    if (this.labelNames.length === 0) this.single();
    return this.#overflow === undefined ? this.#all : [...this.#all, this.#overflow];
  }

  #value(labels: object, i: number): string {
    const name = this.labelNames[i] as string;
    const value = (labels as Record<string, unknown>)[name];
    if (typeof value === 'string' || typeof value === 'number') {
      const text = typeof value === 'string' ? value : String(value);
      const normalize = this.#limits.normalize?.[i];
      if (normalize === undefined || this.#reviving) return text;
      const normalized: unknown = normalize(text);
      if (typeof normalized === 'string') return normalized;
      throw new MetricsLabelError(
        this.name,
        name,
        `the normalizer returned ${typeof normalized} for ${JSON.stringify(text)}, expected a string`,
      );
    }
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

  #createFrom(values: readonly string[]): S {
    // Past the limit, or labels spelling the overflow marker: the overflow series.
    if (this.#all.length >= this.#limits.maxSeries || isOverflow(values))
      return this.#overflowSeries();
    for (let i = 0; i < values.length; i++) {
      const counts = this.#valueCounts[i];
      if (counts === undefined || counts.has(values[i] as string)) continue;
      if (counts.size >= (this.#limits.maxLabelValues[i] as number)) return this.#overflowSeries();
    }
    for (let i = 0; i < values.length; i++) {
      const counts = this.#valueCounts[i];
      if (counts !== undefined)
        counts.set(values[i] as string, (counts.get(values[i] as string) ?? 0) + 1);
    }
    const series = this.createSeries(values, this.#labelText(values), false);
    // Stamped only when series expire: a clock reading is a heap number, 16 bytes per series.
    if (this.expires) series.touched = this.#limits.clock.now();
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

  /**
   * The labels as written in the exposition. Joined from parts rather than concatenated: a
   * join gives one flat string, where `+=` would keep a chain of pieces alive for as long as
   * the series (about 110 bytes more per series).
   */
  #labelText(values: readonly string[]): string {
    const parts: string[] = [];
    for (let i = 0; i < values.length; i++) {
      parts.push(
        i === 0 ? '' : ',',
        this.labelNames[i] as string,
        '="',
        escapeLabelValue(values[i] as string),
        '"',
      );
    }
    return parts.join('');
  }
}
