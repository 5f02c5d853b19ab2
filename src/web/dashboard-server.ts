import type { Server } from 'node:http';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import type { Logger } from '../pipeline/ports.ts';
import { createDashboardApp } from './dashboard-app.ts';
import { RootSnapshotReader } from './root-snapshot-reader.ts';

export interface DashboardServerOptions {
  readonly root: string;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly token: string | undefined;
  readonly logger: Logger;
}

export interface DashboardServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const hostPart = (host: string): string => (isIP(host) === 6 ? `[${host}]` : host);

/** Serves the dashboard of `root` until closed. */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const reader = new RootSnapshotReader(options.root);
  let port = options.port;
  // Without a token the loopback bind is the only guard, so the Host header must name this machine.
  const loopbackNames = ['127.0.0.1', 'localhost', '[::1]', hostPart(options.host)];
  const app = createDashboardApp({
    snapshot: () => reader.read(),
    reportsDir: join(options.root, 'validation-reports'),
    token: options.token,
    isAllowedHost: (header) => {
      const host = header.toLowerCase();
      // Browsers leave out the default port.
      return (
        options.token !== undefined || loopbackNames.some((n) => host === `${n}:${port}` || (port === 80 && host === n))
      );
    },
    logger: options.logger,
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
      reader.close();
    },
  };
}
