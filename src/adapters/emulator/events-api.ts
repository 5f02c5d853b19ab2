/**
 * The three EventBridge calls the emulator makes to moto (PutRule, PutTargets, PutEvents), over
 * its JSON protocol: the project has no EventBridge SDK client, and moto checks no signature.
 */
export class MotoEventsApi {
  constructor(private readonly endpoint: string) {}

  async putRule(name: string, eventPattern: unknown): Promise<void> {
    await this.call('PutRule', { Name: name, EventPattern: JSON.stringify(eventPattern), State: 'ENABLED' });
  }

  async putTargets(rule: string, targets: ReadonlyArray<{ Id: string; Arn: string; InputTransformer?: unknown }>) {
    const answer = (await this.call('PutTargets', { Rule: rule, Targets: targets })) as { FailedEntryCount?: number };
    if (answer.FailedEntryCount) throw new Error(`moto refused targets of rule ${rule}`);
  }

  /** Puts one event on the default bus, where moto matches it against the rules' patterns. */
  async putEvent(event: { Source: string; DetailType: string; Detail: unknown; Resources?: string[] }) {
    const answer = (await this.call('PutEvents', {
      Entries: [{ ...event, Detail: JSON.stringify(event.Detail) }],
    })) as { FailedEntryCount?: number };
    if (answer.FailedEntryCount) throw new Error(`moto refused an event of ${event.Source}`);
  }

  private async call(action: string, body: unknown): Promise<unknown> {
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSEvents.${action}`,
        // moto routes by the credential scope's service.
        authorization:
          'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/events/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`events ${action}: ${response.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : {};
  }
}
