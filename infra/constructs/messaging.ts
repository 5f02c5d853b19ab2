import { CfnCondition, Duration, Fn, RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Severity } from '../../src/domain/alert-policy.ts';
import type { MessagingProps } from './messaging-props.ts';

/** The severities that go out by SMS, as locally (docs/alerts.md); e-mail takes every one. */
export const SMS_SEVERITIES: readonly Severity[] = ['critical', 'high'];

/** Alarm descriptions start with `<severity>:` so subscribers can filter on the severity. */
export function severityPrefix(severity: Severity): string {
  return `${severity}:`;
}

/**
 * The processing topic (every pipeline message, routed by its `topic` attribute), the error topic
 * (pipeline errors, alarms, failed Glue runs), the alert topic (alerts the dispatcher sends), the
 * alert channels' secret, the manual-review queue, and the people alerted.
 */
export class Messaging extends Construct {
  readonly processingTopic: sns.Topic;
  readonly errorTopic: sns.Topic;
  /** Alerts from the dispatcher's `sns` channel, each with its `severity` message attribute. */
  readonly alertTopic: sns.Topic;
  /** The Slack webhook URL and PagerDuty routing key, set by the operator (docs/alerts.md); `{}` until then. */
  readonly alertSecret: secretsmanager.Secret;
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
    this.alertTopic = new sns.Topic(this, 'AlertTopic', { ...topicProps, displayName: 'claimflow alerts' });
    this.alertSecret = new secretsmanager.Secret(this, 'AlertChannelsSecret', {
      description: `claimflow ${props.environmentName}: alert channels (slack_webhook_url, pagerduty_routing_key)`,
      encryptionKey: props.key,
      // An empty object, not a secret: the operator puts the values in after the deploy, never in the template.
      secretStringValue: SecretValue.unsafePlainText('{}'),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const NOT_ROTATED =
      'The secret holds a Slack webhook URL and a PagerDuty routing key issued by those services; they are replaced there, and the operator puts the new value in, so there is nothing for a rotation function to generate.';
    Validations.of(this.alertSecret).acknowledge({ id: 'AwsSolutions-SMG4', reason: NOT_ROTATED });
    Validations.of(this.alertSecret).acknowledge({
      id: 'HIPAA.Security-SecretsManagerRotationEnabled',
      reason: NOT_ROTATED,
    });

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

    // Alerts: every severity by e-mail, critical and high by SMS (the dispatcher's `severity` attribute).
    this.subscribeIfGiven('AlertEmail', sns.SubscriptionProtocol.EMAIL, props.alertEmail, this.alertTopic);
    const sms = this.subscribeIfGiven('AlertSms', sns.SubscriptionProtocol.SMS, props.alertSmsNumber, this.alertTopic);
    sms.filterPolicy = { severity: [...SMS_SEVERITIES] };
    // Alarms come from CloudWatch to the error topic: the same people take them there, by the
    // severity their description starts with (error events there go to the alert function only).
    const alarmEmail = this.subscribeIfGiven(
      'AlarmEmail',
      sns.SubscriptionProtocol.EMAIL,
      props.alertEmail,
      this.errorTopic,
    );
    alarmEmail.filterPolicyScope = 'MessageBody';
    alarmEmail.filterPolicy = { AlarmName: [{ exists: true }] };
    const alarmSms = this.subscribeIfGiven(
      'AlarmSms',
      sns.SubscriptionProtocol.SMS,
      props.alertSmsNumber,
      this.errorTopic,
    );
    alarmSms.filterPolicyScope = 'MessageBody';
    alarmSms.filterPolicy = {
      AlarmDescription: SMS_SEVERITIES.map((severity) => ({ prefix: severityPrefix(severity) })),
    };
  }

  /** A subscription to `topic` that exists only when the endpoint parameter is not empty. */
  private subscribeIfGiven(
    id: string,
    protocol: sns.SubscriptionProtocol,
    endpoint: string,
    topic: sns.ITopic,
  ): sns.CfnSubscription {
    const given = new CfnCondition(this, `${id}Given`, {
      expression: Fn.conditionNot(Fn.conditionEquals(endpoint, '')),
    });
    const subscription = new sns.Subscription(this, `${id}Subscription`, {
      topic,
      protocol,
      endpoint,
    });
    const cfn = subscription.node.defaultChild as sns.CfnSubscription;
    cfn.cfnOptions.condition = given;
    return cfn;
  }
}
