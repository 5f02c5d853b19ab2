import { ClaimflowError } from '../../domain/errors.ts';

/** The metric names of the pipeline, the same on AWS (EMF) as locally. */
export const METRIC_NAMES = [
  'records_processed',
  'records_valid',
  'records_quarantined',
  'duplicates_removed',
  'error_rate',
  'stage_duration_ms',
  'job_duration_ms',
  'quality_score',
  'dlq_depth',
] as const;

export type MetricUnit = 'Count' | 'Milliseconds' | 'Percent' | 'None';

const METRIC_NAMESPACE = 'claimflow';
/** EMF takes at most 100 values of one metric in one line. */
const MAX_VALUES = 100;
const DIMENSION_NAME = /^[a-z][a-z0-9_]{0,31}$/;
/**
 * Dimension values are identifiers from configuration (environment, function, handler): a letter
 * first, then letters, digits, `_` and `-`. Dates, amounts, dotted codes and names with spaces
 * cannot pass, so a claim value passed by mistake fails loudly instead of becoming a label.
 */
const DIMENSION_VALUE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

type MetricProblem =
  | 'unknown_metric'
  | 'unsafe_dimension_name'
  | 'unsafe_dimension_value'
  | 'not_finite'
  | 'unit_changed';

/** A metric or label that cannot be emitted; the offending value is never part of the message. */
export class MetricError extends ClaimflowError {
  readonly code: `metric_${MetricProblem}`;
  constructor(
    readonly problem: MetricProblem,
    readonly detail: string,
  ) {
    super(`metric rejected (${problem}): ${detail}`);
    this.code = `metric_${problem}`;
  }
}

const knownNames: ReadonlySet<string> = new Set(METRIC_NAMES);

/**
 * Metrics for CloudWatch in the Embedded Metric Format: each `flush` writes one JSON line
 * (to stdout in Lambda, where CloudWatch Logs turns it into metrics) holding every value
 * recorded since the last flush, under the dimensions given here.
 */
export class EmfMetrics {
  private readonly dimensions: Readonly<Record<string, string>>;
  private readonly pending = new Map<string, { unit: MetricUnit; values: number[] }>();

  constructor(
    private readonly write: (line: string) => void,
    dimensions: Record<string, string>,
  ) {
    for (const [name, value] of Object.entries(dimensions)) {
      if (!DIMENSION_NAME.test(name) || knownNames.has(name))
        throw new MetricError('unsafe_dimension_name', `a dimension name must match ${DIMENSION_NAME.source}`);
      if (!DIMENSION_VALUE.test(value))
        throw new MetricError('unsafe_dimension_value', `dimension ${name} must match ${DIMENSION_VALUE.source}`);
    }
    this.dimensions = { ...dimensions };
  }

  record(name: string, value: number, unit: MetricUnit): void {
    if (!knownNames.has(name)) throw new MetricError('unknown_metric', `not one of ${METRIC_NAMES.join(', ')}`);
    if (!Number.isFinite(value)) throw new MetricError('not_finite', `${name} must be a finite number`);
    const entry = this.pending.get(name);
    if (entry && entry.unit !== unit) throw new MetricError('unit_changed', `${name} was recorded in ${entry.unit}`);
    if (entry && entry.values.length === MAX_VALUES) this.flush();
    const current = this.pending.get(name) ?? { unit, values: [] };
    current.values.push(value);
    this.pending.set(name, current);
  }

  /** Writes the recorded values as one EMF line (nothing when none was recorded). */
  flush(): void {
    if (this.pending.size === 0) return;
    const metrics = [...this.pending];
    this.pending.clear();
    const line = {
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: METRIC_NAMESPACE,
            Dimensions: [Object.keys(this.dimensions)],
            Metrics: metrics.map(([name, { unit }]) => ({ Name: name, Unit: unit })),
          },
        ],
      },
      ...this.dimensions,
      ...Object.fromEntries(metrics.map(([name, { values }]) => [name, values.length === 1 ? values[0] : values])),
    };
    this.write(JSON.stringify(line));
  }
}
