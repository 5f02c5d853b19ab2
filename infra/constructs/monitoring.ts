import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Severity } from '../../src/domain/alert-policy.ts';
import type { ErrorEvent } from '../../src/pipeline/messages.ts';
import { type JobMetricName, METRIC_NAMESPACE } from '../../src/pipeline/metrics/metric-catalog.ts';
import { runConfigSchema } from '../../src/pipeline/run-config.ts';
import { FUNCTION_IDS, type FunctionId } from './functions.ts';
import { severityPrefix } from './messaging.ts';
import type { MonitoringProps } from './monitoring-props.ts';

const PERIOD = Duration.minutes(5);
/** The local alert policy's default thresholds (src/pipeline/alerts/alerts-config.ts), for the metric alarms. */
const THRESHOLDS = runConfigSchema.parse({}).alerts.thresholds;
const DAYS_PER_MONTH = 30;

/** What a function's throttles hit: its own reservation, or the account's quota it shares. */
const throttledBy = (reserved: number | undefined): string =>
  reserved === undefined ? "the account's unreserved concurrency reached" : `reserved concurrency ${reserved} reached`;

/**
 * Alarms and the dashboard. Every alarm notifies the error topic with its severity first in the
 * description (`critical: ...`), the same four levels as pipeline errors: a function error is
 * critical (a pipeline failure), dead letters high (retries are used up), throttling medium, an etl
 * run close to its timeout low.
 */
export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;
  /** Failed, timed-out and errored Glue runs, delivered to the error topic as pipeline error events. */
  readonly glueFailureRule: events.Rule;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: MonitoringProps,
  ) {
    super(scope, id);
    const { settings, functions, messaging, glueJob } = props;
    const fns = functions.functions;

    for (const fid of FUNCTION_IDS) {
      const fn = fns[fid];
      // A function error is a pipeline failure (critical, as locally): the functions end failed jobs
      // themselves, so an invocation fails only when that failure handling (or the error handler) failed.
      this.alarm(`${fid}Errors`, 'critical', {
        metric: fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        threshold: settings.errorAlarmThreshold,
        text: `${fid} function errors (each failed attempt counts; retries follow)`,
      });
      this.alarm(`${fid}Throttles`, 'medium', {
        metric: fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        threshold: 1,
        text: `${fid} function throttled: ${throttledBy(settings.functions[fid].reservedConcurrency)}`,
      });
    }
    for (const [name, queue] of this.queues()) {
      this.alarm(`${name}Messages`, 'high', {
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        threshold: 1,
        text: `${name}: messages that failed every retry are waiting for manual review`,
      });
    }
    const etlTimeout = fns.etl.timeout ?? Duration.minutes(5);
    this.alarm('etlNearTimeout', 'low', {
      metric: fns.etl.metricDuration({ period: PERIOD, statistic: 'p95' }),
      threshold: etlTimeout.toMilliseconds() * 0.8,
      evaluationPeriods: 3,
      text: 'etl p95 duration above 80% of the timeout: lower DUCKDB_MAX_BYTES so more files go to Glue',
    });
    // The same breaches and severities as the local alert policy (src/domain/alert-policy.ts).
    this.alarm('errorRate', 'high', {
      metric: this.errorRate(PERIOD),
      threshold: THRESHOLDS.error_rate * 100,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      text: `quarantined share of the claim lines over ${THRESHOLDS.error_rate * 100}% in 5 minutes`,
    });
    this.alarm('qualityScore', 'medium', {
      metric: this.pipelineMetric('quality_score', 'Minimum'),
      threshold: THRESHOLDS.quality_score,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      text: `a job's quality score under ${THRESHOLDS.quality_score}`,
    });
    const dailyBudget = settings.monthlyBudgetUsd / DAYS_PER_MONTH;
    this.alarm('costOverrun', 'medium', {
      metric: this.pipelineMetric('estimated_cost_usd', 'Sum', Duration.days(1)),
      threshold: dailyBudget,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      text: `estimated cost of a day's jobs over ${dailyBudget.toFixed(2)} USD, the daily share of the ${settings.monthlyBudgetUsd} USD monthly budget`,
    });

    this.glueFailureRule = new events.Rule(this, 'GlueRunFailed', {
      description: `claimflow ${settings.name}: failed Glue plan runs -> error topic`,
      eventPattern: {
        source: ['aws.glue'],
        detailType: ['Glue Job State Change'],
        detail: { jobName: [glueJob.jobName], state: ['FAILED', 'TIMEOUT', 'ERROR'] },
      },
    });
    // The run's error message is left out on purpose: Spark messages can quote row values.
    const glueError = {
      event_type: 'error',
      error_message: `glue job run ${events.EventField.fromPath('$.detail.state')}`,
      error_type: 'system',
      context: { function_name: glueJob.jobName, file: events.EventField.fromPath('$.detail.jobRunId') },
      timestamp: events.EventField.fromPath('$.time'),
    } satisfies ErrorEvent;
    this.glueFailureRule.addTarget(
      new targets.SnsTopic(messaging.errorTopic, { message: events.RuleTargetInput.fromObject(glueError) }),
    );

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `claimflow-${settings.name}`,
      defaultInterval: Duration.days(1),
    });
    this.dashboard.addWidgets(...this.volumeWidgets());
    this.dashboard.addWidgets(...this.latencyQualityCostWidgets());
    this.dashboard.addWidgets(...this.healthWidgets());
    this.dashboard.addWidgets(...this.queueAndGlueWidgets());
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
    );
  }

  private queues(): Array<[string, sqs.IQueue]> {
    const dlqs = this.props.functions.deadLetterQueues;
    return [
      ['manualReview', this.props.messaging.manualReviewQueue],
      ...FUNCTION_IDS.map((fid): [string, sqs.IQueue] => [`${fid}Dlq`, dlqs[fid]]),
    ];
  }

  private alarm(
    id: string,
    severity: Severity,
    options: {
      metric: cloudwatch.IMetric;
      threshold: number;
      text: string;
      evaluationPeriods?: number;
      comparison?: cloudwatch.ComparisonOperator;
    },
  ): void {
    const alarm = new cloudwatch.Alarm(this, `${id}Alarm`, {
      alarmName: `claimflow-${this.props.settings.name}-${id}`,
      alarmDescription: `${severityPrefix(severity)} ${options.text}`,
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: options.comparison ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.props.messaging.errorTopic));
    this.alarms.push(alarm);
  }

  /** A metric the functions emit (src/pipeline/metrics/metric-catalog.ts), for this environment. */
  private pipelineMetric(
    name: JobMetricName,
    statistic: string,
    period: Duration = PERIOD,
    options: { label?: string; dimensions?: Record<string, string> } = {},
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName: name,
      dimensionsMap: { environment: this.props.settings.name, ...options.dimensions },
      statistic,
      period,
      label: options.label,
    });
  }

  /** Quarantined share of the claim lines checked, in percent (the local `error_rate`, times 100). */
  private errorRate(period: Duration): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: 'IF(valid + quarantined > 0, 100 * quarantined / (valid + quarantined), 0)',
      usingMetrics: {
        valid: this.pipelineMetric('records_valid', 'Sum', period),
        quarantined: this.pipelineMetric('records_quarantined', 'Sum', period),
      },
      label: 'error rate %',
      period,
    });
  }

  private volumeWidgets(): cloudwatch.IWidget[] {
    const fns = this.props.functions.functions;
    const status = (value: 'SUCCEEDED' | 'FAILED'): cloudwatch.Metric =>
      this.pipelineMetric('files_processed', 'Sum', PERIOD, { label: value, dimensions: { status: value } });
    const hour = Duration.hours(1);
    return [
      new cloudwatch.GraphWidget({
        title: 'Volume: files received, jobs finished by status',
        left: [
          fns.trigger.metricInvocations({ period: PERIOD, statistic: 'Sum', label: 'files received (trigger)' }),
          status('SUCCEEDED'),
          status('FAILED'),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Volume: claim lines',
        left: [
          this.pipelineMetric('records_processed', 'Sum', PERIOD, { label: 'processed' }),
          this.pipelineMetric('records_quarantined', 'Sum', PERIOD, { label: 'quarantined' }),
          this.pipelineMetric('duplicates_removed', 'Sum', PERIOD, { label: 'duplicates removed' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Records per hour and error rate (%)',
        left: [this.pipelineMetric('records_processed', 'Sum', hour, { label: 'records processed per hour' })],
        right: [this.errorRate(hour)],
        rightYAxis: { min: 0, max: 100 },
        width: 8,
      }),
    ];
  }

  private latencyQualityCostWidgets(): cloudwatch.IWidget[] {
    const day = Duration.days(1);
    const month = Duration.days(DAYS_PER_MONTH);
    const environment = this.props.settings.name;
    const stageMetric: JobMetricName = 'stage_duration_ms';
    return [
      new cloudwatch.GraphWidget({
        title: 'Stage latency (ms, average)',
        left: [
          new cloudwatch.MathExpression({
            // Stages come from the reports (a Glue run has its own), so every stage found is drawn.
            expression: `SEARCH('{${METRIC_NAMESPACE},environment,stage} MetricName="${stageMetric}" environment="${environment}"', 'Average', 300)`,
            label: '',
            period: PERIOD,
          }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'End-to-end latency (ms)',
        left: (['p50', 'p95', 'Maximum'] as const).map((statistic) =>
          this.pipelineMetric('job_duration_ms', statistic, PERIOD, { label: statistic }),
        ),
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Quality score',
        left: [
          this.pipelineMetric('quality_score', 'Minimum', PERIOD, { label: 'lowest' }),
          this.pipelineMetric('quality_score', 'Average', PERIOD, { label: 'average' }),
        ],
        leftYAxis: { min: 0, max: 100 },
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Estimated cost (USD): per day, per job',
        left: [this.pipelineMetric('estimated_cost_usd', 'Sum', day, { label: 'daily cost' })],
        right: [this.pipelineMetric('estimated_cost_usd', 'Average', day, { label: 'average per job' })],
        width: 6,
      }),
      new cloudwatch.SingleValueWidget({
        title: `Estimated cost (USD): last 30 days, budget ${this.props.settings.monthlyBudgetUsd}`,
        metrics: [this.pipelineMetric('estimated_cost_usd', 'Sum', month, { label: 'monthly cost' })],
        start: `-P${DAYS_PER_MONTH}D`,
        fullPrecision: true,
        width: 24,
        height: 3,
      }),
    ];
  }

  private healthWidgets(): cloudwatch.IWidget[] {
    const fns = this.props.functions.functions;
    const errorRate = (fid: FunctionId): cloudwatch.IMetric =>
      new cloudwatch.MathExpression({
        expression: `IF(invocations_${fid} > 0, 100 * errors_${fid} / invocations_${fid}, 0)`,
        usingMetrics: {
          [`errors_${fid}`]: fns[fid].metricErrors({ period: PERIOD, statistic: 'Sum' }),
          [`invocations_${fid}`]: fns[fid].metricInvocations({ period: PERIOD, statistic: 'Sum' }),
        },
        label: `${fid} %`,
        period: PERIOD,
      });
    return [
      new cloudwatch.GraphWidget({
        title: 'Error rate (% of invocations)',
        left: FUNCTION_IDS.map(errorRate),
        leftYAxis: { min: 0, max: 100 },
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Duration p95 (ms)',
        left: FUNCTION_IDS.map((fid) => fns[fid].metricDuration({ period: PERIOD, statistic: 'p95', label: fid })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Throttles',
        left: FUNCTION_IDS.map((fid) => fns[fid].metricThrottles({ period: PERIOD, statistic: 'Sum', label: fid })),
        width: 8,
      }),
    ];
  }

  private queueAndGlueWidgets(): cloudwatch.IWidget[] {
    const jobName = this.props.glueJob.jobName;
    const glueMetric = (metricName: string, label: string, type: 'count' | 'gauge' = 'count'): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: 'Glue',
        metricName,
        dimensionsMap: { JobName: jobName, JobRunId: 'ALL', Type: type },
        period: PERIOD,
        statistic: 'Sum',
        label,
      });
    return [
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queue depth',
        left: this.queues().map(([name, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: name }),
        ),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Glue job state',
        left: [
          glueMetric('glue.driver.aggregate.numCompletedTasks', 'completed tasks'),
          glueMetric('glue.driver.aggregate.numFailedTasks', 'failed tasks'),
          new cloudwatch.Metric({
            namespace: 'AWS/Events',
            metricName: 'TriggeredRules',
            dimensionsMap: { RuleName: this.glueFailureRule.ruleName },
            period: PERIOD,
            statistic: 'Sum',
            label: 'failed runs',
          }),
        ],
        right: [glueMetric('glue.driver.aggregate.elapsedTime', 'elapsed ms')],
        width: 12,
      }),
    ];
  }
}
