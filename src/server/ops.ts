/**
 * Operational endpoints beside the QLDB routes: GET /health (the process answers), GET /ready
 * (storage open and requests accepted: what a load balancer should route by) and GET /metrics
 * (Prometheus). No QLDB route uses these paths. Health and readiness never need a signature —
 * a probe has no credentials — and reveal nothing but up or down; metrics do need one under
 * `--auth strict` unless `--metrics-public` says otherwise, since they name ledgers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app';
import { consoleEndpoint, isConsolePath } from './console';

export type OpsEndpoint = (app: App, req: IncomingMessage, res: ServerResponse) => Promise<number>;

function json(res: ServerResponse, status: number, body: object): number {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
  return status;
}

const health: OpsEndpoint = async (_app, _req, res) => json(res, 200, { status: 'ok' });

const ready: OpsEndpoint = async (app, _req, res) => {
  const why = await app.notReadyReason();
  return why === undefined ? json(res, 200, { status: 'ready' }) : json(res, 503, { status: 'unavailable', reason: why });
};

const metrics: OpsEndpoint = async (app, req, res) => {
  if (app.config.auth === 'strict' && !app.config.metricsPublic) {
    // the same SigV4 check as every QLDB request; its errors leave through the caller's handler
    const request = { method: req.method ?? 'GET', url: req.url ?? '/metrics', headers: req.headers };
    app.auth.precheck(request);
    await app.auth.authenticate({ ...request, body: Buffer.alloc(0) });
  }
  const { contentType, body } = await app.metrics!.scrape();
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
  return 200;
};

/** The endpoint for a GET of `path`, if it is one of ours and switched on. */
export function opsEndpoint(app: App, method: string | undefined, path: string): { name: string; run: OpsEndpoint } | undefined {
  if (method !== 'GET') return undefined;
  if (path === '/health') return { name: 'Health', run: health };
  if (path === '/ready') return { name: 'Ready', run: ready };
  if (path === '/metrics' && app.metrics) return { name: 'Metrics', run: metrics };
  if (app.config.console && isConsolePath(path)) return { name: 'Console', run: consoleEndpoint };
  return undefined;
}
