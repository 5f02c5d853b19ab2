import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePrometheusText, sampleValue } from '../../test/support/prometheus-text.ts';
import { computeMetrics } from '../pipeline/metrics/compute-metrics.ts';
import type { MonitoringSnapshot } from '../pipeline/metrics/monitoring-snapshot.ts';
import { renderPrometheus } from './render-prometheus.ts';

const FILE = 'member P0060684 "quoted"\n.csv';

const snapshot = (quality: { score: number; grade: string } | null): MonitoringSnapshot => ({
  now: new Date('2026-01-31T12:00:00.000Z'),
  reports: [
    {
      job_id: 'claims-etl-20260131-113000-0001',
      input_file: FILE,
      data_source: 'claimflow',
      validation_status: 'success',
      file_error: null,
      rules: [],
      summary: { total_records: 200, valid_records: 190, error_records: 10 },
      processed_records: 185,
      duplicates_removed: { total: 5 },
      quality,
      started_at: '2026-01-31T11:29:59.000Z',
      finished_at: '2026-01-31T11:30:00.000Z',
      outputs: { processed: [], quarantine_rows: null, quarantine_file: null, archive: 'archive/x/a.csv' },
      timings_ms: { ingest: 12, check: 34 },
      input_bytes: 4096,
      has_html: true,
    },
  ],
  jobs: [],
  alerts: [],
  inbox: [],
  deadLetters: [],
});

describe('renderPrometheus', () => {
  const text = renderPrometheus(computeMetrics(snapshot({ score: 96.5, grade: 'A' })));
  const parsed = parsePrometheusText(text);

  it('writes every metric of the contract with HELP and TYPE, prefixed claimflow_', () => {
    assert.deepEqual(
      [...parsed.types],
      [
        ['claimflow_records_processed_total', 'counter'],
        ['claimflow_records_valid_total', 'counter'],
        ['claimflow_records_quarantined_total', 'counter'],
        ['claimflow_duplicates_removed_total', 'counter'],
        ['claimflow_files_processed_total', 'counter'],
        ['claimflow_error_rate', 'gauge'],
        ['claimflow_records_processed_per_hour', 'gauge'],
        ['claimflow_stage_duration_ms', 'summary'],
        ['claimflow_job_duration_ms', 'summary'],
        ['claimflow_files_in_flight', 'gauge'],
        ['claimflow_inbox_backlog', 'gauge'],
        ['claimflow_dlq_depth', 'gauge'],
        ['claimflow_quality_score', 'gauge'],
        ['claimflow_estimated_cost_usd', 'gauge'],
      ],
    );
    assert.deepEqual([...parsed.help.keys()], [...parsed.types.keys()]);
  });

  it('writes the values of the metrics', () => {
    assert.equal(sampleValue(parsed, 'claimflow_records_processed_total'), 185);
    assert.equal(sampleValue(parsed, 'claimflow_records_quarantined_total'), 10);
    assert.equal(sampleValue(parsed, 'claimflow_files_processed_total', { status: 'SUCCEEDED' }), 1);
    assert.equal(sampleValue(parsed, 'claimflow_files_processed_total', { status: 'FAILED' }), 0);
    assert.equal(sampleValue(parsed, 'claimflow_error_rate'), 0.05);
    assert.equal(sampleValue(parsed, 'claimflow_stage_duration_ms_sum', { stage: 'check' }), 34);
    assert.equal(sampleValue(parsed, 'claimflow_stage_duration_ms_count', { stage: 'check' }), 1);
    assert.equal(sampleValue(parsed, 'claimflow_job_duration_ms_sum'), 1000);
    assert.equal(sampleValue(parsed, 'claimflow_quality_score'), 96.5);
    const total = sampleValue(parsed, 'claimflow_estimated_cost_usd', { scope: 'total' });
    assert.ok(total !== undefined && total > 0);
    assert.equal(sampleValue(parsed, 'claimflow_estimated_cost_usd', { scope: 'last_run' }), total);
  });

  it('carries no file name or job id, only status, stage and scope labels', () => {
    assert.ok(!text.includes('P0060684'));
    assert.ok(!text.includes('claims-etl-'));
    const labelNames = new Set(parsed.samples.flatMap((s) => Object.keys(s.labels)));
    assert.deepEqual([...labelNames].sort(), ['scope', 'stage', 'status']);
  });

  it('leaves out the quality sample when no job was scored, keeping the text valid', () => {
    const unscored = parsePrometheusText(renderPrometheus(computeMetrics(snapshot(null))));
    assert.equal(sampleValue(unscored, 'claimflow_quality_score'), undefined);
    assert.equal(unscored.types.get('claimflow_quality_score'), 'gauge');
  });
});

describe('parsePrometheusText (the test parser)', () => {
  it('rejects what is not the text format', () => {
    assert.throws(() => parsePrometheusText('claimflow_x 1\n'), /before its TYPE/);
    assert.throws(() => parsePrometheusText('# HELP a h\n# TYPE a gauge\na{b="c} 1\n'), /not a HELP|bad labels/);
    assert.throws(() => parsePrometheusText('# HELP a h\n# TYPE a gauge\na one\n'), /bad value/);
    assert.throws(() => parsePrometheusText('# HELP a h\n# TYPE a gauge\na 1\na 2\n'), /repeated/);
    assert.throws(() => parsePrometheusText('# HELP a h\n# TYPE a gauge\na 1'), /newline/);
  });
});
