import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { TOPICS, type Topic } from '../../pipeline/messages.ts';
import type { EventBus } from '../../pipeline/ports.ts';
import { callAws } from './aws-error.ts';

/**
 * The bus on AWS: `claims.errors` goes to the error topic (alert subscriptions), every other topic
 * to the processing topic, where each function's subscription filters on the `topic` attribute.
 */
export class SnsEventBus implements EventBus {
  constructor(
    private readonly client: SNSClient,
    private readonly topics: { processing: string; errors: string },
  ) {}

  async publish(topic: Topic, message: unknown): Promise<void> {
    const command = new PublishCommand({
      TopicArn: topic === TOPICS.errors ? this.topics.errors : this.topics.processing,
      Message: JSON.stringify(message),
      MessageAttributes: { topic: { DataType: 'String', StringValue: topic } },
    });
    await callAws(`sns publish ${topic}`, () => this.client.send(command));
  }
}
