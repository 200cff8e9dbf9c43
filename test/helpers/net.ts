import { connect, createServer, type Socket } from 'node:net';

/** A port on 127.0.0.1 that nothing listens on: taken from the system, then released. */
export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * A TCP relay to `port` on 127.0.0.1 that can go silent: frozen, it keeps every connection open
 * and accepts new ones but delivers no byte either way, as a network dropping packets does; what
 * was sent meanwhile arrives once it thaws, as TCP would retransmit it.
 */
export interface SilentRelay {
  readonly port: number;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

export function silentRelay(port: number): Promise<SilentRelay> {
  let frozen = false;
  const held: [Socket, Buffer][] = [];
  const sockets = new Set<Socket>();
  const relay = (from: Socket, to: Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (frozen) held.push([to, chunk]);
      else to.write(chunk);
    });
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    const end = () => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    relay(client, upstream);
    relay(upstream, client);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as { port: number }).port,
        freeze() {
          frozen = true;
        },
        thaw() {
          frozen = false;
          for (const [to, chunk] of held.splice(0)) if (!to.destroyed) to.write(chunk);
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
