import { createServer } from 'node:net';

/** A port on 127.0.0.1 that nothing listens on: taken from the system, then released. */
export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
