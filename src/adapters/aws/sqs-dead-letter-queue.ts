import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { ClaimflowError } from '../../domain/errors.ts';
import { TOPICS } from '../../pipeline/messages.ts';
import type { DeadLetter, DeadLetterQueue } from '../../pipeline/ports.ts';
import { callAws } from './aws-error.ts';

const deadLetterSchema = z.object({
  id: z.string(),
  topic: z.enum(TOPICS),
  handler: z.string(),
  message: z.unknown(),
  errors: z.array(z.object({ attempt: z.number(), error_type: z.string(), message: z.string(), at: z.string() })),
  created_at: z.string(),
});

/** A message on the dead-letter queue that is not a letter this adapter wrote. */
export class DeadLetterFormatError extends ClaimflowError {
  readonly code = 'dead_letter_format';
  constructor(
    readonly messageId: string,
    options?: { cause?: unknown },
  ) {
    super(`dead-letter queue message ${messageId} is not a dead letter`, options);
  }
}

/** Receives in a row that bring no letter not seen yet before a listing ends. */
const QUIET_RECEIVES = 3;
/** Upper bound on receives per listing (up to 10 messages each). */
const MAX_RECEIVES = 1000;

/**
 * The manual-review queue on SQS: one message per letter, its body the letter's JSON.
 *
 * SQS has no "list": `list` receives with a visibility timeout of 0, so letters stay visible to
 * others and can come back in the same listing (they are told apart by message id). It stops at an
 * empty receive (long polling of 1 s asks every SQS server, so empty means empty), or after
 * QUIET_RECEIVES receives with nothing new, or MAX_RECEIVES receives. Limits: on a queue of
 * thousands of letters a listing may miss some (each receive samples the queue); messages that another
 * consumer holds in flight are not seen; each listing raises every message's receive count, so this
 * queue must have no redrive policy of its own; only letters written by `put` may be sent to it.
 */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  /** Letter id -> SQS message id -> the receipt handle of its latest receive: SQS deletes by handle only. */
  private readonly receipts = new Map<string, Map<string, string>>();

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async put(letter: DeadLetter): Promise<void> {
    const command = new SendMessageCommand({
      QueueUrl: this.queueUrl,
      MessageBody: JSON.stringify(letter),
      MessageAttributes: {
        topic: { DataType: 'String', StringValue: letter.topic },
        handler: { DataType: 'String', StringValue: letter.handler },
      },
    });
    await callAws('sqs send dead letter', () => this.client.send(command));
  }

  /** The letters on the queue, one per letter id (the latest put when a letter was put twice). */
  async list(): Promise<DeadLetter[]> {
    this.receipts.clear();
    const byMessage = new Map<string, DeadLetter>();
    for (let receives = 0, quiet = 0; receives < MAX_RECEIVES && quiet < QUIET_RECEIVES; receives++) {
      const receive = new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 1,
      });
      const { Messages = [] } = await callAws('sqs receive dead letters', () => this.client.send(receive));
      if (Messages.length === 0) break;
      let fresh = 0;
      for (const message of Messages) {
        const { messageId, receiptHandle, letter } = parseMessage(message);
        if (!byMessage.has(messageId)) fresh++;
        byMessage.set(messageId, letter);
        const handles = this.receipts.get(letter.id) ?? new Map<string, string>();
        handles.set(messageId, receiptHandle);
        this.receipts.set(letter.id, handles);
      }
      quiet = fresh === 0 ? quiet + 1 : 0;
    }
    const latest = new Map<string, DeadLetter>();
    for (const letter of byMessage.values()) {
      const kept = latest.get(letter.id);
      if (!kept || kept.created_at < letter.created_at) latest.set(letter.id, letter);
    }
    return [...latest.values()].sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  /** Deletes every message of the letter, with the receipt handles of the last listing (listing first if needed). */
  async remove(id: string): Promise<void> {
    if (!this.receipts.has(id)) await this.list();
    for (const receiptHandle of this.receipts.get(id)?.values() ?? []) {
      const command = new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle });
      await callAws('sqs delete dead letter', () => this.client.send(command));
    }
    this.receipts.delete(id);
  }
}

function parseMessage(message: Message): { messageId: string; receiptHandle: string; letter: DeadLetter } {
  const messageId = message.MessageId ?? '(no message id)';
  try {
    const letter = deadLetterSchema.parse(JSON.parse(message.Body ?? ''));
    if (!message.ReceiptHandle) throw new Error('no receipt handle');
    return { messageId, receiptHandle: message.ReceiptHandle, letter };
  } catch (error) {
    throw new DeadLetterFormatError(messageId, { cause: error });
  }
}
