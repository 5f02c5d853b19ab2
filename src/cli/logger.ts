import type { Logger } from '../pipeline/ports.ts';

/** JSON-lines logger on stderr. Fields must be identifiers and counts only (see DESIGN.md, Privacy). */
export function createLogger(enabled: boolean): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>): void => {
    if (enabled)
      process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
  };
  return {
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
  };
}
