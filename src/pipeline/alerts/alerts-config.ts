import { z } from 'zod';
import { SEVERITIES } from '../../domain/alert-policy.ts';

export const httpUrlSchema = z.url({ protocol: /^https?$/, error: 'use an http(s) URL' });

/** `env:NAME` stands for the value of environment variable NAME, read when the channels are opened. */
const ENV_REFERENCE = /^env:[A-Za-z_][A-Za-z0-9_]*$/;
/** A secret, written in the file or (better) referenced as `env:NAME`. */
const secret = z
  .string()
  .min(1)
  .refine((v) => !v.startsWith('env:') || ENV_REFERENCE.test(v), 'use env:NAME with a valid variable name');
/** Webhook URLs hold their own secret token, so they may be `env:NAME` too. */
const secretUrl = secret.refine(
  (v) => v.startsWith('env:') || httpUrlSchema.safeParse(v).success,
  'use an http(s) URL or env:NAME',
);
const timeoutMs = z.number().int().positive().max(120_000).default(5_000);

const channelSchema = z.discriminatedUnion('type', [
  /** The structured log (stderr with --verbose). */
  z.object({ type: z.literal('log') }).strict(),
  /** Slack-compatible incoming webhook: POST `{ text, blocks }`. */
  z.object({ type: z.literal('webhook'), url: secretUrl, timeout_ms: timeoutMs }).strict(),
  /** PagerDuty Events API v2. */
  z
    .object({
      type: z.literal('pagerduty'),
      routing_key: secret,
      url: httpUrlSchema.default('https://events.pagerduty.com/v2/enqueue'),
      source: z.string().min(1).default('claimflow'),
      timeout_ms: timeoutMs,
    })
    .strict(),
  z
    .object({
      type: z.literal('smtp'),
      host: z.string().min(1),
      port: z.number().int().min(1).max(65_535).default(587),
      /** TLS from the start (port 465); otherwise STARTTLS is used when the server offers it. */
      secure: z.boolean().default(false),
      auth: z
        .object({ user: z.string().min(1), password: secret })
        .strict()
        .optional(),
      from: z.string().min(1),
      to: z.array(z.email()).min(1),
      timeout_ms: timeoutMs,
    })
    .strict(),
  /** An SNS topic (its e-mail and SMS subscriptions), in the topic ARN's region. */
  z
    .object({
      type: z.literal('sns'),
      // Standard topics only: FIFO topics cannot deliver to e-mail or SMS subscriptions.
      topic_arn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, 'use a standard SNS topic ARN'),
      timeout_ms: timeoutMs,
    })
    .strict(),
]);

const channelNames = z.array(z.string().min(1));

/** The `alerts` section of the config file (docs/configuration.md#alerts). */
export const alertsConfigSchema = z
  .object({
    /** Channels by name; a `log` channel always exists unless the file names another channel `log`. */
    channels: z
      .record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, - and _'), channelSchema)
      .default({})
      .transform((channels) => ({ log: { type: 'log' as const }, ...channels })),
    /** Channel names per severity. */
    routes: z
      .object({
        critical: channelNames.default(['log']),
        high: channelNames.default(['log']),
        medium: channelNames.default(['log']),
        low: channelNames.default(['log']),
      })
      .strict()
      .prefault({}),
    thresholds: z
      .object({
        error_rate: z.number().min(0).max(1).default(0.05),
        job_duration_ms: z.number().int().positive().default(3_600_000),
        quality_score: z.number().min(0).max(100).default(90),
      })
      .strict()
      .prefault({}),
    /** Attempts per channel, with exponential backoff and full jitter between them. */
    retry: z
      .object({
        max_attempts: z.number().int().min(1).max(10).default(3),
        base_delay_ms: z.number().int().nonnegative().default(500),
        max_delay_ms: z.number().int().positive().default(10_000),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine(
    (alerts, ctx) => {
      for (const severity of SEVERITIES)
        for (const [index, name] of alerts.routes[severity].entries())
          if (!(name in alerts.channels))
            ctx.addIssue({ code: 'custom', path: ['routes', severity, index], message: `no channel named '${name}'` });
    },
    // Only once the channels parsed: a broken channel would otherwise also show as every route missing.
    { when: (payload) => payload.issues.length === 0 },
  );

export type AlertsConfig = z.infer<typeof alertsConfigSchema>;
export type AlertChannelConfig = z.infer<typeof channelSchema>;
