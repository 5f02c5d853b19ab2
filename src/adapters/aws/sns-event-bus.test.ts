import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import {
  CreateTopicCommand,
  InternalErrorException,
  InvalidParameterException,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
  ThrottledException,
} from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { createQueue, type MotoServices, receiveAll, startMoto } from '../../../test/support/moto.ts';
import { TransientError } from '../../domain/errors.ts';
import { TOPICS } from '../../pipeline/messages.ts';
import { motoClientConfig } from '../emulator/emulated-stack.ts';
import { SnsEventBus } from './sns-event-bus.ts';

const PROCESSING = 'arn:aws:sns:us-east-1:123456789012:claimflow-processing';
const ERRORS = 'arn:aws:sns:us-east-1:123456789012:claimflow-errors';

const task = {
  job_id: 'claims-etl-20250101-000000-0001',
  key: 'raw/claims/a.csv',
  sha256: 'ab',
  input_file: 'a.csv',
  months: [],
};

describe('SnsEventBus', () => {
  const client = new SNSClient({ region: 'us-east-1' });
  const sns = mockClient(client);
  const bus = new SnsEventBus(client, { processing: PROCESSING, errors: ERRORS });

  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('sends every pipeline topic to the processing topic with a topic attribute and the JSON message', async () => {
    const pipelineTopics = [TOPICS.validate, TOPICS.etl, TOPICS.postProcess, TOPICS.events];
    for (const topic of pipelineTopics) await bus.publish(topic, task);
    const calls = sns.commandCalls(PublishCommand);
    assert.equal(calls.length, 4);
    assert.deepEqual(
      calls.map((c) => c.args[0].input),
      pipelineTopics.map((topic) => ({
        TopicArn: PROCESSING,
        Message: JSON.stringify(task),
        MessageAttributes: { topic: { DataType: 'String', StringValue: topic } },
      })),
    );
  });

  it('sends claims.errors to the error topic, the message unchanged', async () => {
    const event = {
      event_type: 'error',
      error_message: 'boom',
      error_type: 'system',
      context: { function_name: 'etl', file: 'a.csv', job_id: task.job_id },
      timestamp: '2025-01-01T00:00:00.000Z',
    };
    await bus.publish(TOPICS.errors, event);
    const [call] = sns.commandCalls(PublishCommand);
    assert.deepEqual(call?.args[0].input, {
      TopicArn: ERRORS,
      Message: JSON.stringify(event),
      MessageAttributes: { topic: { DataType: 'String', StringValue: 'claims.errors' } },
    });
    assert.deepEqual(JSON.parse(call?.args[0].input.Message ?? ''), event);
  });

  it('turns throttling and server faults into TransientError so the runtime retries', async () => {
    const failures = [
      new ThrottledException({ $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' }),
      new InternalErrorException({ $metadata: { httpStatusCode: 500 }, message: 'internal' }),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    ];
    for (const failure of failures) {
      sns.on(PublishCommand).rejects(failure);
      await assert.rejects(bus.publish(TOPICS.etl, task), (error: unknown) => {
        assert.ok(error instanceof TransientError);
        assert.equal(error.code, 'transient');
        assert.equal(error.cause, failure);
        assert.match(error.message, /^sns publish claims\.etl: /);
        return true;
      });
    }
  });

  it('lets a client error (bad request) through as it is: retrying would not help', async () => {
    const failure = new InvalidParameterException({ $metadata: { httpStatusCode: 400 }, message: 'bad arn' });
    sns.on(PublishCommand).rejects(failure);
    await assert.rejects(bus.publish(TOPICS.validate, task), (error: unknown) => error === failure);
  });
});

/** The bus against SNS as moto answers it: each function's filter policy takes its own topic's messages. */
describe('SnsEventBus on SNS (moto on loopback)', () => {
  let moto: MotoServices | undefined;

  after(async () => {
    await moto?.stop();
  });

  it('routes by the topic attribute: a subscription filtered on claims.etl gets only those, errors go to the error topic', async () => {
    moto = await startMoto();
    const sns = new SNSClient(motoClientConfig(moto.server.endpoint));
    const topic = async (Name: string) => (await sns.send(new CreateTopicCommand({ Name }))).TopicArn ?? '';
    const [processing, errors] = [await topic('processing'), await topic('errors')];
    const subscribe = async (name: string, TopicArn: string, filter?: Record<string, string[]>) => {
      const queue = await createQueue(moto?.sqs as SQSClient, name);
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: queue.arn,
          Attributes: { RawMessageDelivery: 'true', ...(filter && { FilterPolicy: JSON.stringify(filter) }) },
        }),
      );
      return queue.url;
    };
    const etlQueue = await subscribe('etl', processing, { topic: [TOPICS.etl] });
    const errorQueue = await subscribe('errors', errors);
    const bus = new SnsEventBus(sns, { processing, errors });
    for (const t of [TOPICS.validate, TOPICS.etl, TOPICS.events, TOPICS.errors]) await bus.publish(t, { ...task, t });
    assert.deepEqual(await receiveAll(moto.sqs, etlQueue), [{ ...task, t: TOPICS.etl }]);
    assert.deepEqual(await receiveAll(moto.sqs, errorQueue), [{ ...task, t: TOPICS.errors }]);
    sns.destroy();
  });
});
