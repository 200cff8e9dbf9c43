/**
 * `openqldb serve`: start the server, print the endpoint, re-read the TLS certificate on SIGHUP,
 * stop cleanly on SIGINT/SIGTERM.
 */
import type { AddressInfo } from 'node:net';
import type { Server as HttpsServer } from 'node:https';
import { App } from '../app';
import { loadConfig } from '../config';
import { createServer } from '../server/http';
import { loadTlsMaterial, type TlsMaterial } from '../server/tls';

export async function runServe(argv: string[]): Promise<number> {
  const config = loadConfig(argv);
  // a bad certificate stops the start before the data directory is locked or opened
  const tls = config.tlsCert && config.tlsKey ? loadTlsMaterial(config.tlsCert, config.tlsKey) : undefined;
  const app = await App.open(config);
  const server = createServer(app, tls);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const endpoint = `${tls ? 'https' : 'http'}://${host}:${port}`;
  await app.announce(config.nodeUrl ?? endpoint);
  app.log.info('listening', {
    endpoint,
    dataDir: config.dataDir,
    region: config.region,
    // under strict auth the accounts are the credentials', and --account-id is not used
    accounts: app.auth.accounts,
    auth: config.auth,
    tls: tls ? { subject: tls.subject, validTo: tls.validTo, chain: tls.chainLength } : false,
    metrics: config.metrics ? (config.auth === 'strict' && !config.metricsPublic ? 'signed' : 'public') : 'off',
  });
  if (config.auth === 'off') {
    app.log.warn('auth_off', {
      message: 'AUTHENTICATION IS OFF: any caller that can reach this port can read and write every ledger. Use --auth strict outside a trusted machine.',
    });
  }
  if (!tls) {
    app.log.warn('tls_off', {
      message: 'Serving plain HTTP: credentials, statements and documents cross the network in clear. Use --tls-cert and --tls-key outside a trusted network.',
    });
  }

  // Certificates rotate: new connections get the new pair, open ones keep theirs. Without TLS,
  // SIGHUP (a reload to most daemons) must not take the server down as Node's default would.
  let serving = tls;
  process.on('SIGHUP', () => {
    if (!serving) {
      app.log.info('reload', { message: 'SIGHUP: no TLS certificate to re-read' });
      return;
    }
    let next: TlsMaterial;
    try {
      next = loadTlsMaterial(config.tlsCert!, config.tlsKey!);
    } catch (e) {
      app.log.error('tls_reload_failed', { reason: (e as Error).message, keeping: serving.subject });
      return;
    }
    (server as HttpsServer).setSecureContext({ cert: next.cert, key: next.key });
    serving = next;
    app.log.info('tls_reloaded', { subject: next.subject, validTo: next.validTo, chain: next.chainLength });
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info('stopping', { signal });
    app.stopAccepting();
    // In-flight requests finish; idle keep-alive connections are closed so close() can return.
    server.close(() => {
      void app.close().then(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Announced only once the signals are ours: a supervisor that sees this line may signal at
  // once, and a signal without a listener ends the process where it stands.
  process.stdout.write(`openqldb serving both QLDB APIs at ${endpoint}\n`);
  return new Promise<number>(() => {});
}
