import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EmfMetrics } from '../../src/adapters/aws/emf-metrics.ts';
import { SqliteLedger } from '../../src/adapters/sqlite/sqlite-ledger.ts';
import { computeMetrics } from '../../src/pipeline/metrics/compute-metrics.ts';
import { emitJobMetrics } from '../../src/pipeline/metrics/emit-job-metrics.ts';
import { JOB_METRIC_NAMES } from '../../src/pipeline/metrics/metric-catalog.ts';
import type { ValidationReport } from '../../src/pipeline/validation-report.ts';
import { renderPrometheus } from '../../src/web/render-prometheus.ts';
import { RootSnapshotReader } from '../../src/web/root-snapshot-reader.ts';
import { generateAndRunLocally, type LocalRun, RUN_DATE } from '../support/aws-lambda-harness.ts';
import { tempDir } from '../support/cli.ts';
import { type PromText, parsePrometheusText, sampleValue } from '../support/prometheus-text.ts';

/** EMF lines as CloudWatch reads them: `name` or `name{label=value}` -> the values recorded. */
function emfValues(lines: readonly string[]): Map<string, number[]> {
  const values = new Map<string, number[]>();
  for (const line of lines) {
    const doc = JSON.parse(line) as Record<string, unknown>;
    type Directive = { Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> };
    for (const directive of (doc._aws as { CloudWatchMetrics: Directive[] }).CloudWatchMetrics) {
      assert.equal(directive.Namespace, 'claimflow');
      const label = directive.Dimensions[0]?.find((d) => d !== 'environment');
      for (const { Name } of directive.Metrics) {
        const key = label ? `${Name}{${label}=${String(doc[label])}}` : Name;
        const value = doc[Name];
        values.set(key, [...(values.get(key) ?? []), ...(Array.isArray(value) ? value : [value as number])]);
      }
    }
  }
  return values;
}

/**
 * A job's EMF lines on AWS carry what the local `/metrics` says of the same job: the report of a
 * real `claimflow run` is read by the dashboard's reader (Prometheus text, parsed back) and handed
 * to the functions' metric path (emitJobMetrics -> EmfMetrics) with a ledger that started and
 * finished the job when the report says.
 */
describe('EMF metrics of a job match the local /metrics', () => {
  let dir: string;
  let run: LocalRun;
  let prom: PromText;
  let report: ValidationReport;
  let inputBytes: number | null;

  before(async () => {
    dir = await tempDir('emf-parity');
    run = await generateAndRunLocally(dir, 'claims.csv', { seed: 41, runDate: RUN_DATE, defectRate: 0.04 });
    const reader = new RootSnapshotReader(run.localRoot);
    try {
      const snapshot = await reader.read();
      prom = parsePrometheusText(renderPrometheus(computeMetrics(snapshot)));
      inputBytes = snapshot.reports[0]?.input_bytes ?? null;
    } finally {
      reader.close();
    }
    report = JSON.parse(
      await readFile(join(run.localRoot, 'validation-reports', `${run.local.job_id}.json`), 'utf8'),
    ) as ValidationReport;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('emits every catalog metric with the values /metrics shows for the job', async () => {
    const ledger = new SqliteLedger(':memory:');
    const lines: string[] = [];
    try {
      const jobId = run.local.job_id;
      await ledger.claimDelivery('a'.repeat(64), 'raw/claims/claims.csv', jobId, new Date(report.started_at));
      await ledger.finishJob(jobId, 'SUCCEEDED', new Date(report.finished_at), {});
      const metrics = new EmfMetrics((line) => lines.push(line), { environment: 'dev' });
      await emitJobMetrics({ ledger, metrics }, jobId, report, inputBytes);
    } finally {
      ledger.close();
    }
    const emf = emfValues(lines);
    const one = (key: string): number | undefined => {
      const values = emf.get(key);
      assert.equal(values?.length, 1, `${key} once`);
      return values?.[0];
    };
    // The CLI's own account of the run, as a check independent of both metric paths.
    assert.ok(run.local.processed_records > 0);
    assert.equal(one('records_processed'), run.local.processed_records);
    assert.equal(one('records_quarantined'), run.local.validation?.summary.error_records);
    for (const name of ['records_processed', 'records_valid', 'records_quarantined', 'duplicates_removed'])
      assert.equal(one(name), sampleValue(prom, `claimflow_${name}_total`), name);
    assert.equal(one('files_processed{status=SUCCEEDED}'), 1);
    assert.equal(sampleValue(prom, 'claimflow_files_processed_total', { status: 'SUCCEEDED' }), 1);
    assert.equal(one('job_duration_ms'), sampleValue(prom, 'claimflow_job_duration_ms_sum'));
    assert.equal(one('quality_score'), sampleValue(prom, 'claimflow_quality_score'));
    assert.equal(one('estimated_cost_usd'), sampleValue(prom, 'claimflow_estimated_cost_usd', { scope: 'last_run' }));
    const stages = Object.keys(report.timings_ms);
    assert.ok(stages.includes('check') && stages.includes('publish'), stages.join(','));
    for (const stage of stages)
      assert.equal(
        one(`stage_duration_ms{stage=${stage}}`),
        sampleValue(prom, 'claimflow_stage_duration_ms_sum', { stage }),
        stage,
      );
    const emitted = new Set([...emf.keys()].map((key) => key.replace(/\{.*/, '')));
    assert.deepEqual([...emitted].sort(), [...JOB_METRIC_NAMES].sort());
  });

  it('counts a job that failed without a report as one FAILED file and nothing else', async () => {
    const ledger = new SqliteLedger(':memory:');
    const lines: string[] = [];
    try {
      await ledger.claimDelivery('b'.repeat(64), 'raw/claims/x.csv', 'claims-etl-20260131-120000-0001', new Date(0));
      await ledger.finishJob('claims-etl-20260131-120000-0001', 'FAILED', new Date(5000), { error: 'system: x' });
      const metrics = new EmfMetrics((line) => lines.push(line), { environment: 'dev' });
      await emitJobMetrics({ ledger, metrics }, 'claims-etl-20260131-120000-0001', undefined, null);
    } finally {
      ledger.close();
    }
    const emf = Object.fromEntries(emfValues(lines));
    assert.deepEqual(emf['files_processed{status=FAILED}'], [1]);
    assert.deepEqual(emf.job_duration_ms, [5000]);
    assert.deepEqual(emf.records_processed, [0]);
    assert.equal(emf['files_processed{status=SUCCEEDED}'], undefined);
  });
});
