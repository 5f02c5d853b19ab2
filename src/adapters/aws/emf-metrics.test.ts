import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JOB_METRIC_NAMES } from '../../pipeline/metrics/metric-catalog.ts';
import { EmfMetrics, MetricError } from './emf-metrics.ts';

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

/** EMF lines parsed and checked against the specification, joined into `name{label} -> values`. */
function valuesOf(lines: readonly string[]): Map<string, number[]> {
  const values = new Map<string, number[]>();
  for (const line of lines) {
    const doc = parseEmf(line);
    const [directive] = (
      doc._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> }
    ).CloudWatchMetrics;
    const label = directive?.Dimensions[0]?.find((d) => d !== 'environment');
    for (const { Name } of directive?.Metrics ?? []) {
      const key = label ? `${Name}{${label}=${String(doc[label])}}` : Name;
      const value = doc[Name];
      values.set(key, [...(values.get(key) ?? []), ...(Array.isArray(value) ? value : [value])]);
    }
  }
  return values;
}

function collect(): { lines: string[]; metrics: EmfMetrics } {
  const lines: string[] = [];
  const metrics = new EmfMetrics(
    (line) => lines.push(line),
    { environment: 'prod' },
    { function_name: 'claimflow-prod-etl' },
  );
  return { lines, metrics };
}

describe('EmfMetrics', () => {
  it('writes one EMF line per label set, each metric with its catalog unit, under environment and its label', () => {
    const { lines, metrics } = collect();
    const before = Date.now();
    metrics.record([
      { name: 'records_processed', value: 1000 },
      { name: 'records_quarantined', value: 12 },
      { name: 'files_processed', value: 1, label: 'SUCCEEDED' },
      { name: 'stage_duration_ms', value: 120, label: 'check' },
      { name: 'stage_duration_ms', value: 340, label: 'publish' },
      { name: 'estimated_cost_usd', value: 0.0000695 },
    ]);
    assert.equal(lines.length, 4, 'no label, status=SUCCEEDED, stage=check, stage=publish');
    const docs = lines.map(parseEmf);
    const [first = {}, second = {}] = docs;
    const { Timestamp, CloudWatchMetrics } = first._aws as { Timestamp: number; CloudWatchMetrics: unknown };
    assert.ok(Timestamp >= before && Timestamp <= Date.now());
    assert.deepEqual(CloudWatchMetrics, [
      {
        Namespace: 'claimflow',
        Dimensions: [['environment']],
        Metrics: [
          { Name: 'records_processed', Unit: 'Count' },
          { Name: 'records_quarantined', Unit: 'Count' },
          { Name: 'estimated_cost_usd', Unit: 'None' },
        ],
      },
    ]);
    const { _aws, ...members } = first;
    assert.deepEqual(members, {
      environment: 'prod',
      function_name: 'claimflow-prod-etl',
      records_processed: 1000,
      records_quarantined: 12,
      estimated_cost_usd: 0.0000695,
    });
    assert.deepEqual((second._aws as { CloudWatchMetrics: unknown }).CloudWatchMetrics, [
      {
        Namespace: 'claimflow',
        Dimensions: [['environment', 'status']],
        Metrics: [{ Name: 'files_processed', Unit: 'Count' }],
      },
    ]);
    assert.deepEqual(Object.fromEntries(valuesOf(lines)), {
      records_processed: [1000],
      records_quarantined: [12],
      estimated_cost_usd: [0.0000695],
      'files_processed{status=SUCCEEDED}': [1],
      'stage_duration_ms{stage=check}': [120],
      'stage_duration_ms{stage=publish}': [340],
    });
  });

  it('accepts every metric of the catalog, and writes nothing for no samples', () => {
    const { lines, metrics } = collect();
    metrics.record([]);
    assert.equal(lines.length, 0);
    metrics.record(JOB_METRIC_NAMES.map((name) => ({ name, value: 1, label: 'x' })));
    const names = new Set(
      lines.flatMap((line) =>
        (
          parseEmf(line)._aws as { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> }
        ).CloudWatchMetrics.flatMap((d) => d.Metrics.map((m) => m.Name)),
      ),
    );
    assert.deepEqual([...names].sort(), [...JOB_METRIC_NAMES].sort());
  });

  it('refuses a dimension or label value that could be a claim value, without repeating it', () => {
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
      const { metrics } = collect();
      assert.throws(() => metrics.record([{ name: 'stage_duration_ms', value: 1, label: value }]), {
        code: 'metric_unsafe_dimension_value',
      });
    }
    for (const name of ['Member Name', 'records_processed', '_aws'])
      assert.throws(() => new EmfMetrics(() => {}, { [name]: 'prod' }), { code: 'metric_unsafe_dimension_name' });
  });

  it('refuses an unknown metric name and a non-finite value, writing nothing of the batch', () => {
    const { lines, metrics } = collect();
    assert.throws(
      () => metrics.record([{ name: 'member_M12345' as 'records_processed', value: 1 }]),
      (error: unknown) => {
        assert.ok(error instanceof MetricError);
        assert.equal(error.code, 'metric_unknown_metric');
        assert.ok(!error.message.includes('M12345'));
        return true;
      },
    );
    assert.throws(
      () =>
        metrics.record([
          { name: 'records_processed', value: 3 },
          { name: 'quality_score', value: Number.NaN },
        ]),
      { code: 'metric_not_finite' },
    );
    assert.equal(lines.length, 0);
  });
});
