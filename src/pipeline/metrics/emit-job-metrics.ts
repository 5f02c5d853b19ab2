import type { Ledger } from '../ledger.ts';
import type { Metrics } from '../ports.ts';
import type { ValidationReport } from '../validation-report.ts';
import { listJobs } from './compute-metrics.ts';
import { samplesOfJob } from './metric-catalog.ts';
import { monitoredReportSchema } from './monitoring-snapshot.ts';

/**
 * Emits a finished job's metrics, computed as the local `/metrics` computes them from the same
 * report and ledger record (end to end from the ledger's start). Without a report (a system
 * failure) the job counts as a FAILED file with no rows. No metrics port: nothing (locally the
 * metrics are computed from the root instead).
 */
export async function emitJobMetrics(
  deps: { readonly ledger: Ledger; readonly metrics?: Metrics },
  jobId: string,
  report: ValidationReport | undefined,
  inputBytes: number | null,
): Promise<void> {
  if (!deps.metrics) return;
  const ledgerJob = await deps.ledger.job(jobId);
  const reports = report ? [{ ...monitoredReportSchema.parse(report), input_bytes: inputBytes, has_html: true }] : [];
  const [job] = listJobs({ reports, jobs: ledgerJob ? [ledgerJob] : [] });
  if (job) deps.metrics.record(samplesOfJob(job));
}
