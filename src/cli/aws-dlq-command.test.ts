import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { DeadLetter } from '../pipeline/ports.ts';
import { awsDlqCommand, awsDlqFlagsSchema } from './aws-dlq-command.ts';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/claimflow-prod-review';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:claimflow-prod-processing';

function letterOf(jobId: string, handler: 'etl' | 'post-processing', topic: DeadLetter['topic']): DeadLetter {
  return {
    id: `${jobId}-${handler}`,
    topic,
    handler,
    message: { job_id: jobId, key: 'raw/claims/a.csv', sha256: 'ab', input_file: 'a.csv', months: [] },
    errors: [{ attempt: 1, error_type: 'system', message: 'disk full', at: '2026-01-31T12:00:00.000Z' }],
    created_at: '2026-01-31T12:00:00.000Z',
  };
}

/**
 * SQS and SNS are mocked (aws-sdk-client-mock): no SQS or SNS emulator is installed on this
 * machine yet. The queue answers receives with the letters the functions write (SqsDeadLetterQueue's format).
 */
describe('claimflow dlq --aws', () => {
  const sqs = new SQSClient({ region: 'us-east-1' });
  const sns = new SNSClient({ region: 'us-east-1' });
  const sqsMock = mockClient(sqs);
  const snsMock = mockClient(sns);
  const letters = [
    letterOf('claims-etl-20260131-120000-0001', 'etl', 'claims.etl'),
    letterOf('claims-etl-20260131-120000-0002', 'post-processing', 'claims.post-process'),
  ];
  let out: string;
  let err: string;
  const io = {
    out: (t: string): void => {
      out += t;
    },
    err: (t: string): void => {
      err += t;
    },
  };

  beforeEach(() => {
    out = '';
    err = '';
    sqsMock.reset();
    snsMock.reset();
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: letters.map((l, i) => ({ MessageId: `m${i}`, ReceiptHandle: `rh${i}`, Body: JSON.stringify(l) })),
      })
      .resolves({ Messages: [] });
    sqsMock.on(DeleteMessageCommand).resolves({});
    snsMock.on(PublishCommand).resolves({ MessageId: 'p' });
  });
  after(() => {
    sqsMock.restore();
    snsMock.restore();
  });

  const flags = (extra: object) => awsDlqFlagsSchema.parse({ queueUrl: QUEUE, ...extra });

  it('lists the letters of the manual-review queue, reading it without taking them', async () => {
    const code = await awsDlqCommand('list', undefined, flags({}), { sqs, sns }, io);
    assert.equal(code, 0);
    assert.equal(
      out,
      'claims-etl-20260131-120000-0001-etl  etl  1 attempt(s)  system: disk full\n' +
        'claims-etl-20260131-120000-0002-post-processing  post-processing  1 attempt(s)  system: disk full\n',
    );
    const [receive] = sqsMock.commandCalls(ReceiveMessageCommand);
    assert.equal(receive?.args[0].input.QueueUrl, QUEUE);
    assert.equal(receive?.args[0].input.VisibilityTimeout, 0);
    assert.equal(sqsMock.commandCalls(DeleteMessageCommand).length, 0);
  });

  it('replays one letter: its task published on the processing topic for its function, then the letter deleted', async () => {
    const code = await awsDlqCommand(
      'replay',
      'claims-etl-20260131-120000-0001-etl',
      flags({ topicArn: TOPIC }),
      { sqs, sns },
      io,
    );
    assert.equal(code, 0, err);
    const publishes = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
    assert.deepEqual(publishes, [
      {
        TopicArn: TOPIC,
        Message: JSON.stringify(letters[0]?.message),
        MessageAttributes: { topic: { DataType: 'String', StringValue: 'claims.etl' } },
      },
    ]);
    assert.deepEqual(
      sqsMock.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input),
      [{ QueueUrl: QUEUE, ReceiptHandle: 'rh0' }],
    );
    assert.match(out, /^replayed claims-etl-20260131-120000-0001-etl on claims\.etl\n/);
  });

  it('replays --all, and refuses an unknown id or a replay without the topic (usage, exit 1)', async () => {
    assert.equal(await awsDlqCommand('replay', undefined, flags({ topicArn: TOPIC, all: true }), { sqs, sns }, io), 0);
    assert.deepEqual(
      snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input.MessageAttributes?.topic?.StringValue),
      ['claims.etl', 'claims.post-process'],
    );
    assert.equal(sqsMock.commandCalls(DeleteMessageCommand).length, 2);
    assert.equal(await awsDlqCommand('replay', 'nope', flags({ topicArn: TOPIC }), { sqs, sns }, io), 1);
    assert.match(err, /no dead letter nope/);
    assert.equal(await awsDlqCommand('replay', 'x', flags({}), { sqs, sns }, io), 1);
    assert.match(err, /needs --topic-arn/);
    assert.throws(() => awsDlqFlagsSchema.parse({ queueUrl: 'claimflow-prod-review' }));
    assert.throws(() => awsDlqFlagsSchema.parse({ queueUrl: QUEUE, topicArn: 'claimflow' }));
  });
});
