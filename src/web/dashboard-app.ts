import { readFileSync } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join, sep } from 'node:path';
import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { HTTPException } from 'hono/http-exception';
import { computeMetrics } from '../pipeline/metrics/compute-metrics.ts';
import type { MonitoringSnapshot } from '../pipeline/metrics/monitoring-snapshot.ts';
import { summarizeOperations } from '../pipeline/metrics/summarize-operations.ts';
import type { Logger } from '../pipeline/ports.ts';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './render-prometheus.ts';

export interface DashboardAppOptions {
  readonly snapshot: () => Promise<MonitoringSnapshot>;
  /** `<root>/validation-reports`: the only folder whose files are served. */
  readonly reportsDir: string;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  readonly token: string | undefined;
  /** Host headers served; the rest get 421, so a rebound DNS name cannot read a loopback dashboard. */
  readonly isAllowedHost: (host: string) => boolean;
  readonly logger: Logger;
  /** Told of every request refused for a missing, malformed or wrong token (401, 400). */
  readonly onAuthFailure: (attempt: { readonly remoteAddress: string; readonly path: string }) => void;
  /** Told of each report served (the audit log records it). */
  readonly onReportServed?: (name: string) => Promise<void>;
}

/** Scripts, styles and data only from this server; nothing inline, nothing external. */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
/** The validation report's own policy: inline CSS and SVG, no script. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";
const REPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.html$/;

const STATIC_TYPES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/** The page's files, read once from the package (no CDN, no build step). */
function loadStatic(): Map<string, { body: string; type: string }> {
  const dir = new URL('./static/', import.meta.url);
  return new Map(
    Object.entries(STATIC_TYPES).map(([name, type]) => [
      name,
      { body: readFileSync(new URL(name, dir), 'utf8'), type },
    ]),
  );
}

/** The dashboard: the page, `/metrics` (Prometheus), the JSON API and the HTML validation reports. */
export function createDashboardApp(options: DashboardAppOptions): Hono {
  const files = loadStatic();
  const app = new Hono();

  app.use(async (c, next) => {
    await next();
    c.header('Content-Security-Policy', c.res.headers.get('Content-Security-Policy') ?? PAGE_CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    c.header('Cache-Control', 'no-store');
  });
  app.use(async (c, next) => {
    if (!options.isAllowedHost(c.req.header('host') ?? '')) return c.text('unknown host', 421);
    await next();
  });
  if (options.token !== undefined) {
    const auth = bearerAuth({ token: options.token });
    app.use(async (c, next) => {
      try {
        await auth(c, next);
      } catch (error) {
        // Only the token check throws here: errors of the handlers after it are answered where they occur.
        if (error instanceof HTTPException) {
          const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
          options.onAuthFailure({ remoteAddress: incoming?.socket.remoteAddress ?? 'unknown', path: c.req.path });
        }
        throw error;
      }
    });
  }

  const serveStatic = (name: string) => {
    const file = files.get(name);
    return file ? new Response(file.body, { headers: { 'Content-Type': file.type } }) : undefined;
  };
  app.get('/', (c) => serveStatic('index.html') ?? c.notFound());
  app.get('/static/:name', (c) => serveStatic(c.req.param('name')) ?? c.notFound());

  app.get('/metrics', async (c) => {
    const text = renderPrometheus(computeMetrics(await options.snapshot()));
    return c.body(text, 200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE });
  });
  app.get('/api/metrics', async (c) => c.json(computeMetrics(await options.snapshot())));
  app.get('/api/operations', async (c) => c.json(summarizeOperations(await options.snapshot())));

  app.get('/reports/:name', async (c) => {
    const name = c.req.param('name');
    if (!REPORT_NAME.test(name)) return c.notFound();
    // realpath: a symlink in the folder must not lead out of it.
    const dir = await realpath(options.reportsDir).catch(() => undefined);
    const path = dir && (await realpath(join(dir, name)).catch(() => undefined));
    if (!dir || !path?.startsWith(dir + sep)) return c.notFound();
    const body = await readFile(path, 'utf8').catch(() => undefined);
    if (body === undefined) return c.notFound();
    await options.onReportServed?.(name);
    return c.body(body, 200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': REPORT_CSP });
  });

  app.notFound((c) => c.text('not found', 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    options.logger.warn('dashboard request failed', { path: c.req.path, error: error.message });
    return c.text('internal error', 500);
  });
  return app;
}
