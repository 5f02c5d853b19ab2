/**
 * The one alert policy (docs/alerts.md): how bad each pipeline happening is, and what an
 * alert about it says. Alerts carry identifiers (job id, file name, rule id) and counts,
 * never claim values, and never an error's text (which could quote a value).
 */

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Configured limits (config `alerts.thresholds`). */
export interface AlertThresholds {
  /** Quarantined share of a file above which a finished job alerts high. */
  readonly error_rate: number;
  /** Job duration (report start to finish) above which a finished job alerts high. */
  readonly job_duration_ms: number;
  /** Quality score (0-100) below which a finished job alerts medium. */
  readonly quality_score: number;
}

/** Something that happened in the pipeline that an operator may need to hear about. */
export type Happening =
  | {
      readonly kind: 'job_succeeded';
      readonly job_id: string;
      readonly file: string;
      readonly total_records: number;
      readonly error_records: number;
      readonly duration_ms: number;
      readonly quality_score: number | null;
    }
  | {
      /** The pipeline rejected the file whole on purpose (a file rule, the error budget, a halt rule). */
      readonly kind: 'file_rejected';
      readonly job_id: string | null;
      readonly file: string;
      readonly rule_id: string | null;
      /** Known when the validation report is at hand. */
      readonly total_records: number | null;
      readonly error_records: number | null;
    }
  | {
      /** The pipeline could not finish the work: `system` (a bug, a full disk) or `transient` with every retry used. */
      readonly kind: 'pipeline_failure';
      readonly cause: 'system' | 'transient';
      readonly function_name: string;
      readonly file: string;
      readonly job_id: string | null;
    }
  | {
      readonly kind: 'security_event';
      readonly event: 'hostile_input_rejected' | 'auth_failure' | 'insecure_bind_refused';
      /** Where it was seen (a handler, the dashboard). */
      readonly function_name: string;
      readonly file: string | null;
      readonly job_id: string | null;
    };

export interface Alert {
  readonly severity: Severity;
  readonly kind: Happening['kind'];
  readonly title: string;
  readonly summary: string;
  /** Stable per job and kind, so a receiver (PagerDuty) folds repeats into one incident. */
  readonly dedup_key: string;
  /** The part of the pipeline it concerns (a handler name, `run`, `pipeline`). */
  readonly component: string;
  readonly job_id?: string;
  readonly file?: string;
  readonly rule_id?: string;
  readonly counts: Readonly<Record<string, number>>;
}

/** Decides the severity of a happening and words the alert. */
export function alertFor(happening: Happening, thresholds: AlertThresholds): Alert {
  switch (happening.kind) {
    case 'security_event':
      return {
        ...identify(happening, happening.function_name),
        severity: 'critical',
        title: `Security event: ${happening.event}`,
        summary: `${happening.event} seen by ${happening.function_name}${where(happening)}.`,
        counts: {},
      };
    case 'pipeline_failure':
      return happening.cause === 'system'
        ? {
            ...identify(happening, happening.function_name),
            severity: 'critical',
            title: `Pipeline failure in ${happening.function_name}`,
            summary: `${happening.function_name} stopped on a system error${where(happening)}; the job failed. The error text stays out of alerts: see the log, or claimflow dlq list.`,
            counts: {},
          }
        : {
            ...identify(happening, happening.function_name),
            severity: 'high',
            title: `Retries exhausted in ${happening.function_name}`,
            summary: `${happening.function_name} kept failing with transient errors${where(happening)} and was dead-lettered; replay it once the cause is gone (claimflow dlq replay).`,
            counts: {},
          };
    case 'file_rejected':
      return rejectionAlert(happening);
    case 'job_succeeded':
      return finishedJobAlert(happening, thresholds);
  }
}

function rejectionAlert(happening: Extract<Happening, { kind: 'file_rejected' }>): Alert {
  const { total_records: total, error_records: errors } = happening;
  const counts: Record<string, number> =
    total === null || errors === null ? {} : { total_records: total, error_records: errors };
  const rows = total === null ? '' : ` The file (${total} rows) is in quarantine/files with its validation report.`;
  return {
    ...identify(happening, 'etl'),
    ...(happening.rule_id ? { rule_id: happening.rule_id } : {}),
    severity: 'high',
    title: `File rejected: ${happening.rule_id ?? 'file rule'}`,
    summary: `${happening.file}${happening.job_id ? ` (job ${happening.job_id})` : ''} was rejected whole${happening.rule_id ? ` by ${happening.rule_id}` : ''}.${rows}`,
    counts,
  };
}

/** A finished job is as bad as its worst breached threshold, and low when it breaches none. */
function finishedJobAlert(job: Extract<Happening, { kind: 'job_succeeded' }>, thresholds: AlertThresholds): Alert {
  const rate = job.total_records === 0 ? 0 : job.error_records / job.total_records;
  // Checked from the most severe down, so the first breach is the worst.
  const breaches: Array<{ severity: Severity; title: string; detail: string }> = [];
  if (rate > thresholds.error_rate)
    breaches.push({
      severity: 'high',
      title: 'Error rate over threshold',
      detail: `error rate ${percent(rate)} is over ${percent(thresholds.error_rate)}`,
    });
  if (job.duration_ms > thresholds.job_duration_ms)
    breaches.push({
      severity: 'high',
      title: 'Job duration over threshold',
      detail: `it took ${seconds(job.duration_ms)}, over ${seconds(thresholds.job_duration_ms)}`,
    });
  if (job.quality_score !== null && job.quality_score < thresholds.quality_score)
    breaches.push({
      severity: 'medium',
      title: 'Quality under threshold',
      detail: `quality score ${job.quality_score} is under ${thresholds.quality_score}`,
    });
  const [worst] = breaches;
  const figures = `${job.total_records} rows, ${job.error_records} quarantined, quality ${job.quality_score ?? 'n/a'}, ${seconds(job.duration_ms)}`;
  return {
    ...identify(job, 'pipeline'),
    severity: worst?.severity ?? 'low',
    title: worst?.title ?? 'Job succeeded',
    summary: `${job.file} (job ${job.job_id}) succeeded: ${figures}.${breaches.map((b) => ` Breach: ${b.detail}.`).join('')}`,
    counts: {
      total_records: job.total_records,
      error_records: job.error_records,
      duration_ms: job.duration_ms,
      ...(job.quality_score === null ? {} : { quality_score: job.quality_score }),
    },
  };
}

function identify(
  happening: { kind: Happening['kind']; job_id: string | null; file: string | null },
  component: string,
): Pick<Alert, 'kind' | 'dedup_key' | 'component' | 'job_id' | 'file'> {
  return {
    kind: happening.kind,
    dedup_key: `claimflow/${happening.job_id ?? happening.file ?? component}/${happening.kind}`,
    component,
    ...(happening.job_id ? { job_id: happening.job_id } : {}),
    ...(happening.file ? { file: happening.file } : {}),
  };
}

function where(happening: { job_id: string | null; file: string | null }): string {
  const parts = [happening.file, happening.job_id && `job ${happening.job_id}`].filter(Boolean);
  return parts.length > 0 ? ` on ${parts.join(', ')}` : '';
}

const percent = (share: number): string => `${(share * 100).toFixed(2)}%`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
