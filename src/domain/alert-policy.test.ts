import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AlertThresholds, alertFor, type Happening } from './alert-policy.ts';

const thresholds: AlertThresholds = { error_rate: 0.05, job_duration_ms: 60_000, quality_score: 90 };

const succeeded = (
  fields: Partial<Extract<Happening, { kind: 'job_succeeded' }>> = {},
): Extract<Happening, { kind: 'job_succeeded' }> => ({
  kind: 'job_succeeded',
  job_id: 'claims-etl-20260131-102030-0001',
  file: 'claims.csv',
  total_records: 1000,
  error_records: 10,
  duration_ms: 5_000,
  quality_score: 98.5,
  ...fields,
});

describe('alert policy', () => {
  it('rates pipeline failures and security events critical', () => {
    const failure = alertFor(
      { kind: 'pipeline_failure', cause: 'system', function_name: 'etl', file: 'a.csv', job_id: 'j1' },
      thresholds,
    );
    assert.equal(failure.severity, 'critical');
    assert.equal(failure.title, 'Pipeline failure in etl');
    assert.deepEqual([failure.job_id, failure.file, failure.component], ['j1', 'a.csv', 'etl']);
    assert.equal(failure.dedup_key, 'claimflow/j1/pipeline_failure');

    const security = alertFor(
      { kind: 'security_event', event: 'auth_failure', function_name: 'dashboard', file: null, job_id: null },
      thresholds,
    );
    assert.equal(security.severity, 'critical');
    assert.equal(security.title, 'Security event: auth_failure');
    assert.equal(security.file, undefined);
    assert.equal(security.dedup_key, 'claimflow/dashboard/security_event');
  });

  it('rates exhausted retries, rejected files, and error rate or duration over threshold high', () => {
    const retries = alertFor(
      { kind: 'pipeline_failure', cause: 'transient', function_name: 'post-processing', file: 'a.csv', job_id: 'j2' },
      thresholds,
    );
    assert.equal(retries.severity, 'high');
    assert.match(retries.summary, /dead-lettered/);

    const rejected = alertFor(
      {
        kind: 'file_rejected',
        job_id: 'j3',
        file: 'bad.csv',
        rule_id: 'error_rate_exceeded',
        total_records: 400,
        error_records: 400,
      },
      thresholds,
    );
    assert.equal(rejected.severity, 'high');
    assert.equal(rejected.rule_id, 'error_rate_exceeded');
    assert.deepEqual(rejected.counts, { total_records: 400, error_records: 400 });

    const errorRate = alertFor(succeeded({ error_records: 51 }), thresholds);
    assert.equal(errorRate.severity, 'high');
    assert.equal(errorRate.title, 'Error rate over threshold');
    assert.match(errorRate.summary, /error rate 5\.10% is over 5\.00%/);

    const slow = alertFor(succeeded({ duration_ms: 60_001 }), thresholds);
    assert.equal(slow.severity, 'high');
    assert.equal(slow.title, 'Job duration over threshold');
  });

  it('rates quality under threshold medium, and the worst breach wins', () => {
    const quality = alertFor(succeeded({ quality_score: 89.9 }), thresholds);
    assert.equal(quality.severity, 'medium');
    assert.equal(quality.title, 'Quality under threshold');

    const both = alertFor(succeeded({ quality_score: 70, error_records: 100 }), thresholds);
    assert.equal(both.severity, 'high');
    assert.equal(both.title, 'Error rate over threshold');
    assert.match(both.summary, /Breach: error rate .* Breach: quality score 70 is under 90\./);
  });

  it('rates a job within every threshold low, with its counts', () => {
    const ok = alertFor(succeeded({ error_records: 50, quality_score: 90, duration_ms: 60_000 }), thresholds);
    assert.equal(ok.severity, 'low', 'thresholds are limits: equal is not a breach');
    assert.equal(ok.title, 'Job succeeded');
    assert.deepEqual(ok.counts, { total_records: 1000, error_records: 50, duration_ms: 60_000, quality_score: 90 });
    assert.equal(alertFor(succeeded({ total_records: 0, error_records: 0 }), thresholds).severity, 'low');
  });
});
