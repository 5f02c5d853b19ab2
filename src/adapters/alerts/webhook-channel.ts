import type { Alert } from '../../domain/alert-policy.ts';
import type { AlertChannel } from '../../pipeline/alerts/dispatch-alert.ts';
import { alertFacts } from './alert-text.ts';
import { postJson } from './post-json.ts';

/** A Slack incoming-webhook message (also accepted by Mattermost, Rocket.Chat, Teams' Slack connector). */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: ReadonlyArray<Record<string, unknown>>;
}

/** Slack's mrkdwn treats &, < and > as markup; a file name must not become a link or a mention. */
const escapeMrkdwn = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackMessageOf(alert: Alert): SlackMessage {
  const facts = alertFacts(alert)
    .map(([label, value]) => `${label}: \`${escapeMrkdwn(value)}\``)
    .join('  |  ');
  return {
    text: escapeMrkdwn(`[${alert.severity.toUpperCase()}] ${alert.title}: ${alert.summary}`),
    blocks: [
      // Header text is plain text of at most 150 characters.
      {
        type: 'header',
        text: { type: 'plain_text', text: `[${alert.severity.toUpperCase()}] ${alert.title}`.slice(0, 150) },
      },
      { type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(alert.summary) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: facts }] },
    ],
  };
}

/** POSTs the Slack-compatible JSON `{ text, blocks }` to an incoming-webhook URL. */
export class WebhookChannel implements AlertChannel {
  constructor(
    private readonly name: string,
    private readonly options: { readonly url: string; readonly timeoutMs: number },
  ) {}

  send(alert: Alert): Promise<void> {
    return postJson(this.name, this.options.url, slackMessageOf(alert), this.options.timeoutMs);
  }
}
