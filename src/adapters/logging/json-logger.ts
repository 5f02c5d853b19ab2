import { redactFields, sanitizeErrorMessage } from '../../domain/redact.ts';
import type { Logger } from '../../pipeline/ports.ts';

/**
 * The one structured log: JSON lines, on stderr for the CLI and on stdout in Lambda (CloudWatch
 * reads both). Every field passes the redaction allow-list (src/domain/redact.ts), so a claim
 * value handed to it by mistake is written as `[redacted]`. Levels are written as Lambda's own JSON
 * log lines write them (`INFO`, `WARN`, `ERROR`), so one search for `ERROR` finds the handlers'
 * failures and the runtime's alike.
 */
export function createLogger(enabled: boolean, out: Pick<NodeJS.WritableStream, 'write'> = process.stderr): Logger {
  const write = (level: string, message: string, fields: Record<string, unknown> = {}): void => {
    if (!enabled) return;
    const own = { time: new Date().toISOString(), level, message: sanitizeErrorMessage(message) };
    // The line's own keys come first and cannot be overwritten by a field of the same name.
    out.write(`${JSON.stringify(Object.assign({ ...own }, redactFields(fields), own))}\n`);
  };
  return {
    info: (message, fields) => write('INFO', message, fields),
    warn: (message, fields) => write('WARN', message, fields),
    error: (message, fields) => write('ERROR', message, fields),
  };
}
