import { BreakwaterError, errorGuard } from '@breakwater/core';

/**
 * The labels of a measurement do not match the metric's declared `labelNames`: a label is
 * missing, unknown, or its value is neither a string nor a number.
 */
export class MetricsLabelError extends BreakwaterError {
  static readonly code = 'BREAKWATER_METRICS_LABEL';
  /** The metric's name. */
  readonly metric: string;
  /** The label at fault. */
  readonly label: string;

  constructor(metric: string, label: string, detail: string) {
    super(MetricsLabelError.code, `Metric "${metric}", label "${label}": ${detail}`);
    this.metric = metric;
    this.label = label;
  }
}

/** True for a {@link MetricsLabelError} from any copy of this package. */
export const isMetricsLabelError = errorGuard(MetricsLabelError);

/**
 * A metric name is registered again with another type, other label names, another unit or
 * other buckets. Registering the same name with the same definition returns the existing
 * metric instead.
 */
export class MetricsRegistrationError extends BreakwaterError {
  static readonly code = 'BREAKWATER_METRICS_REGISTRATION';
  /** The metric's name. */
  readonly metric: string;

  constructor(metric: string, detail: string) {
    super(MetricsRegistrationError.code, `Metric "${metric}" is already registered ${detail}`);
    this.metric = metric;
  }
}

/** True for a {@link MetricsRegistrationError} from any copy of this package. */
export const isMetricsRegistrationError = errorGuard(MetricsRegistrationError);
