/**
 * Opening PostgreSQL: schema migrations per component as on SQLite, safe when several nodes
 * start at once, and start-up errors that say where and why without giving the password away.
 * The components here are made up for the tests; the real ones live in src/storage/postgres/schema.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { connectClient, describeUrl, openPostgres, type ComponentSchema, type PgDb } from '../../../src/storage/postgres/db';
import { describePostgres, freshDatabase, postgresUrl, urlForDatabase } from '../../helpers/postgres';
import { closedPort } from '../../helpers/net';

const widgetsV1 = { version: 1, sql: 'CREATE TABLE widgets (id INTEGER PRIMARY KEY)' };
const widgetsV2 = { version: 2, sql: 'ALTER TABLE widgets ADD COLUMN colour TEXT' };
const gadgetsV1 = { version: 1, sql: 'CREATE TABLE gadgets (id INTEGER PRIMARY KEY)' };

async function applied(db: PgDb): Promise<string[]> {
  const { rows } = await db.query<{ component: string; version: number }>('SELECT component, version FROM schema_migrations ORDER BY component, version');
  return rows.map((r) => `${r.component} v${r.version}`);
}

async function tableExists(db: PgDb, name: string): Promise<boolean> {
  return (await db.query(`SELECT to_regclass($1) IS NOT NULL AS found`, [name])).rows[0].found;
}

async function opened(url: string, schemas: ComponentSchema[], after: { after(fn: () => Promise<void>): void }): Promise<PgDb> {
  const db = await openPostgres(url, schemas);
  after.after(() => db.close());
  return db;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof Error);
    return err;
  }
  assert.fail('expected a rejection');
}


describePostgres('PostgreSQL schema migrations', () => {
  it('apply each component once, in version order, and record every version', async (t) => {
    const url = await freshDatabase(t);
    const db = await opened(url, [{ component: 'widgets', migrations: [widgetsV2, widgetsV1] }, { component: 'gadgets', migrations: [gadgetsV1] }], t);
    assert.deepEqual(await applied(db), ['gadgets v1', 'widgets v1', 'widgets v2']);
    await db.query(`INSERT INTO widgets (id, colour) VALUES (1, 'red')`);
    assert.ok(await tableExists(db, 'gadgets'));
  });

  it('do nothing on a second start: no migration runs again', async (t) => {
    const url = await freshDatabase(t);
    const schemas = [{ component: 'widgets', migrations: [widgetsV1, widgetsV2] }];
    const first = await opened(url, schemas, t);
    const before = (await first.query('SELECT component, version, applied_at FROM schema_migrations ORDER BY version')).rows;
    await first.close();
    // CREATE TABLE without IF NOT EXISTS: running it twice would fail the start.
    const second = await opened(url, schemas, t);
    assert.deepEqual((await second.query('SELECT component, version, applied_at FROM schema_migrations ORDER BY version')).rows, before);
  });

  it('apply only the new version on top of what a previous start applied', async (t) => {
    const url = await freshDatabase(t);
    await (await openPostgres(url, [{ component: 'widgets', migrations: [widgetsV1] }])).close();
    const db = await opened(url, [{ component: 'widgets', migrations: [widgetsV1, widgetsV2] }], t);
    assert.deepEqual(await applied(db), ['widgets v1', 'widgets v2']);
    const columns = await db.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'widgets' ORDER BY ordinal_position`);
    assert.deepEqual(columns.rows.map((r) => r.column_name), ['id', 'colour']);
  });

  it('run exactly once when five nodes start on the same database at the same time', async (t) => {
    const url = await freshDatabase(t);
    // Slow enough that the other four arrive while the first one migrates.
    const slow: ComponentSchema = { component: 'widgets', migrations: [
      { version: 1, sql: 'CREATE TABLE runs (pid INTEGER NOT NULL); INSERT INTO runs VALUES (pg_backend_pid()); SELECT pg_sleep(0.3)' },
    ] };
    const started = await Promise.allSettled(Array.from({ length: 5 }, () => openPostgres(url, [slow])));
    const dbs = started.map((s) => (s.status === 'fulfilled' ? s.value : assert.fail(String(s.reason))));
    t.after(() => Promise.all(dbs.map((db) => db.close())).then(() => {}));
    for (const db of dbs) assert.deepEqual(await applied(db), ['widgets v1']);
    assert.equal((await dbs[4].query('SELECT count(*)::int AS n FROM runs')).rows[0].n, 1);
  });

  it('roll a failing migration back entirely, keep the previous version and refuse to start', async (t) => {
    const url = await freshDatabase(t);
    await (await openPostgres(url, [{ component: 'widgets', migrations: [widgetsV1] }])).close();
    const broken = { version: 2, sql: `CREATE TABLE gizmos (id INTEGER); INSERT INTO widgets VALUES (7); SELECT 1 / 0` };
    const later = { version: 3, sql: 'CREATE TABLE sprockets (id INTEGER)' };
    const err = await rejection(openPostgres(url, [{ component: 'widgets', migrations: [widgetsV1, broken, later] }]));
    assert.equal(err.message, 'migration widgets v2 failed: division by zero (22012)');

    const db = await opened(url, [{ component: 'widgets', migrations: [widgetsV1] }], t);
    assert.deepEqual(await applied(db), ['widgets v1']);
    assert.equal(await tableExists(db, 'gizmos'), false);
    assert.equal(await tableExists(db, 'sprockets'), false);
    assert.equal((await db.query('SELECT count(*)::int AS n FROM widgets')).rows[0].n, 0);
  });
});

describePostgres('PostgreSQL connections', () => {
  it('commit a transaction that returns and roll back one that throws', async (t) => {
    const db = await opened(await freshDatabase(t), [{ component: 'widgets', migrations: [widgetsV1] }], t);
    assert.equal(await db.transaction(async (c) => (await c.query('INSERT INTO widgets VALUES (1), (2)')).rowCount), 2);
    const err = await rejection(db.transaction(async (c) => {
      await c.query('INSERT INTO widgets VALUES (3)');
      throw new Error('changed my mind');
    }));
    assert.equal(err.message, 'changed my mind');
    assert.deepEqual((await db.query('SELECT id FROM widgets ORDER BY id')).rows, [{ id: 1 }, { id: 2 }]);
    // Every connection went back to the pool usable: none is left inside a transaction.
    assert.equal((await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`)).rows[0].n, 0);
  });

  it('refuse a wrong password with the server, database and user named and the password nowhere', async (t) => {
    const admin = await connectClient(postgresUrl()!);
    const role = `openqldb_test_${randomBytes(6).toString('hex')}`;
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'right-horse-battery'`);
    } catch (err) {
      await admin.end();
      return t.skip(`the test server's role cannot create roles (${(err as Error).message})`);
    }
    t.after(async () => {
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.end();
    });
    const u = new URL(postgresUrl()!);
    u.username = role;
    u.password = 'wrong-staple-9';
    try {
      await (await openPostgres(u.toString(), [])).close();
      return t.skip('the test server accepts any password for new roles on 127.0.0.1 (trust)');
    } catch (err) {
      const message = (err as Error).message;
      assert.equal(message, `cannot connect to PostgreSQL at ${u.hostname}:${u.port || 5432}, database "${u.pathname.slice(1)}", user "${role}": password authentication failed for user "${role}" (28P01)`);
      assert.doesNotMatch(String((err as Error).stack), /wrong-staple-9/);
    }
  });

  it('name the database that does not exist', async () => {
    const url = urlForDatabase(postgresUrl()!, 'openqldb_test_never_created');
    const err = await rejection(openPostgres(url, []));
    assert.match(err.message, /^cannot connect to PostgreSQL at [^:]+:\d+, database "openqldb_test_never_created", user "[^"]+": database "openqldb_test_never_created" does not exist \(3D000\)$/);
  });

  it('connect without TLS under sslmode=disable, and say so when sslmode=require meets a server without TLS', async (t) => {
    const url = new URL(await freshDatabase(t));
    url.searchParams.set('sslmode', 'disable');
    const db = await openPostgres(url.toString(), []);
    const { offered, used } = (await db.query(`SELECT current_setting('ssl') AS offered, ssl AS used FROM pg_stat_ssl WHERE pid = pg_backend_pid()`)).rows[0];
    await db.close();
    assert.equal(used, false);
    if (offered !== 'off') return t.skip('the test server offers TLS, so sslmode=require would succeed');
    url.searchParams.set('sslmode', 'require');
    const err = await rejection(openPostgres(url.toString(), []));
    assert.match(err.message, /^cannot connect to PostgreSQL at [^:]+:\d+, database "openqldb_test_\w+", user "[^"]+": The server does not support SSL connections$/);
  });
});

describe('PostgreSQL start-up errors that need no server', () => {
  it('name host, port, database and the refusal when nothing listens, and never the password', async () => {
    const port = await closedPort();
    const err = await rejection(openPostgres(`postgres://qldb:hunter2-secret@127.0.0.1:${port}/ledgers`, []));
    assert.equal(err.message, `cannot connect to PostgreSQL at 127.0.0.1:${port}, database "ledgers", user "qldb": connect ECONNREFUSED 127.0.0.1:${port}`);
    assert.doesNotMatch(String(err.stack), /hunter2/);
  });

  it('give up on a server that accepts the connection and never answers, after connect_timeout', async (t) => {
    const silent = createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    t.after(() => { silent.close(); });
    const { port } = silent.address() as { port: number };
    const err = await rejection(openPostgres(`postgres://qldb:hunter2-secret@127.0.0.1:${port}/ledgers?connect_timeout=1`, []));
    assert.equal(err.message, `cannot connect to PostgreSQL at 127.0.0.1:${port}, database "ledgers", user "qldb": no answer within 1 s (connect_timeout)`);
  });

  it('refuse what is not a postgres:// URL, masked', async () => {
    const err = await rejection(openPostgres('mysql://qldb:hunter2-secret@db.example/ledgers', []));
    assert.equal(err.message, 'invalid PostgreSQL URL mysql://qldb:***@db.example/ledgers: expected postgres://user:password@host:port/database');
  });

  it('name the root certificate file that cannot be read, with the URL masked', async () => {
    const url = 'postgres://qldb:hunter2-secret@db.example:5433/ledgers?sslmode=verify-full&sslrootcert=/nonexistent/openqldb-ca.pem';
    const err = await rejection(openPostgres(url, []));
    assert.equal(err.message,
      "invalid PostgreSQL URL postgres://qldb:***@db.example:5433/ledgers?sslmode=verify-full&sslrootcert=/nonexistent/openqldb-ca.pem: " +
      "ENOENT: no such file or directory, open '/nonexistent/openqldb-ca.pem'");
    assert.doesNotMatch(String(err.stack), /hunter2/);
  });

  it('show a URL with its password masked, wherever the URL carries it', () => {
    assert.equal(describeUrl('postgres://qldb:hunter2@db.example:5432/ledgers?sslmode=require'), 'postgres://qldb:***@db.example:5432/ledgers?sslmode=require');
    assert.equal(describeUrl('postgresql://qldb@db.example/ledgers?password=hunter2&application_name=x'), 'postgresql://qldb@db.example/ledgers?password=***&application_name=x');
    assert.equal(describeUrl('postgres://qldb:hunter2@db example:5432/ledgers'), 'postgres://qldb:***@db example:5432/ledgers');
    assert.equal(describeUrl('postgres://db.example/ledgers'), 'postgres://db.example/ledgers');
  });
});
