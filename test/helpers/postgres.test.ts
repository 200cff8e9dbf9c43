/**
 * The PostgreSQL test helper: a suite without a server skips and the run says so in one line;
 * a suite given a server it cannot reach fails; each test gets a database of its own, dropped
 * afterwards.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClient } from '../../src/storage/postgres/db';
import { describePostgres, freshDatabase, SKIPPED_SUITES_ENV } from './postgres';
import { closedPort } from './net';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURE = join(__dirname, 'fixtures', 'postgresSuite.js');

function withoutPostgres(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENQLDB_TEST_DATABASE_URL;
  delete env[SKIPPED_SUITES_ENV];
  // Set by the test runner for its children; a nested `node --test` that sees it runs nothing.
  delete env.NODE_TEST_CONTEXT;
  return env;
}

function runFixture(env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', FIXTURE], { env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: r.stdout + r.stderr };
}

describe('PostgreSQL suites without a server', () => {
  it('skip when OPENQLDB_TEST_DATABASE_URL is unset, and note their file for the summary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openqldb-skipped-'));
    try {
      const notes = join(dir, 'skipped');
      const { status, output } = runFixture({ ...withoutPostgres(), [SKIPPED_SUITES_ENV]: notes });
      assert.equal(status, 0, output);
      assert.match(output, /# SKIP OPENQLDB_TEST_DATABASE_URL is not set/);
      assert.match(output, /^# pass 0$/m);
      assert.equal(readFileSync(notes, 'utf8'), `${FIXTURE}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fail, never skip, when the variable names a server that does not answer', async () => {
    const port = await closedPort();
    const url = `postgres://postgres:s3cret-pw@127.0.0.1:${port}/postgres`;
    const { status, output } = runFixture({ ...withoutPostgres(), OPENQLDB_TEST_DATABASE_URL: url });
    assert.equal(status, 1, output);
    assert.match(output, /^not ok 1 - a suite that needs PostgreSQL$/m);
    assert.match(output, /^# skipped 0$/m);
    assert.ok(output.includes(`cannot connect to PostgreSQL at 127.0.0.1:${port}, database "postgres"`), output);
    assert.match(output, /ECONNREFUSED/);
    assert.doesNotMatch(output, /s3cret-pw/);
  });

  it('make npm test end with exactly one line saying how many files were skipped', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'run-tests.js'), 'storage/postgres/db.test.js'], {
      env: withoutPostgres(), encoding: 'utf8', timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l.includes('PostgreSQL suites skipped'));
    assert.deepEqual(lines, ['PostgreSQL suites skipped (1 file): set OPENQLDB_TEST_DATABASE_URL or run node scripts/pg-cluster.js -- npm test']);
  });

  it('leave npm test silent about PostgreSQL when nothing was skipped', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'run-tests.js'), 'scripts/buildIfStale.test.js'], {
      env: withoutPostgres(), encoding: 'utf8', timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^# pass [1-9]/m);
    assert.doesNotMatch(r.stdout, /PostgreSQL/);
  });
});

describePostgres('freshDatabase', () => {
  it('gives each caller an empty database of its own', async (t) => {
    const [a, b] = [await freshDatabase(t), await freshDatabase(t)];
    assert.notEqual(a, b);
    for (const url of [a, b]) {
      const client = await connectClient(url);
      try {
        const db = (await client.query('SELECT current_database() AS name')).rows[0].name;
        assert.match(db, /^openqldb_test_[0-9a-f]{12}$/);
        assert.equal(new URL(url).pathname, `/${db}`);
        const tables = await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
        assert.equal(tables.rows[0].n, 0);
      } finally {
        await client.end();
      }
    }
  });

  it('drops the database when the clean-up runs, even with a connection still open to it', async () => {
    const hooks: Array<() => Promise<void>> = [];
    const url = await freshDatabase({ after: (fn) => hooks.push(fn) });
    const name = new URL(url).pathname.slice(1);
    const open = await connectClient(url);
    await open.query('CREATE TABLE t (x int)');
    assert.equal(hooks.length, 1);
    await hooks[0]();
    await open.end().catch(() => {});
    const admin = await connectClient(process.env.OPENQLDB_TEST_DATABASE_URL!);
    try {
      const left = await admin.query('SELECT count(*)::int AS n FROM pg_database WHERE datname = $1', [name]);
      assert.equal(left.rows[0].n, 0);
    } finally {
      await admin.end();
    }
  });
});
