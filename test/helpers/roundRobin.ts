/**
 * A round-robin HTTP load balancer for tests of several nodes: each request (not each
 * connection) goes to the next backend, the harshest spreading a real balancer can do.
 *
 * A backend that refuses the connection has been sent nothing, so the request goes to the next
 * backend and the refusing one leaves the rotation for a while — what nginx (max_fails=1,
 * proxy_next_upstream error), HAProxy (redispatch) and cloud balancers' passive health checks do.
 * Without it every other request would come back as the balancer's own 503, whose body is not
 * the JSON of a QLDB error: the SDK cannot read it, and the driver gives up rather than retry. A
 * backend that breaks off a request it was sent is answered 502, as those balancers answer it:
 * a POST is not sent twice.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobin {
  readonly endpoint: string;
  /** requests sent to each backend, in backend order */
  readonly counts: number[];
  close(): Promise<void>;
}

/** How long a backend that refused a connection is left out of the rotation. */
const OUT_OF_ROTATION_MS = 500;

export async function roundRobin(backends: string[]): Promise<RoundRobin> {
  const agent = new http.Agent({ keepAlive: true });
  const counts = backends.map(() => 0);
  const downUntil = backends.map(() => 0);
  let next = 0;

  /** The next backend in rotation not tried yet; when every one is out of rotation, any not tried yet (as nginx does). */
  function pick(tried: Set<number>): number | undefined {
    for (const inRotation of [true, false]) {
      for (let n = 0; n < backends.length; n++) {
        const i = next++ % backends.length;
        if (!tried.has(i) && (!inRotation || downUntil[i] <= Date.now())) return i;
      }
    }
    return undefined;
  }

  function send(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, tried: Set<number>): void {
    const i = pick(tried);
    if (i === undefined) {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('no backend available');
      return;
    }
    tried.add(i);
    counts[i]++;
    const target = new URL(req.url ?? '/', backends[i]);
    const out = http.request(target, { method: req.method, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    out.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') {
        downUntil[i] = Date.now() + OUT_OF_ROTATION_MS;
        send(req, body, res, tried);
        return;
      }
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('bad gateway');
    });
    out.end(body);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => send(req, Buffer.concat(chunks), res, new Set()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      agent.destroy();
    },
  };
}
