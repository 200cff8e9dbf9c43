/** `openqldb serve`: start the server, print the endpoint, stop cleanly on SIGINT/SIGTERM. */
import type { AddressInfo } from 'node:net';
import { App } from '../app';
import { loadConfig } from '../config';
import { createServer } from '../server/http';

export async function runServe(argv: string[]): Promise<number> {
  const config = loadConfig(argv);
  const app = new App(config);
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const endpoint = `http://${host}:${port}`;
  app.log.info('listening', { endpoint, dataDir: config.dataDir, region: config.region, accountId: config.accountId, auth: config.auth });
  if (config.auth === 'off') {
    app.log.warn('auth_off', {
      message: 'AUTHENTICATION IS OFF: any caller that can reach this port can read and write every ledger. Use --auth strict outside a trusted machine.',
    });
  }
  process.stdout.write(`openqldb serving both QLDB APIs at ${endpoint}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info('stopping', { signal });
    // In-flight requests finish; idle keep-alive connections are closed so close() can return.
    server.close(() => {
      void app.close().then(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return new Promise<number>(() => {});
}
