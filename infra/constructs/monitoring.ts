import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Severity } from '../../src/domain/alert-policy.ts';
import type { ErrorEvent } from '../../src/pipeline/messages.ts';
import { FUNCTION_IDS, type FunctionId } from './functions.ts';
import { severityPrefix } from './messaging.ts';
import type { MonitoringProps } from './monitoring-props.ts';

const PERIOD = Duration.minutes(5);
/** The namespace of the pipeline's own metrics (Embedded Metric Format from the functions). */
const PIPELINE_NAMESPACE = 'claimflow';

/**
 * Alarms and the dashboard. Every alarm notifies the error topic with its severity first in the
 * description (`critical: ...`), the same four levels as pipeline errors: an error-handler failure
 * is critical (alerts stop), other function errors and dead letters high (retries are used up),
 * throttling medium, an etl run close to its timeout low.
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
      this.alarm(`${fid}Errors`, fid === 'errorHandler' ? 'critical' : 'high', {
        metric: fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        threshold: settings.errorAlarmThreshold,
        text: `${fid} function errors (each failed attempt counts; retries follow)`,
      });
      this.alarm(`${fid}Throttles`, 'medium', {
        metric: fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        threshold: 1,
        text: `${fid} function throttled: reserved concurrency ${settings.reservedConcurrency} reached`,
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
    options: { metric: cloudwatch.IMetric; threshold: number; text: string; evaluationPeriods?: number },
  ): void {
    const alarm = new cloudwatch.Alarm(this, `${id}Alarm`, {
      alarmName: `claimflow-${this.props.settings.name}-${id}`,
      alarmDescription: `${severityPrefix(severity)} ${options.text}`,
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.props.messaging.errorTopic));
    this.alarms.push(alarm);
  }

  private volumeWidgets(): cloudwatch.IWidget[] {
    const fns = this.props.functions.functions;
    const environment = this.props.settings.name;
    const pipelineMetric = (name: string, label: string): cloudwatch.IMetric =>
      new cloudwatch.MathExpression({
        // The functions' metrics carry more dimensions than we can name here; search by name and environment.
        expression: `SUM(SEARCH('Namespace="${PIPELINE_NAMESPACE}" MetricName="${name}" ${environment}', 'Sum', 300))`,
        label,
        period: PERIOD,
      });
    return [
      new cloudwatch.GraphWidget({
        title: 'Volume: files received and jobs run',
        left: [
          fns.trigger.metricInvocations({ period: PERIOD, statistic: 'Sum', label: 'files received (trigger)' }),
          fns.etl.metricInvocations({ period: PERIOD, statistic: 'Sum', label: 'etl tasks' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Volume: claim lines',
        left: [
          pipelineMetric('records_processed', 'processed'),
          pipelineMetric('records_quarantined', 'quarantined'),
          pipelineMetric('duplicates_removed', 'duplicates removed'),
        ],
        width: 12,
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
