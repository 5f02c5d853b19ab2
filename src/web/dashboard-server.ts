import type { Server } from 'node:http';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import type { Happening } from '../domain/alert-policy.ts';
import { ClaimflowError } from '../domain/errors.ts';
import { folderOf, PREFIXES } from '../domain/store-layout.ts';
import { raiseSecurityEvent, type SecurityEvent } from '../pipeline/alerts/raise-security-event.ts';
import { createThrottle } from '../pipeline/alerts/throttle.ts';
import { type Clock, type Logger, systemClock } from '../pipeline/ports.ts';
import { createDashboardApp } from './dashboard-app.ts';
import { isLoopbackHost } from './loopback-host.ts';
import { RootSnapshotReader } from './root-snapshot-reader.ts';

export interface DashboardServerOptions {
  readonly root: string;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly token: string | undefined;
  readonly logger: Logger;
  /** Rates and sends security events as alerts (critical); without it they are only logged. */
  readonly raiseAlert?: (happening: Happening) => Promise<void>;
  /** Times the window of auth-failure alerts (default: the system clock). */
  readonly clock?: Clock;
  /** Told of each report served (the audit log records it). */
  readonly onReportServed?: (name: string) => Promise<void>;
}

export interface DashboardServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Failed authentications from one address raise at most one alert per this window. */
export const AUTH_FAILURE_ALERT_WINDOW_MS = 60_000;

/** Binding where other machines can connect was asked for without a token. */
export class InsecureBindError extends ClaimflowError {
  readonly code = 'insecure_bind';
  constructor(readonly host: string) {
    super(`--host ${host} is reachable from other machines: give a token (--token or CLAIMFLOW_DASHBOARD_TOKEN)`);
  }
}

const hostPart = (host: string): string => (isIP(host) === 6 ? `[${host}]` : host);

/**
 * Serves the dashboard of `root` until closed. It listens on loopback unless a token is given;
 * a refused bind and failed authentications are security events.
 */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const clock = options.clock ?? systemClock;
  const pending = new Set<Promise<void>>();
  /** Never rejects: an alert that cannot be raised must not change how a request or the bind is answered. */
  const raise = (event: Omit<SecurityEvent, 'function_name'>): Promise<void> => {
    const raised = raiseSecurityEvent(
      { logger: options.logger, raiseAlert: options.raiseAlert ?? (async () => {}) },
      { function_name: 'dashboard', ...event },
    )
      .catch((error: unknown) => options.logger.warn('security event not raised', { error: String(error) }))
      .finally(() => pending.delete(raised));
    pending.add(raised);
    return raised;
  };
  if (options.token === undefined && !isLoopbackHost(options.host)) {
    await raise({ event: 'insecure_bind_refused' });
    throw new InsecureBindError(options.host);
  }
  const throttle = createThrottle(AUTH_FAILURE_ALERT_WINDOW_MS);
  const reader = new RootSnapshotReader(options.root);
  let port = options.port;
  // Without a token the loopback bind is the only guard, so the Host header must name this machine.
  const loopbackNames = ['127.0.0.1', 'localhost', '[::1]', hostPart(options.host)];
  const app = createDashboardApp({
    snapshot: () => reader.read(),
    reportsDir: join(options.root, folderOf(PREFIXES.validationReports)),
    token: options.token,
    isAllowedHost: (header) => {
      const host = header.toLowerCase();
      // Browsers leave out the default port.
      return (
        options.token !== undefined || loopbackNames.some((n) => host === `${n}:${port}` || (port === 80 && host === n))
      );
    },
    logger: options.logger,
    onReportServed: options.onReportServed,
    onAuthFailure: ({ remoteAddress, path }) => {
      const occurrences = throttle(remoteAddress, clock.now().getTime());
      // Not awaited: the refusal is answered at once; close() waits for alerts still being sent.
      if (occurrences > 0) void raise({ event: 'auth_failure', remote_address: remoteAddress, occurrences, path });
    },
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    reader.close();
    throw error;
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${hostPart(options.host)}:${port}/`,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      await Promise.allSettled([...pending]);
      reader.close();
    },
  };
}
