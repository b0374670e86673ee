import type { ExpositionFormat } from './metric.js';

/** Content type of the Prometheus text format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** Content type of OpenMetrics 1.0. */
export const OPENMETRICS_CONTENT_TYPE =
  'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** The format chosen for a scrape, with its `Content-Type`. */
export interface ContentChoice {
  readonly format: ExpositionFormat;
  readonly contentType: string;
}

/**
 * Chooses the exposition format from an HTTP `Accept` header: OpenMetrics 1.0 when the
 * header lists `application/openmetrics-text` with a quality above 0 (and a `version`, if
 * given, of `1.0.0`), otherwise the Prometheus text format 0.0.4.
 */
export function contentFor(accept?: string | null): ContentChoice {
  if (typeof accept === 'string') {
    for (const range of accept.split(',')) {
      const [type = '', ...params] = range.split(';').map((part) => part.trim());
      if (type.toLowerCase() !== 'application/openmetrics-text') continue;
      let ok = true;
      for (const param of params) {
        const [key = '', raw = ''] = param.split('=').map((part) => part.trim());
        // A parameter value may be a quoted string (`version="1.0.0"`).
        const value =
          raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
        if (key.toLowerCase() === 'q' && !(Number(value) > 0)) ok = false;
        if (key.toLowerCase() === 'version' && value !== '1.0.0') ok = false;
      }
      if (ok) return { format: 'openmetrics', contentType: OPENMETRICS_CONTENT_TYPE };
    }
  }
  return { format: 'prometheus', contentType: PROMETHEUS_CONTENT_TYPE };
}
