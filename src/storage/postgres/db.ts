/**
 * Opens a PostgreSQL database from a URL and brings every component's schema up to date.
 *
 * Components and their migrations have the same shape as on SQLite (src/storage/sqlite/db.ts):
 * versions tracked per component in `schema_migrations`, each migration in a transaction of its
 * own. Several nodes may start on one database at once, so the whole migration runs under an
 * advisory lock: the first node migrates, the others wait and then find every version applied.
 *
 * The URL is what an operator typed, password included; every message about it masks it.
 */
import pg from 'pg';
import type { ComponentSchema } from '../sqlite/db';

export type { ComponentSchema, Migration } from '../sqlite/db';

export interface PgDb {
  readonly pool: pg.Pool;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** runs `fn` on one connection between BEGIN and COMMIT; ROLLBACK when it throws */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** ends every connection; calling it again waits for the same end */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** the pool's largest number of connections (node-postgres's default is 10) */
  maxConnections?: number;
}

// Without a timeout a connection to a host that drops packets would hang start-up for minutes.
// node-postgres does not read libpq's `connect_timeout` (seconds, 0 = none) from the URL; we do.
const CONNECT_TIMEOUT_MS = 10_000;

function connectTimeoutMs(url: string): number {
  const seconds = new URL(url).searchParams.get('connect_timeout');
  return seconds !== null && /^\d+$/.test(seconds) ? Number(seconds) * 1000 : CONNECT_TIMEOUT_MS;
}

/** the URL as it may be shown: password masked, in the authority and in `?password=` */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString().replace('password=%2A%2A%2A', 'password=***');
  } catch {
    // Not a URL we can take apart: mask whatever sits between `user:` and `@`.
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1***@').replace(/([?&]password=)[^&]*/i, '$1***');
  }
}

/** why a connection failed, in one line that carries no secret */
function reason(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length) {
    // Node tries every address of a name (IPv6 and IPv4 for localhost); its own message is empty.
    return [...new Set(err.errors.map(reason))].join('; ');
  }
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: string }).code;
  return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}

// A database that stops answering (a network that drops packets, a frozen host) would hold a
// request, and the commit batch behind it, until TCP gives up many minutes later. node-postgres
// reads `query_timeout` (ms) from the URL; without one, a query gets this long.
const QUERY_TIMEOUT_MS = 30_000;

function queryTimeoutMs(url: string): number {
  const ms = new URL(url).searchParams.get('query_timeout');
  return ms !== null && /^\d+$/.test(ms) ? Number(ms) : QUERY_TIMEOUT_MS;
}

/** node-postgres's own message when a query outlives query_timeout */
function timedOut(err: unknown): boolean {
  return err instanceof Error && err.message === 'Query read timeout';
}

function settings(url: string): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: connectTimeoutMs(url),
    query_timeout: queryTimeoutMs(url),
    // a peer that vanished without a word is noticed by the kernel on idle connections too
    keepAlive: true,
    application_name: 'openqldb',
  };
}

/**
 * One connected client, or an Error naming host, port, database and user and why not: this is
 * the message `openqldb serve` prints when it cannot start.
 */
export async function connectClient(url: string): Promise<pg.Client> {
  let client: pg.Client;
  try {
    // node-postgres would read anything else as a path relative to postgres://base.
    if (!/^postgres(ql)?:\/\//i.test(url)) throw new Error('expected postgres://user:password@host:port/database');
    // node-postgres parses the URL (and reads sslrootcert, sslcert, sslkey) here.
    client = new pg.Client(settings(url));
  } catch (err) {
    throw new Error(`invalid PostgreSQL URL ${describeUrl(url)}: ${reason(err)}`);
  }
  // An error after connecting (the server going away) must not crash the process as an
  // unhandled 'error' event; the next query on the client fails and says why.
  client.on('error', () => {});
  const started = Date.now();
  try {
    await client.connect();
    return client;
  } catch (err) {
    await client.end().catch(() => {});
    const timeout = connectTimeoutMs(url);
    // node-postgres reports its own timeout as "Connection terminated unexpectedly".
    const why = timeout > 0 && Date.now() - started >= timeout ? `no answer within ${timeout / 1000} s (connect_timeout)` : reason(err);
    const user = client.user ? `, user "${client.user}"` : '';
    throw new Error(`cannot connect to PostgreSQL at ${client.host}:${client.port}, database "${client.database}"${user}: ${why}`);
  }
}

export async function openPostgres(url: string, schemas: ComponentSchema[], options: OpenOptions = {}): Promise<PgDb> {
  // A first connection of our own, so that a wrong URL fails here with a clear message rather
  // than on some later query of the pool.
  const first = await connectClient(url);
  const pool = new pg.Pool({ ...settings(url), max: options.maxConnections });
  // An idle connection that breaks (server restart, network) is dropped by the pool; the error
  // it emits must not end the process, and the next checkout opens a fresh connection.
  pool.on('error', () => {});
  // The pool listens for a connection's errors only while it is idle: one that breaks while
  // checked out (a commit's connection when the server terminates it) would emit an 'error'
  // nobody hears, which ends the process. The query in flight fails and says why; the pool
  // discards the broken connection when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = wrap(pool);
  try {
    await migrate(first, schemas);
  } catch (err) {
    await pool.end();
    throw err;
  } finally {
    await first.end().catch(() => {});
  }
  return db;
}

function wrap(pool: pg.Pool): PgDb {
  // Shutdown may be asked for twice (a second signal); node-postgres throws on a second end().
  let closing: Promise<void> | undefined;
  return {
    pool,
    query: (text, values) => pool.query(text, values),
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        // A connection whose query timed out still has it in flight: a ROLLBACK would only queue
        // behind it. The server rolls back when the connection is destroyed.
        if (timedOut(err)) broken = err as Error;
        // A connection whose ROLLBACK failed is in an unknown state: destroy it, not reuse it.
        else await client.query('ROLLBACK').catch((e: Error) => { broken = e; });
        throw err;
      } finally {
        client.release(broken ?? false);
      }
    },
    close: () => (closing ??= pool.end()),
  };
}

/**
 * Applies every migration not yet recorded, in version order per component. The session-level
 * advisory lock is held on `client` across all of them and is released by the server if this
 * node dies halfway; advisory locks are per database, so other databases on the server never wait.
 */
export async function migrate(client: pg.ClientBase, components: ComponentSchema[]): Promise<void> {
  await client.query(`SELECT pg_advisory_lock(hashtext('openqldb schema_migrations'))`);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      component TEXT NOT NULL, version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY (component, version))`);
    for (const { component, migrations } of components) {
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations WHERE component = $1', [component]);
      const done = new Set(rows.map((r) => r.version));
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(m.version)) continue;
        try {
          await client.query('BEGIN');
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (component, version) VALUES ($1, $2)', [component, m.version]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          throw new Error(`migration ${component} v${m.version} failed: ${reason(err)}`);
        }
      }
    }
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext('openqldb schema_migrations'))`).catch(() => {});
  }
}
