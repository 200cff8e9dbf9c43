/**
 * A round-robin HTTP load balancer for tests of several nodes: each request (not each
 * connection) goes to the next backend, the harshest spreading a real balancer can do. A
 * backend that refuses the connection is answered 503, as balancers do.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobin {
  readonly endpoint: string;
  /** requests sent to each backend, in backend order */
  readonly counts: number[];
  close(): Promise<void>;
}

export async function roundRobin(backends: string[]): Promise<RoundRobin> {
  const agent = new http.Agent({ keepAlive: true });
  const counts = backends.map(() => 0);
  let next = 0;
  const server = http.createServer((req, res) => {
    const i = next++ % backends.length;
    counts[i]++;
    const target = new URL(req.url ?? '/', backends[i]);
    const out = http.request(target, { method: req.method, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('backend unavailable');
    });
    req.pipe(out);
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
