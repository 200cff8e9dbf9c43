#!/usr/bin/env node
// Runs every compiled test file under dist/test with node's own test runner.
// Node 20's `node --test` takes no globs, so the files are listed here.
'use strict';
const { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { spawn } = require('node:child_process');

/**
 * A test file that has not finished after this long has hung: node cancels it, and the run fails
 * naming it, in minutes rather than at CI's own limit. The whole suite takes a few minutes; its
 * longest file, under one.
 */
const FILE_TIMEOUT_MS = Number(process.env.OPENQLDB_TEST_FILE_TIMEOUT_MS) || 20 * 60_000;

/**
 * Runs `node --test` in a process group of its own, and ends that group when it exits: node
 * cancels a file that times out without running its `after` hooks, so the servers its tests
 * started would live on. Interrupting this script interrupts the group.
 */
function runTests(files, env) {
  return new Promise((resolve) => {
    const args = ['--test', '--test-concurrency=2', `--test-timeout=${FILE_TIMEOUT_MS}`, ...files];
    const child = spawn(process.execPath, args, { stdio: 'inherit', env, detached: true });
    const forward = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {}
    };
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('exit', (code) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      forward('SIGKILL'); // whatever the run left behind
      resolve(code ?? 1);
    });
  });
}

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
(async () => {
  const status = await runTests(files, env);
  let skipped = [];
  try {
    skipped = [...new Set(readFileSync(skippedFile, 'utf8').split('\n').filter(Boolean))];
  } catch {}
  // Every real-client test runs a second time against PostgreSQL-backed servers (test/helpers/server.ts).
  let again = 0;
  const clientTests = files.filter((f) => f.includes(join('dist', 'test', 'clients') + '/'));
  if (process.env.OPENQLDB_TEST_DATABASE_URL && clientTests.length) {
    console.log(`# the real-client tests again (${clientTests.length} files), every server on PostgreSQL`);
    again = await runTests(clientTests, { ...env, OPENQLDB_TEST_STORE: 'postgres' });
  }
  rmSync(notes, { recursive: true, force: true });
  if (skipped.length) {
    const n = `${skipped.length} file${skipped.length === 1 ? '' : 's'}`;
    console.log(`PostgreSQL suites skipped (${n}): set OPENQLDB_TEST_DATABASE_URL or run node scripts/pg-cluster.js -- npm test`);
  }
  process.exit(status || again);
})();
