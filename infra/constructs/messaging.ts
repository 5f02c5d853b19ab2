import { CfnCondition, Duration, Fn, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alertFor, type Severity } from '../../src/domain/alert-policy.ts';
import type { ErrorClass } from '../../src/domain/errors.ts';
import { happeningOfError } from '../../src/pipeline/alerts/job-happenings.ts';
import { runConfigSchema } from '../../src/pipeline/run-config.ts';
import type { MessagingProps } from './messaging-props.ts';

/** The severities that go out by SMS, as locally (docs/alerts.md); e-mail takes every one. */
export const SMS_SEVERITIES: readonly Severity[] = ['critical', 'high'];

/** The error types whose events the local alert policy (src/domain/alert-policy.ts) rates an SMS severity. */
export function smsErrorTypes(): ErrorClass[] {
  const thresholds = runConfigSchema.parse({}).alerts.thresholds;
  const types: ErrorClass[] = ['system', 'transient', 'data_quality'];
  return types.filter((error_type) => {
    const event = {
      event_type: 'error',
      error_message: '',
      error_type,
      context: { function_name: '', file: '' },
      timestamp: '',
    } as const;
    return SMS_SEVERITIES.includes(alertFor(happeningOfError(event), thresholds).severity);
  });
}

/** Alarm descriptions start with `<severity>:` so subscribers can filter on the severity. */
export function severityPrefix(severity: Severity): string {
  return `${severity}:`;
}

/**
 * The processing topic (every pipeline message, routed by its `topic` attribute), the error topic
 * (pipeline errors, alarms, failed Glue runs), the manual-review queue, and the people alerted.
 */
export class Messaging extends Construct {
  readonly processingTopic: sns.Topic;
  readonly errorTopic: sns.Topic;
  /** Messages that failed for good, kept for manual review and replay (`DEAD_LETTER_QUEUE_URL`). */
  readonly manualReviewQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: MessagingProps) {
    super(scope, id);
    const topicProps = { masterKey: props.key, enforceSSL: true } satisfies sns.TopicProps;
    this.processingTopic = new sns.Topic(this, 'ProcessingTopic', {
      ...topicProps,
      displayName: 'claimflow processing',
    });
    this.errorTopic = new sns.Topic(this, 'ErrorTopic', { ...topicProps, displayName: 'claimflow errors' });

    this.manualReviewQueue = new sqs.Queue(this, 'ManualReviewQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Failed messages are evidence awaiting review: deleting the stack leaves them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.manualReviewQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the pipeline dead-letter store: no consumer reads it automatically (operators list and replay it), so nothing could fail over to a further DLQ.',
    });

    // Every severity by e-mail; critical and high ones (error events and alarms) by SMS.
    this.subscribeIfGiven('AlertEmail', sns.SubscriptionProtocol.EMAIL, props.alertEmail);
    const sms = this.subscribeIfGiven('AlertSms', sns.SubscriptionProtocol.SMS, props.alertSmsNumber);
    sms.filterPolicyScope = 'MessageBody';
    sms.filterPolicy = {
      $or: [
        { error_type: smsErrorTypes() },
        { AlarmDescription: SMS_SEVERITIES.map((severity) => ({ prefix: severityPrefix(severity) })) },
      ],
    };
  }

  /** A subscription to the error topic that exists only when the endpoint parameter is not empty. */
  private subscribeIfGiven(id: string, protocol: sns.SubscriptionProtocol, endpoint: string): sns.CfnSubscription {
    const given = new CfnCondition(this, `${id}Given`, {
      expression: Fn.conditionNot(Fn.conditionEquals(endpoint, '')),
    });
    const subscription = new sns.Subscription(this, `${id}Subscription`, {
      topic: this.errorTopic,
      protocol,
      endpoint,
    });
    const cfn = subscription.node.defaultChild as sns.CfnSubscription;
    cfn.cfnOptions.condition = given;
    return cfn;
  }
}
