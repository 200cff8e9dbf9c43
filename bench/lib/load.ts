/**
 * A small closed-loop load generator: `connections` keep-alive connections each sending the next
 * request as soon as the previous answer arrives, for `seconds`. Bounded in time and count, and
 * aimed only at loopback.
 */
import { Agent, request } from 'node:http';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rate: number;
}

export async function load(
  url: string,
  opts: { connections: number; seconds: number; method?: string; headers?: Record<string, string>; body?: string },
): Promise<LoadResult> {
  const target = new URL(url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) throw new Error('load only targets loopback');
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections });
  const deadline = Date.now() + opts.seconds * 1000;
  let requests = 0;
  let errors = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname + target.search, method: opts.method ?? 'GET', agent, headers: opts.headers },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) requests++;
            else errors++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(opts.body);
    });
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: opts.connections }, async () => {
      while (Date.now() < deadline) await one();
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { requests, errors, seconds, rate: requests / seconds };
}
