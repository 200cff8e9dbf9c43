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
  /**
   * The next message from a client that holds `marker` reaches the server whole, then its
   * connection is cut before any answer comes back: the client cannot tell whether the server
   * acted on it. Resolves once that happened.
   */
  cutAfter(marker: string): Promise<void>;
  /** The next message from a client that holds `marker` is lost, with its connection. */
  dropAt(marker: string): Promise<void>;
  close(): Promise<void>;
}

export function silentRelay(port: number): Promise<SilentRelay> {
  let frozen = false;
  const held: [Socket, Buffer][] = [];
  const sockets = new Set<Socket>();
  let armed: { marker: string; deliver: boolean; done(): void } | undefined;
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    let cut = false;
    const end = () => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk: Buffer) => {
      if (cut) {
        // the rest of a long message still reaches the server before the connection closes
        if (!upstream.destroyed) upstream.write(chunk);
        return;
      }
      const trap = armed;
      if (trap && chunk.includes(trap.marker)) {
        armed = undefined;
        cut = true;
        if (!trap.deliver) {
          end();
          return trap.done();
        }
        // answers are dropped from now on; the server gets the whole message, then the end
        upstream.write(chunk);
        setTimeout(() => {
          upstream.end();
          client.destroy();
          trap.done();
        }, 200);
        return;
      }
      if (frozen) held.push([upstream, chunk]);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cut) return;
      if (frozen) held.push([client, chunk]);
      else client.write(chunk);
    });
  });
  const trap = (marker: string, deliver: boolean) => new Promise<void>((done) => (armed = { marker, deliver, done }));
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
        cutAfter: (marker) => trap(marker, true),
        dropAt: (marker) => trap(marker, false),
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
