import { MetricsLabelError } from './errors.js';
import { escapeLabelValue, formatValue, isLabelName } from './text.js';

/**
 * The labels of an exemplar (OpenMetrics 1.0), such as `{ trace_id: '4bf92f35' }`: label
 * names (`[a-zA-Z_][a-zA-Z0-9_]*`, not `__…`) to string values. Names and values together
 * are at most {@link MAX_EXEMPLAR_CODE_POINTS} code points long; no labels (`{}`) is valid.
 */
export type ExemplarLabels = { readonly [name: string]: string };

/** The most code points an exemplar's label names and values may hold together (OpenMetrics 1.0). */
export const MAX_EXEMPLAR_CODE_POINTS = 128;

/** The latest exemplar of a counter series or of a histogram bucket, ready to write. */
export interface Exemplar {
  /** The labels as written, without braces: `trace_id="abc"`. */
  readonly labelText: string;
  /** The measured value: the increment, or the observation. */
  readonly value: number;
  /** Wall-clock time of the measurement, in seconds since the epoch (`Date.now() / 1000`). */
  readonly timestamp: number;
}

function codePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A surrogate pair is one code point: skip its low half.
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * `value` with each NUL written as U+FFFD (one code point for one). Prometheus' OpenMetrics
 * parser takes a NUL in a sample's label value, but fails the whole scrape on one inside an
 * exemplar.
 */
function withoutNul(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}

/**
 * Checks the exemplar labels of a measurement of `metric` and builds its exemplar, stamped
 * with `Date.now()`.
 * @throws TypeError when `labels` is not an object.
 * @throws MetricsLabelError when a name is not a label name, a value is not a string, or
 *   names and values hold more than {@link MAX_EXEMPLAR_CODE_POINTS} code points.
 */
export function createExemplar(metric: string, labels: ExemplarLabels, value: number): Exemplar {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new TypeError(
      `Metric "${metric}": expected an exemplar labels object, got ${labels === null ? 'null' : Array.isArray(labels) ? 'an array' : typeof labels}`,
    );
  }
  let labelText = '';
  let length = 0;
  for (const name of Object.keys(labels)) {
    const labelValue: unknown = labels[name];
    if (!isLabelName(name)) {
      throw new MetricsLabelError(
        metric,
        name,
        'not a valid exemplar label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__")',
      );
    }
    if (typeof labelValue !== 'string') {
      throw new MetricsLabelError(
        metric,
        name,
        `an exemplar label value must be a string, got ${typeof labelValue}`,
      );
    }
    length += name.length + codePoints(labelValue);
    if (length > MAX_EXEMPLAR_CODE_POINTS) {
      throw new MetricsLabelError(
        metric,
        name,
        `the exemplar's label names and values exceed ${MAX_EXEMPLAR_CODE_POINTS} code points`,
      );
    }
    if (labelText !== '') labelText += ',';
    labelText += `${name}="${escapeLabelValue(withoutNul(labelValue))}"`;
  }
  return { labelText, value, timestamp: Date.now() / 1000 };
}

/** ` # {labels} value timestamp`, to follow a sample in OpenMetrics; `''` without an exemplar. */
export function exemplarText(exemplar: Exemplar | undefined): string {
  return exemplar === undefined
    ? ''
    : ` # {${exemplar.labelText}} ${formatValue(exemplar.value)} ${exemplar.timestamp}`;
}
