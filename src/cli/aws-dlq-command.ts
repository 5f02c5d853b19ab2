import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { SnsEventBus } from '../adapters/aws/sns-event-bus.ts';
import { SqsDeadLetterQueue } from '../adapters/aws/sqs-dead-letter-queue.ts';
import type { DeadLetter } from '../pipeline/ports.ts';
import { EXIT } from './run-report.ts';

/** Flags of `claimflow dlq list|replay --aws`, parsed once at the edge. */
export const awsDlqFlagsSchema = z.object({
  /** The stack's manual-review queue (output `ManualReviewQueueUrl` of `claimflow-<env>`). */
  queueUrl: z.url({ protocol: /^https?$/, error: 'use the queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)' }),
  /** The stack's processing topic, where a replayed task is published (replay only). */
  topicArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, 'use the processing topic ARN')
    .optional(),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'use a region code such as us-east-1')
    .optional(),
  json: z.boolean().default(false),
  all: z.boolean().default(false),
});
export type AwsDlqFlags = z.infer<typeof awsDlqFlagsSchema>;

/** The AWS clients the command uses; tests hand in clients pointed at their own endpoint. */
export interface AwsDlqClients {
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
}

interface Output {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const stdio: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** One line per letter, as `claimflow dlq list` prints local ones. */
export function formatLetter(letter: DeadLetter): string {
  const last = letter.errors.at(-1);
  return `${letter.id}  ${letter.handler}  ${letter.errors.length} attempt(s)  ${last?.error_type}: ${last?.message}\n`;
}

/**
 * `claimflow dlq list --aws` and `dlq replay --aws`: the stack's manual-review queue, where the
 * functions put the tasks they gave up on. Replay publishes each chosen task on the processing
 * topic with its `topic` attribute, as the handler before it did, then deletes the letter; the
 * function runs it asynchronously, and a task that fails again comes back as a new letter.
 */
export async function awsDlqCommand(
  action: 'list' | 'replay',
  id: string | undefined,
  flags: AwsDlqFlags,
  clients: AwsDlqClients = {
    sqs: new SQSClient({ region: flags.region }),
    sns: new SNSClient({ region: flags.region }),
  },
  io: Output = stdio,
): Promise<number> {
  const queue = new SqsDeadLetterQueue(clients.sqs, flags.queueUrl);
  const letters = await queue.list();
  if (action === 'list') {
    if (flags.json) io.out(`${JSON.stringify(letters, null, 2)}\n`);
    else if (letters.length === 0) io.out('dead-letter queue is empty\n');
    else for (const letter of letters) io.out(formatLetter(letter));
    return EXIT.ok;
  }
  if (!flags.topicArn) {
    io.err('claimflow: dlq replay --aws needs --topic-arn (the stack output ProcessingTopicArn)\n');
    return EXIT.usage;
  }
  const chosen = flags.all ? letters : letters.filter((letter) => letter.id === id);
  if (chosen.length === 0) {
    io.err(`claimflow: ${flags.all ? 'the dead-letter queue is empty' : `no dead letter ${id}`}\n`);
    return flags.all ? EXIT.ok : EXIT.usage;
  }
  // Letters never hold error events: the error topic is not one a replay publishes to.
  const bus = new SnsEventBus(clients.sns, { processing: flags.topicArn, errors: flags.topicArn });
  for (const letter of chosen) {
    // Published before it is deleted: a failure in between leaves the letter, never loses the task.
    await bus.publish(letter.topic, letter.message);
    await queue.remove(letter.id);
    io.out(`replayed ${letter.id} on ${letter.topic}\n`);
  }
  io.out(`replayed ${chosen.length}: the functions run them now; a task that fails again comes back as a letter\n`);
  return EXIT.ok;
}
