import type { JobMetrics } from './compute-metrics.ts';

export type MetricUnit = 'Count' | 'Milliseconds' | 'None';

/**
 * The metrics a finished job emits on AWS (CloudWatch Embedded Metric Format), named as the local
 * `/metrics` without Prometheus's `claimflow_` prefix and `_total` suffix, with the same labels
 * (`status`, `stage`) as dimensions. The one list: the EMF writer refuses any other name, and the
 * CloudWatch dashboard and alarms (infra/constructs/monitoring.ts) read these names.
 */
export const JOB_METRICS = {
  records_processed: { unit: 'Count' },
  records_valid: { unit: 'Count' },
  records_quarantined: { unit: 'Count' },
  duplicates_removed: { unit: 'Count' },
  files_processed: { unit: 'Count', label: 'status' },
  stage_duration_ms: { unit: 'Milliseconds', label: 'stage' },
  job_duration_ms: { unit: 'Milliseconds' },
  quality_score: { unit: 'None' },
  estimated_cost_usd: { unit: 'None' },
} as const satisfies Record<string, { unit: MetricUnit; label?: string }>;

export type JobMetricName = keyof typeof JOB_METRICS;
export const JOB_METRIC_NAMES = Object.keys(JOB_METRICS) as JobMetricName[];

/** CloudWatch namespace of the pipeline's own metrics. */
export const METRIC_NAMESPACE = 'claimflow';

/** One value of a metric; `label` is the value of the metric's label (a status or a stage) when it has one. */
export interface MetricSample {
  readonly name: JobMetricName;
  readonly value: number;
  readonly label?: string;
}

/** The samples of one finished job: the per-job increments of the local counters and its gauges. */
export function samplesOfJob(job: JobMetrics): MetricSample[] {
  const samples: MetricSample[] = [
    { name: 'records_processed', value: job.records_processed },
    { name: 'records_valid', value: job.records_valid },
    { name: 'records_quarantined', value: job.records_quarantined },
    { name: 'duplicates_removed', value: job.duplicates_removed },
    { name: 'files_processed', value: 1, label: job.status },
    ...Object.entries(job.stage_duration_ms).map(
      ([stage, ms]): MetricSample => ({ name: 'stage_duration_ms', value: ms, label: stage }),
    ),
  ];
  if (job.duration_ms !== null) samples.push({ name: 'job_duration_ms', value: job.duration_ms });
  if (job.quality_score !== null) samples.push({ name: 'quality_score', value: job.quality_score });
  if (job.estimated_cost_usd !== null) samples.push({ name: 'estimated_cost_usd', value: job.estimated_cost_usd });
  return samples;
}
