import { z } from 'zod';
import { openAuditTrail } from '../adapters/audit/audit-trail.ts';
import { JsonlEventLog } from '../adapters/local-bus/jsonl-event-log.ts';
import { createLogger } from '../adapters/logging/json-logger.ts';
import { UsageError } from '../domain/errors.ts';
import { reportFileKey } from '../domain/store-layout.ts';
import { systemClock } from '../pipeline/ports.ts';
import { InsecureBindError, startDashboardServer } from '../web/dashboard-server.ts';
import { env } from './env.ts';
import { loadConfig } from './load-config.ts';
import { openAlerts } from './open-alerts.ts';
import { readerRoot } from './reader-root.ts';
import { EXIT } from './run-command.ts';

/** What a bearer token may contain (RFC 6750 b64token), long enough not to be guessed. */
const TOKEN = /^[A-Za-z0-9._~+/-]{16,}=*$/;
/** Bind errors the user fixes by choosing another host or port. */
const BIND_ERRORS = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'ENOTFOUND']);

/**
 * Flags of `claimflow dashboard`; the token falls back to CLAIMFLOW_DASHBOARD_TOKEN. A host other
 * machines can reach without a token is refused by the server, which raises it as a security event.
 */
export const dashboardFlagsSchema = z
  .object({
    root: z.string().min(1).default('./claimflow-data'),
    host: z.string().min(1).default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65_535).default(8080),
    token: z.string().optional(),
    /** The config whose `alerts` section routes security events (default: the log). */
    config: z.string().optional(),
  })
  // An empty variable counts as unset, as shells make it easy to export one.
  .transform((flags) => ({ ...flags, token: flags.token ?? (env.CLAIMFLOW_DASHBOARD_TOKEN || undefined) }))
  .superRefine((flags, ctx) => {
    if (flags.token !== undefined && !TOKEN.test(flags.token))
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: 'use at least 16 characters of A-Z a-z 0-9 . _ ~ + / -',
      });
  });
export type DashboardFlags = z.infer<typeof dashboardFlagsSchema>;

/** `claimflow dashboard`: serves the dashboard, `/metrics` and the JSON API until SIGINT or SIGTERM. */
export async function dashboardCommand(flags: DashboardFlags): Promise<number> {
  const root = readerRoot(flags.root);
  const logger = createLogger(true);
  const audit = openAuditTrail(root, 'dashboard');
  const events = new JsonlEventLog(root);
  const raiseAlert = await openAlerts((await loadConfig(flags.config)).alerts, {
    configFile: flags.config,
    logger,
    recordEvent: (event) => events.append(event, systemClock.now()),
  });
  const server = await startDashboardServer({
    root,
    host: flags.host,
    port: flags.port,
    token: flags.token,
    logger,
    raiseAlert,
    onReportServed: (name) => audit.record('read', reportFileKey(name)),
  }).catch((error: unknown) => {
    if (error instanceof InsecureBindError) throw new UsageError(error.message, { cause: error });
    const code = (error as NodeJS.ErrnoException).code;
    if (code && BIND_ERRORS.has(code))
      throw new UsageError(`cannot listen on ${flags.host}:${flags.port}: ${code}`, { cause: error });
    throw error;
  });
  process.stderr.write(
    `claimflow dashboard: ${server.url} (root ${root}${flags.token ? ', bearer token required' : ''}); Ctrl-C stops\n`,
  );
  const signal = await new Promise<string>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
  process.stderr.write(`claimflow dashboard: ${signal}, stopping\n`);
  await server.close();
  return EXIT.ok;
}
