import { ClaimflowError } from '../../domain/errors.ts';
import {
  JOB_METRIC_NAMES,
  JOB_METRICS,
  METRIC_NAMESPACE,
  type MetricSample,
} from '../../pipeline/metrics/metric-catalog.ts';
import type { Metrics } from '../../pipeline/ports.ts';

const DIMENSION_NAME = /^[a-z][a-z0-9_]{0,31}$/;
/**
 * Dimension values are identifiers from configuration (environment, function) and the metrics'
 * labels (a status, a stage): a letter first, then letters, digits, `_` and `-`. Dates, amounts,
 * dotted codes and names with spaces cannot pass, so a claim value passed by mistake fails loudly
 * instead of becoming a dimension.
 */
const DIMENSION_VALUE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

type MetricProblem = 'unknown_metric' | 'unsafe_dimension_name' | 'unsafe_dimension_value' | 'not_finite';

/** A metric or dimension that cannot be emitted; the offending value is never part of the message. */
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

const knownNames: ReadonlySet<string> = new Set(JOB_METRIC_NAMES);

function checkDimensions(members: Record<string, string>): void {
  for (const [name, value] of Object.entries(members)) {
    if (!DIMENSION_NAME.test(name) || knownNames.has(name))
      throw new MetricError('unsafe_dimension_name', `a dimension name must match ${DIMENSION_NAME.source}`);
    if (!DIMENSION_VALUE.test(value))
      throw new MetricError('unsafe_dimension_value', `dimension ${name} must match ${DIMENSION_VALUE.source}`);
  }
}

/**
 * Metrics for CloudWatch in the Embedded Metric Format. Each `record` writes one JSON line per
 * label set (to stdout in Lambda, where CloudWatch Logs turns it into metrics): the common
 * dimensions (`environment`) alone, or with the metric's label (`status`, `stage`) as a second
 * dimension. `properties` (the function's name) travel in each line for Logs Insights, not as dimensions.
 */
export class EmfMetrics implements Metrics {
  private readonly dimensions: Readonly<Record<string, string>>;
  private readonly properties: Readonly<Record<string, string>>;

  constructor(
    private readonly write: (line: string) => void,
    dimensions: Record<string, string>,
    properties: Record<string, string> = {},
  ) {
    checkDimensions({ ...dimensions, ...properties });
    this.dimensions = { ...dimensions };
    this.properties = { ...properties };
  }

  record(samples: readonly MetricSample[]): void {
    const groups = new Map<string, { label?: [string, string]; values: Map<string, number[]> }>();
    for (const sample of samples) {
      if (!knownNames.has(sample.name))
        throw new MetricError('unknown_metric', `not one of ${JOB_METRIC_NAMES.join(', ')}`);
      if (!Number.isFinite(sample.value)) throw new MetricError('not_finite', `${sample.name} must be a finite number`);
      const spec: { readonly unit: string; readonly label?: string } = JOB_METRICS[sample.name];
      const label: [string, string] | undefined =
        spec.label && sample.label !== undefined ? [spec.label, sample.label] : undefined;
      if (label) checkDimensions({ [label[0]]: label[1] });
      const key = label ? label.join('=') : '';
      const group = groups.get(key) ?? { label, values: new Map<string, number[]>() };
      group.values.set(sample.name, [...(group.values.get(sample.name) ?? []), sample.value]);
      groups.set(key, group);
    }
    for (const { label, values } of groups.values()) this.writeLine(label, values);
  }

  private writeLine(label: [string, string] | undefined, values: ReadonlyMap<string, number[]>): void {
    const dimensions = { ...this.dimensions, ...(label && { [label[0]]: label[1] }) };
    const line = {
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: METRIC_NAMESPACE,
            Dimensions: [Object.keys(dimensions)],
            Metrics: [...values.keys()].map((name) => ({
              Name: name,
              Unit: JOB_METRICS[name as keyof typeof JOB_METRICS].unit,
            })),
          },
        ],
      },
      ...this.properties,
      ...dimensions,
      ...Object.fromEntries([...values].map(([name, v]) => [name, v.length === 1 ? v[0] : v])),
    };
    this.write(JSON.stringify(line));
  }
}
