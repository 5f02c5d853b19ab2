import type { Logger } from '../pipeline/ports.ts';

/**
 * JSON-lines logger, on stderr for the CLI and on stdout in Lambda (CloudWatch reads both).
 * Fields must be identifiers and counts only (see DESIGN.md, Privacy).
 */
export function createLogger(enabled: boolean, out: Pick<NodeJS.WritableStream, 'write'> = process.stderr): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>): void => {
    if (enabled) out.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
  };
  return {
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
  };
}
