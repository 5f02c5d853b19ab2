import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countS3Requests, estimateJobCost, LAMBDA_MAX_INPUT_BYTES } from './estimate-cost.ts';

const close = (actual: number, expected: number): void =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} is not ${expected}`);

describe('estimateJobCost', () => {
  it('prices a small file as Lambda GB-seconds, four invocations and its S3 requests', () => {
    const cost = estimateJobCost({ inputBytes: 1_000_000, durationMs: 2000, s3Puts: 10, s3Gets: 5 });
    assert.equal(cost.engine, 'lambda');
    // 0.5 GB for 2 s
    close(cost.lambda_gb_seconds, 1);
    assert.equal(cost.glue_dpu_hours, 0);
    // 1 GB-s x 0.0000166667 + 4 x 0.0000002 + 10 x 0.000005 + 5 x 0.0000004
    close(cost.usd, 0.0000166667 + 0.0000008 + 0.00005 + 0.000002);
  });

  it('prices a file over the Lambda limit as Glue DPU-hours with a one-minute minimum', () => {
    const short = estimateJobCost({ inputBytes: LAMBDA_MAX_INPUT_BYTES + 1, durationMs: 30_000, s3Puts: 0, s3Gets: 0 });
    assert.equal(short.engine, 'glue');
    assert.equal(short.lambda_gb_seconds, 0);
    // 10 DPUs for the 60 s minimum
    close(short.glue_dpu_hours, 10 / 60);
    close(short.usd, (10 / 60) * 0.44 + 4 * 0.0000002);
    const long = estimateJobCost({
      inputBytes: 2 * LAMBDA_MAX_INPUT_BYTES,
      durationMs: 7_200_000,
      s3Puts: 0,
      s3Gets: 0,
    });
    close(long.glue_dpu_hours, 20);
    close(long.usd, 20 * 0.44 + 4 * 0.0000002);
  });

  it('takes a file of unknown size, or exactly at the limit, as Lambda work', () => {
    assert.equal(estimateJobCost({ inputBytes: null, durationMs: 1000, s3Puts: 0, s3Gets: 0 }).engine, 'lambda');
    assert.equal(
      estimateJobCost({ inputBytes: LAMBDA_MAX_INPUT_BYTES, durationMs: 1000, s3Puts: 0, s3Gets: 0 }).engine,
      'lambda',
    );
  });
});

describe('countS3Requests', () => {
  it('counts a PUT per object written and the aggregations of each touched month', () => {
    const requests = countS3Requests({
      processed: [
        'processed/claims/year=2025/month=10/a.csv-1-0.parquet',
        'processed/claims/year=2025/month=10/a.csv-1-1.parquet',
        'processed/claims/year=2025/month=11/a.csv-1-0.parquet',
      ],
      quarantine_rows: 'quarantine/rows/a.csv-1.parquet',
      quarantine_file: null,
      archive: 'archive/2026-01-31/job/a.csv',
    });
    // 3 partitions + quarantine rows + archive + 2 reports + 2 aggregations x 2 months
    assert.equal(requests.puts, 3 + 2 + 2 + 4);
    // head + file + report, and each partition re-read by the aggregations
    assert.equal(requests.gets, 3 + 3);
  });

  it('counts a rejected file as its quarantine copy, archive and reports', () => {
    const requests = countS3Requests({
      processed: [],
      quarantine_rows: null,
      quarantine_file: 'quarantine/files/job/bad.csv',
      archive: 'archive/2026-01-31/job/bad.csv',
    });
    assert.deepEqual(requests, { puts: 4, gets: 3 });
  });
});
