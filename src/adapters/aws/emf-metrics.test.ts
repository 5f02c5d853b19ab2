import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EmfMetrics, METRIC_NAMES, MetricError } from './emf-metrics.ts';

/** CloudWatch's unit enumeration, which EMF `Unit` values must come from. */
const CLOUDWATCH_UNITS = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

/**
 * Checks a line against the EMF specification (CloudWatch "Embedded metric format specification"):
 * a JSON object on one line whose `_aws` holds an integer Timestamp and CloudWatchMetrics directives;
 * each directive's dimension keys and metric names refer to top-level members, dimensions being
 * strings and metric values numbers or arrays of at most 100 numbers. Returns the parsed object.
 */
function parseEmf(line: string): Record<string, unknown> {
  assert.ok(!line.includes('\n'), 'one line');
  const doc = JSON.parse(line) as Record<string, unknown>;
  const aws = doc._aws as { Timestamp: unknown; CloudWatchMetrics: unknown };
  assert.equal(typeof aws, 'object');
  assert.ok(Number.isInteger(aws.Timestamp) && (aws.Timestamp as number) > 0, 'Timestamp: epoch milliseconds');
  assert.ok(Array.isArray(aws.CloudWatchMetrics) && aws.CloudWatchMetrics.length > 0);
  for (const directive of aws.CloudWatchMetrics as Array<Record<string, unknown>>) {
    assert.match(String(directive.Namespace), /^\S{1,255}$/);
    assert.ok(Array.isArray(directive.Dimensions));
    for (const set of directive.Dimensions as unknown[][]) {
      assert.ok(Array.isArray(set) && set.length <= 30, 'a dimension set holds at most 30 keys');
      for (const key of set) assert.equal(typeof doc[key as string], 'string', `dimension ${String(key)} is a member`);
    }
    const metrics = directive.Metrics as Array<{ Name: string; Unit?: string }>;
    assert.ok(Array.isArray(metrics) && metrics.length >= 1 && metrics.length <= 100);
    for (const metric of metrics) {
      assert.match(metric.Name, /^.{1,255}$/);
      if (metric.Unit !== undefined) assert.ok(CLOUDWATCH_UNITS.has(metric.Unit), `unit ${metric.Unit}`);
      const value = doc[metric.Name];
      const values = Array.isArray(value) ? value : [value];
      assert.ok(values.length >= 1 && values.length <= 100, `${metric.Name}: 1 to 100 values`);
      for (const v of values) assert.ok(typeof v === 'number' && Number.isFinite(v), `${metric.Name} has a number`);
    }
  }
  return doc;
}

const DIMENSIONS = { environment: 'prod', function_name: 'claimflow-prod-etl' };

function collect(dimensions: Record<string, string> = DIMENSIONS): { lines: string[]; metrics: EmfMetrics } {
  const lines: string[] = [];
  return { lines, metrics: new EmfMetrics((line) => lines.push(line), dimensions) };
}

describe('EmfMetrics', () => {
  it('writes one EMF line per flush with every metric named, valued and under the dimensions', () => {
    const { lines, metrics } = collect();
    const before = Date.now();
    metrics.record('records_processed', 1000, 'Count');
    metrics.record('records_quarantined', 12, 'Count');
    metrics.record('error_rate', 1.2, 'Percent');
    metrics.record('stage_duration_ms', 120, 'Milliseconds');
    metrics.record('stage_duration_ms', 340, 'Milliseconds');
    metrics.flush();
    assert.equal(lines.length, 1);
    const doc = parseEmf(lines[0] ?? '');
    const { Timestamp, CloudWatchMetrics } = doc._aws as { Timestamp: number; CloudWatchMetrics: unknown };
    assert.ok(Timestamp >= before && Timestamp <= Date.now());
    assert.deepEqual(CloudWatchMetrics, [
      {
        Namespace: 'claimflow',
        Dimensions: [['environment', 'function_name']],
        Metrics: [
          { Name: 'records_processed', Unit: 'Count' },
          { Name: 'records_quarantined', Unit: 'Count' },
          { Name: 'error_rate', Unit: 'Percent' },
          { Name: 'stage_duration_ms', Unit: 'Milliseconds' },
        ],
      },
    ]);
    const { _aws, ...members } = doc;
    assert.deepEqual(members, {
      environment: 'prod',
      function_name: 'claimflow-prod-etl',
      records_processed: 1000,
      records_quarantined: 12,
      error_rate: 1.2,
      stage_duration_ms: [120, 340],
    });
  });

  it('accepts every metric name of the pipeline and starts afresh after a flush', () => {
    const { lines, metrics } = collect({});
    for (const name of METRIC_NAMES) metrics.record(name, 1, 'None');
    metrics.flush();
    metrics.flush();
    assert.equal(lines.length, 1, 'nothing recorded, nothing written');
    const doc = parseEmf(lines[0] ?? '');
    assert.deepEqual(
      (
        doc._aws as { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> }
      ).CloudWatchMetrics[0]?.Metrics.map((m) => m.Name),
      [...METRIC_NAMES],
    );
    metrics.record('dlq_depth', 3, 'Count');
    metrics.flush();
    assert.equal(parseEmf(lines[1] ?? '').dlq_depth, 3);
  });

  it('writes a line of 100 values before a 101st value of one metric', () => {
    const { lines, metrics } = collect();
    for (let i = 0; i < 101; i++) metrics.record('job_duration_ms', i, 'Milliseconds');
    metrics.flush();
    assert.equal(lines.length, 2);
    assert.equal((parseEmf(lines[0] ?? '').job_duration_ms as number[]).length, 100);
    assert.equal(parseEmf(lines[1] ?? '').job_duration_ms, 100);
  });

  it('refuses a dimension value that could be a claim value, without repeating it', () => {
    const claimValues = ['1980-04-02', 'E11.9', '1234.50', 'Jane Doe', '987654321', 'x'.repeat(65)];
    for (const value of claimValues) {
      assert.throws(
        () => new EmfMetrics(() => {}, { environment: 'prod', member: value }),
        (error: unknown) => {
          assert.ok(error instanceof MetricError);
          assert.equal(error.code, 'metric_unsafe_dimension_value');
          assert.ok(!error.message.includes(value.trim()), 'the value is not in the message');
          assert.match(error.message, /dimension member must match/);
          return true;
        },
      );
    }
    for (const name of ['Member Name', 'records_processed', '_aws'])
      assert.throws(() => new EmfMetrics(() => {}, { [name]: 'prod' }), { code: 'metric_unsafe_dimension_name' });
  });

  it('refuses an unknown metric name, a non-finite value and a unit change', () => {
    const { lines, metrics } = collect();
    assert.throws(
      () => metrics.record('member_M12345', 1, 'Count'),
      (error: unknown) => {
        assert.ok(error instanceof MetricError);
        assert.equal(error.code, 'metric_unknown_metric');
        assert.ok(!error.message.includes('M12345'));
        return true;
      },
    );
    assert.throws(() => metrics.record('quality_score', Number.NaN, 'None'), { code: 'metric_not_finite' });
    metrics.record('quality_score', 97.5, 'Percent');
    assert.throws(() => metrics.record('quality_score', 0.975, 'None'), { code: 'metric_unit_changed' });
    metrics.flush();
    assert.equal(parseEmf(lines[0] ?? '').quality_score, 97.5);
  });
});
