/**
 * Sessions behind a load balancer: a session lives on the node that started it (its open
 * transaction is in that node's memory), and its token starts with that node's id. A node that
 * receives a command of another node's session hands the request, exactly as received (headers,
 * signature and body), to the owner over one internal HTTP hop and relays the answer. The owner
 * checks the signature itself, as for any request; a forwarded request is marked so that it is
 * never forwarded again.
 *
 * If the owner is gone (no heartbeat lately, or it does not answer), the session is gone with
 * it: InvalidSessionException, which the drivers answer by starting a new session.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app';
import { invalidSession } from './errors';

/** Marks a request one node hands to another. */
export const FORWARDED_HEADER = 'x-openqldb-forwarded-by';

/** A node's heartbeat is older than this: it is taken for dead. */
export const NODE_ALIVE_MS = 15_000;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/**
 * The node a session token names: on a shared store every token starts with the 22 characters
 * of its node's id (still a base64-looking token, as QLDB's are).
 */
export function tokenOwner(token: unknown): string | undefined {
  return typeof token === 'string' && token.length > 22 ? token.slice(0, 22) : undefined;
}

/** Where the node is, if it is alive; looked up in the store and kept for a moment. */
const known = new WeakMap<App, Map<string, { url: string | undefined; until: number }>>();

async function ownerUrl(app: App, nodeId: string): Promise<string | undefined> {
  let cache = known.get(app);
  if (!cache) known.set(app, (cache = new Map()));
  const now = Date.now();
  const hit = cache.get(nodeId);
  if (hit && hit.until > now) return hit.url;
  const url = await app.store.nodes!.url(nodeId, now - NODE_ALIVE_MS);
  cache.set(nodeId, { url, until: now + 1000 });
  return url;
}

/**
 * Relays a session request to the node that holds its session; resolves with the status sent.
 * Throws InvalidSessionException when that node is gone or the request was forwarded already.
 */
export async function forwardToOwner(app: App, owner: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<number> {
  if (req.headers[FORWARDED_HEADER]) throw invalidSession('No such session');
  const url = await ownerUrl(app, owner);
  if (!url) throw invalidSession('No such session');
  const target = new URL(req.url ?? '/', url);
  const headers: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
  headers[FORWARDED_HEADER] = app.nodeId;
  headers['content-length'] = String(body.length);
  const secure = target.protocol === 'https:';
  return new Promise<number>((resolve, reject) => {
    const out = (secure ? https : http).request(
      target,
      { method: req.method, headers, agent: secure ? agents.https : agents.http, timeout: 60_000 },
      (answer) => {
        const relayed: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) relayed[k] = v;
        res.writeHead(answer.statusCode ?? 502, relayed);
        answer.pipe(res);
        answer.on('end', () => resolve(answer.statusCode ?? 502));
        // the answer broke off midway: the client sees a cut connection, as from the owner itself
        answer.on('error', () => {
          res.destroy();
          resolve(502);
        });
      },
    );
    // the owner died or cannot be reached: its sessions are gone with it
    out.on('error', () => {
      known.get(app)?.delete(owner);
      reject(invalidSession('No such session'));
    });
    out.on('timeout', () => out.destroy(new Error('timeout')));
    out.end(body);
  });
}
