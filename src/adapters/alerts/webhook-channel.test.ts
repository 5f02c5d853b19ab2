import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Alert } from '../../domain/alert-policy.ts';
import { AlertDeliveryError } from '../../domain/errors.ts';
import { WebhookChannel } from './webhook-channel.ts';

const alert: Alert = {
  severity: 'high',
  kind: 'file_rejected',
  title: 'File rejected: missing_required_column',
  summary: '<b>&co.csv (job j1) was rejected whole by missing_required_column.',
  dedup_key: 'claimflow/j1/file_rejected',
  component: 'etl',
  job_id: 'j1',
  file: '<b>&co.csv',
  rule_id: 'missing_required_column',
  counts: { total_records: 12 },
};

describe('WebhookChannel', () => {
  const bodies: unknown[] = [];
  /** A loopback receiver answering with the status its path names; `/hang` never answers. */
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    request.on('data', (chunk: Buffer) => {
      text += chunk;
    });
    request.on('end', () => {
      bodies.push(JSON.parse(text));
      if (request.url === '/hang') return;
      response.writeHead(Number(request.url?.slice(1)) || 200).end('ok');
    });
  });
  let base = '';

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('posts Slack-compatible JSON with markup in names escaped', async () => {
    await new WebhookChannel('slack', { url: `${base}/200`, timeoutMs: 2000 }).send(alert);
    assert.deepEqual(bodies.at(-1), {
      text: '[HIGH] File rejected: missing_required_column: &lt;b&gt;&amp;co.csv (job j1) was rejected whole by missing_required_column.',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '[HIGH] File rejected: missing_required_column' } },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '&lt;b&gt;&amp;co.csv (job j1) was rejected whole by missing_required_column.',
          },
        },
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: 'severity: `high`  |  job: `j1`  |  file: `&lt;b&gt;&amp;co.csv`  |  rule: `missing_required_column`  |  component: `etl`  |  total_records: `12`',
            },
          ],
        },
      ],
    });
  });

  it('fails retryably on 5xx and 429, for good on other 4xx, without quoting the URL', async () => {
    const outcomes = [];
    for (const status of [503, 429, 404]) {
      const error = await new WebhookChannel('slack', { url: `${base}/${status}`, timeoutMs: 2000 })
        .send(alert)
        .catch((e: unknown) => e);
      assert.ok(error instanceof AlertDeliveryError);
      assert.doesNotMatch(error.message, /127\.0\.0\.1/);
      outcomes.push([error.problem, error.retryable]);
    }
    assert.deepEqual(outcomes, [
      ['HTTP 503', true],
      ['HTTP 429', true],
      ['HTTP 404', false],
    ]);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    const started = performance.now();
    const error = await new WebhookChannel('slack', { url: `${base}/hang`, timeoutMs: 300 })
      .send(alert)
      .catch((e: unknown) => e);
    const waited = performance.now() - started;
    assert.ok(error instanceof AlertDeliveryError);
    assert.deepEqual([error.problem, error.retryable], ['no answer within 300 ms', true]);
    assert.ok(waited >= 290 && waited < 2000, `waited ${waited} ms`);
  });
});
