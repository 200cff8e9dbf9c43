#!/usr/bin/env node
// Runs every compiled test file under dist/test with node's own test runner.
// Node 20's `node --test` takes no globs, so the files are listed here.
'use strict';
const { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

function find(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const filter = process.argv.slice(2);
let files = find(join(__dirname, '..', 'dist', 'test'), []);
if (filter.length) files = files.filter((f) => filter.some((s) => f.includes(s)));
// Suites that need a PostgreSQL skip themselves without one (test/helpers/postgres.ts) and note
// their file here, so that the run ends with one line saying so rather than passing quietly.
const notes = mkdtempSync(join(tmpdir(), 'openqldb-tests-'));
const skippedFile = join(notes, 'skipped-postgres-suites');
const env = { ...process.env, OPENQLDB_SKIPPED_SUITES_FILE: skippedFile };
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env });
let skipped = [];
try {
  skipped = [...new Set(readFileSync(skippedFile, 'utf8').split('\n').filter(Boolean))];
} catch {}
// Every real-client test runs a second time against PostgreSQL-backed servers (test/helpers/server.ts).
let again = { status: 0 };
const clientTests = files.filter((f) => f.includes(join('dist', 'test', 'clients') + '/'));
if (process.env.OPENQLDB_TEST_DATABASE_URL && clientTests.length) {
  console.log(`# the real-client tests again (${clientTests.length} files), every server on PostgreSQL`);
  again = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...clientTests], {
    stdio: 'inherit',
    env: { ...env, OPENQLDB_TEST_STORE: 'postgres' },
  });
}
rmSync(notes, { recursive: true, force: true });
if (skipped.length) {
  const n = `${skipped.length} file${skipped.length === 1 ? '' : 's'}`;
  console.log(`PostgreSQL suites skipped (${n}): set OPENQLDB_TEST_DATABASE_URL or run node scripts/pg-cluster.js -- npm test`);
}
process.exit((r.status ?? 1) || (again.status ?? 1));
