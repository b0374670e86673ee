export { DEFAULT_BUCKETS, exponentialBuckets, linearBuckets } from './buckets.js';
export type { Counter, CounterChild, CounterOptions } from './counter.js';
export {
  isMetricsLabelError,
  isMetricsRegistrationError,
  MetricsLabelError,
  MetricsRegistrationError,
} from './errors.js';
export type { ExemplarLabels } from './exemplar.js';
export { MAX_EXEMPLAR_CODE_POINTS } from './exemplar.js';
export type { ContentChoice } from './exposition.js';
export { contentFor, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from './exposition.js';
export type { Gauge, GaugeChild, GaugeOptions } from './gauge.js';
export type { Histogram, HistogramChild, HistogramOptions } from './histogram.js';
export type { ExpositionFormat, MetricType } from './metric.js';
export type { MetricOptions, RegistryOptions } from './options.js';
export type { ProcessMetrics, ProcessMetricsOptions } from './process-metrics.js';
export { collectProcessMetrics, DEFAULT_GC_BUCKETS } from './process-metrics.js';
export type { Exposition, TextAsyncOptions } from './registry.js';
export { OVERFLOW_METRIC, Registry } from './registry.js';
export { normalizeRoute } from './route.js';
export type { Labels, LabelValue } from './series-store.js';
export { OVERFLOW_VALUE } from './series-store.js';
export type { Summary, SummaryChild, SummaryOptions } from './summary.js';
