import { createTransport, type Transporter } from 'nodemailer';
import type { Alert } from '../../domain/alert-policy.ts';
import { AlertDeliveryError } from '../../domain/errors.ts';
import type { AlertChannel } from '../../pipeline/alerts/dispatch-alert.ts';
import { alertBody, alertSubject } from './alert-text.ts';

export interface SmtpOptions {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  readonly secure: boolean;
  readonly auth?: { readonly user: string; readonly password: string };
  readonly from: string;
  readonly to: readonly string[];
  readonly timeoutMs: number;
}

/** E-mail over SMTP (nodemailer), one plain-text message per alert. */
export class SmtpChannel implements AlertChannel {
  private readonly transport: Transporter;

  constructor(
    private readonly name: string,
    private readonly options: SmtpOptions,
  ) {
    const { host, port, secure, auth, timeoutMs } = options;
    this.transport = createTransport({
      host,
      port,
      secure,
      ...(auth ? { auth: { user: auth.user, pass: auth.password } } : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
  }

  async send(alert: Alert): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: [...this.options.to],
        subject: alertSubject(alert),
        text: alertBody(alert),
      });
    } catch (error) {
      // A 5xx reply (bad recipient, rejected login) will be the same next time; anything else may not.
      const code = (error as { responseCode?: number }).responseCode;
      const retryable = code === undefined || code < 500;
      const problem = `SMTP: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      throw new AlertDeliveryError(this.name, problem, retryable, { cause: error });
    }
  }
}
