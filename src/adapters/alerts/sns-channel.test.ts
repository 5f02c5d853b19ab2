import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { InternalErrorException, NotFoundException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { Alert } from '../../domain/alert-policy.ts';
import { AlertDeliveryError } from '../../domain/errors.ts';
import { SnsChannel } from './sns-channel.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:claimflow-alerts';

const alert: Alert = {
  severity: 'critical',
  kind: 'pipeline_failure',
  title: 'Pipeline failure in etl',
  summary: 'etl stopped on a system error on claims ü.csv, job claims-etl-20260131-102030-0001; the job failed.',
  dedup_key: 'claimflow/claims-etl-20260131-102030-0001/pipeline_failure',
  component: 'etl',
  job_id: 'claims-etl-20260131-102030-0001',
  file: 'claims ü.csv',
  counts: {},
};

describe('SnsChannel', () => {
  const client = new SNSClient({ region: 'eu-west-1' });
  const sns = mockClient(client);
  const channel = new SnsChannel('oncall', client, { topicArn: TOPIC, timeoutMs: 1000 });

  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('publishes the alert as text with an ASCII subject and a severity attribute', async () => {
    await channel.send(alert);
    const calls = sns.commandCalls(PublishCommand);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]?.args[0].input, {
      TopicArn: TOPIC,
      Subject: '[claimflow] CRITICAL: Pipeline failure in etl',
      Message: [
        alert.summary,
        '',
        'severity: critical',
        'job: claims-etl-20260131-102030-0001',
        'file: claims ü.csv',
        'component: etl',
        '',
        'Alerts carry identifiers and counts only; the claims themselves are in the validation report and quarantine.',
        '',
      ].join('\n'),
      MessageAttributes: { severity: { DataType: 'String', StringValue: 'critical' } },
    });
  });

  it('keeps the subject within what SNS accepts: printable ASCII, at most 100 characters', async () => {
    await channel.send({ ...alert, title: `Fichier rejeté: ${'x'.repeat(200)}` });
    const subject = sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject ?? '';
    assert.equal(subject.length, 100);
    assert.match(subject, /^\[claimflow\] CRITICAL: Fichier rejet\?: x+$/);
  });

  it('marks server faults retryable and client faults (no such topic) not', async () => {
    sns
      .on(PublishCommand)
      .rejectsOnce(new InternalErrorException({ message: 'internal', $metadata: {} }))
      .rejectsOnce(new NotFoundException({ message: 'Topic does not exist', $metadata: {} }));
    const server = await channel.send(alert).catch((e: unknown) => e);
    assert.ok(server instanceof AlertDeliveryError);
    assert.deepEqual(
      [server.channel, server.problem, server.retryable],
      ['oncall', 'SNS: InternalErrorException', true],
    );
    const missing = await channel.send(alert).catch((e: unknown) => e);
    assert.ok(missing instanceof AlertDeliveryError);
    assert.deepEqual([missing.problem, missing.retryable], ['SNS: NotFoundException', false]);
  });
});
