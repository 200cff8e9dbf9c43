/**
 * PostgreSQL for tests: the server named by OPENQLDB_TEST_DATABASE_URL (scripts/pg-cluster.js
 * starts one), a fresh database per test, and suites that need it.
 *
 * Without the variable the suites are skipped, and scripts/run-tests.js says so once at the end;
 * with it, a server that cannot be reached fails them: CI must never pass by skipping.
 */
import { after, before, describe } from 'node:test';
import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { connectClient } from '../../src/storage/postgres/db';

export const SKIPPED_SUITES_ENV = 'OPENQLDB_SKIPPED_SUITES_FILE';

export function postgresUrl(): string | undefined {
  return process.env.OPENQLDB_TEST_DATABASE_URL || undefined;
}

/** what can take a clean-up: a test's context (`t`), or node:test's `after` wrapped for a suite */
export interface CleanupRegistrar {
  after(fn: () => Promise<void>): void;
}

/** a registrar for the suite being declared: the clean-up runs once the suite's tests are done */
export const suiteCleanup: CleanupRegistrar = { after: (fn) => after(fn) };

function requiredUrl(): string {
  const url = postgresUrl();
  if (!url) throw new Error('OPENQLDB_TEST_DATABASE_URL is not set');
  return url;
}

/** the server's URL with another database in its path */
export function urlForDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function asAdmin<T>(fn: (client: import('pg').Client) => Promise<T>): Promise<T> {
  const client = await connectClient(requiredUrl());
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty database `openqldb_test_<random>` on the test server and returns its URL; it
 * is dropped (with any connection still open to it) when `cleanup` runs its hooks.
 */
export async function freshDatabase(cleanup: CleanupRegistrar): Promise<string> {
  const name = `openqldb_test_${randomBytes(6).toString('hex')}`;
  await asAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  cleanup.after(() => asAdmin(async (c) => { await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); }));
  return urlForDatabase(requiredUrl(), name);
}

/**
 * A suite that needs PostgreSQL. Unset variable: skipped, and noted for run-tests.js's summary.
 * Set variable: the server is reached before any test runs, and the suite fails if it cannot be.
 */
export function describePostgres(name: string, fn: () => void): void {
  if (!postgresUrl()) {
    const record = process.env[SKIPPED_SUITES_ENV];
    if (record) appendFileSync(record, `${process.argv[1]}\n`);
    describe(name, { skip: 'OPENQLDB_TEST_DATABASE_URL is not set' }, () => {});
    return;
  }
  describe(name, () => {
    before(() => asAdmin(async () => {}));
    fn();
  });
}
