/**
 * Names and escaping shared by both exposition formats.
 */

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** A high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const LABEL_VALUE_SPECIAL = /[\\\n"\uD800-\uDFFF]/;

/** True for a valid Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`, not starting with `__`. */
export function isMetricName(name: string): boolean {
  return METRIC_NAME.test(name) && !name.startsWith('__');
}

/** True for a valid Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`. */
export function isLabelName(name: string): boolean {
  return LABEL_NAME.test(name) && !name.startsWith('__');
}

/** Replaces lone UTF-16 surrogates with U+FFFD, so the text encodes to valid UTF-8. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** Escapes a label value: backslash, line feed and double quote (both formats). */
export function escapeLabelValue(value: string): string {
  if (!LABEL_VALUE_SPECIAL.test(value)) return value;
  return wellFormed(value).replace(/[\\\n"]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : '\\"',
  );
}

/**
 * Escapes HELP text. The Prometheus text format escapes backslash and line feed;
 * OpenMetrics escapes double quotes as well.
 */
export function escapeHelp(help: string, openMetrics: boolean): string {
  const pattern = openMetrics ? /[\\\n"]/g : /[\\\n]/g;
  return wellFormed(help).replace(pattern, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : '\\"',
  );
}

/** Formats a sample value: `+Inf`, `-Inf`, `NaN` or JavaScript's shortest round-trip form. */
export function formatValue(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/**
 * `text`, stored flat. V8 keeps a string built by `+=` as a tree of its pieces until
 * something needs it in one piece; an asynchronous scrape holds such trees across its
 * breaks, and each young-generation garbage collection then copies their many small
 * pieces (for a large registry, pauses longer than the scrape's own slices). Converting
 * the text to a number needs it in one piece, so V8 flattens it there and then; the number
 * is thrown away.
 */
export function flattened(text: string): string {
  Number(text);
  return text;
}
