/**
 * scripts/pg-cluster.js: a throwaway PostgreSQL around a command (the way CI runs the tests), or
 * until it is stopped (--print); never as root, and nothing left behind.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { connectClient } from '../../src/storage/postgres/db';

const ROOT = join(__dirname, '..', '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'pg-cluster.js');
const hasServer = existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'postgres')));

// What the command inside learns about its server: the URL it was given, where the cluster lives
// and who owns its files.
const PROBE = `
const { Client } = require('pg');
const { statSync } = require('node:fs');
(async () => {
  const c = new Client({ connectionString: process.env.OPENQLDB_TEST_DATABASE_URL });
  await c.connect();
  const row = (await c.query("SELECT current_setting('data_directory') AS data, current_setting('unix_socket_directories') AS dir, current_setting('fsync') AS fsync, current_setting('max_connections') AS max"));
  await c.end();
  const r = row.rows[0];
  console.log(JSON.stringify({ url: process.env.OPENQLDB_TEST_DATABASE_URL, ...r, owner: statSync(r.data).uid }));
  process.exit(7);
})();`;

async function refused(url: string): Promise<boolean> {
  try {
    await (await connectClient(url)).end();
    return false;
  } catch (err) {
    return /ECONNREFUSED/.test((err as Error).message);
  }
}

describe('pg-cluster.js', { skip: !hasServer && 'no PostgreSQL server binaries (apt-get install -y postgresql)' }, () => {
  it('runs the command against a fresh server, passes on its exit code and removes the cluster', async () => {
    const r = spawnSync(process.execPath, [SCRIPT, '--', process.execPath, '-e', PROBE], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 7, r.stderr);
    const seen = JSON.parse(r.stdout.trim());
    assert.match(seen.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    assert.equal(seen.fsync, 'on');
    assert.equal(seen.max, '200');
    assert.ok(seen.data.startsWith(seen.dir), `${seen.data} inside ${seen.dir}`);
    if (process.getuid!() === 0) assert.notEqual(seen.owner, 0, 'the server runs as an unprivileged user');
    assert.equal(existsSync(seen.dir), false, 'the temporary directory is removed');
    assert.ok(await refused(seen.url), 'the server is stopped');
  });

  it('with --print, prints the URL and serves until SIGTERM, then cleans up', async () => {
    const child = spawn(process.execPath, [SCRIPT, '--print'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      exited.then(() => reject(new Error(`pg-cluster exited before printing a URL: ${out}`)));
    });
    const client = await connectClient(url);
    const dir = (await client.query(`SELECT current_setting('unix_socket_directories') AS dir`)).rows[0].dir;
    await client.end();
    child.kill('SIGTERM');
    assert.equal(await exited, 128 + 15);
    assert.equal(existsSync(dir), false);
    assert.ok(await refused(url));
  });
});
