import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  DeleteMessageCommand,
  type Message,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  RequestThrottled,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { createQueue, type MotoServices, startMoto } from '../../../test/support/moto.ts';
import { TransientError } from '../../domain/errors.ts';
import type { DeadLetter } from '../../pipeline/ports.ts';
import { DeadLetterFormatError, SqsDeadLetterQueue } from './sqs-dead-letter-queue.ts';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/claimflow-dlq';
const RECEIVE = { QueueUrl: QUEUE, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 1 };

function letterOf(id: string, createdAt = '2025-01-01T00:00:00.000Z'): DeadLetter {
  return {
    id,
    topic: 'claims.etl',
    handler: 'etl',
    message: {
      job_id: id.replace(/-etl$/, ''),
      key: 'raw/claims/a.csv',
      sha256: 'ab',
      input_file: 'a.csv',
      months: [],
    },
    errors: [{ attempt: 1, error_type: 'system', message: 'boom', at: createdAt }],
    created_at: createdAt,
  };
}

/** The SQS message of a letter; `receive` tells receipt handles of repeated receives apart. */
function messageOf(messageId: string, letter: DeadLetter, receive = 1): Message {
  return { MessageId: messageId, ReceiptHandle: `rh-${messageId}-${receive}`, Body: JSON.stringify(letter) };
}

describe('SqsDeadLetterQueue', () => {
  const client = new SQSClient({ region: 'us-east-1' });
  const sqs = mockClient(client);
  const a = letterOf('claims-etl-20250101-000000-0001-etl', '2025-01-01T00:00:01.000Z');
  const b = letterOf('claims-etl-20250101-000000-0002-etl', '2025-01-01T00:00:02.000Z');
  let queue: SqsDeadLetterQueue;

  beforeEach(() => {
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
    sqs.on(DeleteMessageCommand).resolves({});
    queue = new SqsDeadLetterQueue(client, QUEUE);
  });

  it('puts a letter as its JSON with topic and handler attributes', async () => {
    await queue.put(a);
    const calls = sqs.commandCalls(SendMessageCommand);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]?.args[0].input, {
      QueueUrl: QUEUE,
      MessageBody: JSON.stringify(a),
      MessageAttributes: {
        topic: { DataType: 'String', StringValue: 'claims.etl' },
        handler: { DataType: 'String', StringValue: 'etl' },
      },
    });
  });

  it('lists by receiving 10 at a time with visibility 0 until a receive comes back empty', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [messageOf('m-b', b), messageOf('m-a', a)] })
      .resolvesOnce({ Messages: [messageOf('m-a', a, 2)] })
      .resolves({});
    const letters = await queue.list();
    assert.deepEqual(letters, [a, b], 'each letter once, oldest first, though m-a came twice');
    const receives = sqs.commandCalls(ReceiveMessageCommand);
    assert.equal(receives.length, 3);
    for (const call of receives) assert.deepEqual(call.args[0].input, RECEIVE);
  });

  it('ends a listing after 3 receives that bring nothing new, since visible letters keep coming back', async () => {
    let receive = 1;
    sqs.on(ReceiveMessageCommand).callsFake(() => ({ Messages: [messageOf('m-a', a, receive++)] }));
    assert.deepEqual(await queue.list(), [a]);
    assert.equal(sqs.commandCalls(ReceiveMessageCommand).length, 4, '1 new, then 3 quiet');
  });

  it('keeps the latest put of a letter id, and removes every message of it with its latest receipt handle', async () => {
    const again = { ...a, created_at: '2025-01-02T00:00:00.000Z' };
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [messageOf('m-a', a), messageOf('m-b', b)] })
      .resolvesOnce({ Messages: [messageOf('m-a2', again), messageOf('m-a', a, 2)] })
      .resolves({ Messages: [] });
    assert.deepEqual(await queue.list(), [b, again]);
    await queue.remove(a.id);
    assert.deepEqual(
      sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input),
      [
        { QueueUrl: QUEUE, ReceiptHandle: 'rh-m-a-2' },
        { QueueUrl: QUEUE, ReceiptHandle: 'rh-m-a2-1' },
      ],
    );
    await queue.remove(a.id);
    assert.equal(sqs.commandCalls(ReceiveMessageCommand).length, 4, 'an id not in the last listing lists again');
    assert.equal(sqs.commandCalls(DeleteMessageCommand).length, 2, 'nothing more to delete');
  });

  it('lists first when asked to remove a letter it has not seen', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [messageOf('m-b', b)] })
      .resolves({});
    await queue.remove(b.id);
    assert.equal(sqs.commandCalls(ReceiveMessageCommand).length, 2);
    assert.deepEqual(
      sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input),
      [{ QueueUrl: QUEUE, ReceiptHandle: 'rh-m-b-1' }],
    );
  });

  it('rejects a message that is not a letter, naming its message id only', async () => {
    sqs.on(ReceiveMessageCommand).resolves({
      Messages: [{ MessageId: 'm-x', ReceiptHandle: 'rh', Body: '{"Records":[{"member_id":"M123"}]}' }],
    });
    await assert.rejects(queue.list(), (error: unknown) => {
      assert.ok(error instanceof DeadLetterFormatError);
      assert.equal(error.code, 'dead_letter_format');
      assert.equal(error.messageId, 'm-x');
      assert.equal(error.message, 'dead-letter queue message m-x is not a dead letter');
      return true;
    });
  });

  it('turns throttling into TransientError and lets a missing queue through', async () => {
    const throttled = new RequestThrottled({ $metadata: { httpStatusCode: 400 }, message: 'slow down' });
    sqs.on(SendMessageCommand).rejects(throttled);
    await assert.rejects(queue.put(a), (error: unknown) => {
      assert.ok(error instanceof TransientError);
      assert.equal(error.message, 'sqs send dead letter: RequestThrottled');
      assert.equal(error.cause, throttled);
      return true;
    });
    const missing = new QueueDoesNotExist({ $metadata: { httpStatusCode: 400 }, message: 'no queue' });
    sqs.on(ReceiveMessageCommand).rejects(missing);
    await assert.rejects(queue.list(), (error: unknown) => error === missing);
  });
});

/** The same queue against SQS as moto answers it: the letters go round the service and back. */
describe('SqsDeadLetterQueue on SQS (moto on loopback)', () => {
  let moto: MotoServices | undefined;
  let queue: SqsDeadLetterQueue;

  before(async () => {
    moto = await startMoto();
    queue = new SqsDeadLetterQueue(moto.sqs, (await createQueue(moto.sqs, 'review')).url);
  });

  after(async () => {
    await moto?.stop();
  });

  it('lists each letter once (the latest of one put twice), oldest first, and removes every copy of one', async () => {
    const a = letterOf('claims-etl-20250101-000000-0001-etl', '2025-01-01T00:00:01.000Z');
    const b = letterOf('claims-etl-20250101-000000-0002-etl', '2025-01-01T00:00:02.000Z');
    const bAgain = { ...b, created_at: '2025-01-01T00:00:03.000Z' };
    for (const letter of [b, a, bAgain]) await queue.put(letter);
    assert.deepEqual(await queue.list(), [a, bAgain]);
    await queue.remove(b.id);
    assert.deepEqual(await queue.list(), [a]);
    await queue.remove(a.id);
    assert.deepEqual(await queue.list(), []);
  });
});
