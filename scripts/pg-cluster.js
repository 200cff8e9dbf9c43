#!/usr/bin/env node
// A throwaway PostgreSQL for the tests: a fresh cluster in a temporary directory on a free port
// of 127.0.0.1, removed again afterwards.
//
//   node scripts/pg-cluster.js -- npm test    runs the command with OPENQLDB_TEST_DATABASE_URL set
//                                             and exits with its exit code
//   node scripts/pg-cluster.js --print        prints the URL and serves until killed
//
// PostgreSQL refuses to run as root, so under root the server runs as the `postgres` user that
// Debian's package creates, or else as a system user `openqldb-pg` created here.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { chownSync, existsSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const { constants: { signals }, tmpdir } = require('node:os');
const { delimiter, join } = require('node:path');

const SUPERUSER = 'postgres';

function fail(message) {
  process.stderr.write(`pg-cluster: ${message}\n`);
  process.exit(1);
}

/** The newest Debian server binaries, or else the ones on PATH (Homebrew, other distributions). */
function findBinDir() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length) return join(root, versions[0], 'bin');
  return (process.env.PATH || '').split(delimiter).find((d) => d && existsSync(join(d, 'postgres')) && existsSync(join(d, 'initdb')));
}

function idOf(user) {
  const r = spawnSync('id', [user], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const uid = /uid=(\d+)/.exec(r.stdout);
  const gid = /gid=(\d+)/.exec(r.stdout);
  return uid && gid ? { user, uid: Number(uid[1]), gid: Number(gid[1]) } : undefined;
}

/** Whom the server runs as: ourselves, unless we are root. */
function serverUser() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const existing = idOf('postgres') || idOf('openqldb-pg');
  if (existing) return existing;
  const r = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'openqldb-pg'], { encoding: 'utf8' });
  if (r.status !== 0) fail(`running as root and could not create a user for PostgreSQL: ${(r.stderr || r.error || '').toString().trim()}`);
  return idOf('openqldb-pg');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class Cluster {
  constructor(binDir, owner) {
    this.binDir = binDir;
    this.owner = owner;
    this.dir = mkdtempSync(join(tmpdir(), 'openqldb-pg-'));
    this.dataDir = join(this.dir, 'data');
    this.logFile = join(this.dir, 'postgres.log');
    this.server = undefined;
    if (owner) chownSync(this.dir, owner.uid, owner.gid);
  }

  /** Spawn options that drop root for the server's own processes (libuv also clears supplementary groups). */
  asOwner(extra) {
    return this.owner ? { ...extra, uid: this.owner.uid, gid: this.owner.gid } : extra;
  }

  initdb() {
    const r = spawnSync(join(this.binDir, 'initdb'), ['-D', this.dataDir, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C'],
      this.asOwner({ encoding: 'utf8', cwd: this.dir }));
    if (r.status !== 0) throw new Error(`initdb failed: ${(r.stderr || String(r.error)).trim()}`);
    // The superuser needs no password; any other role must give one, so that a test can see a
    // wrong password refused as a real server would refuse it.
    writeFileSync(join(this.dataDir, 'pg_hba.conf'), [
      'local all all trust',
      `host all ${SUPERUSER} 127.0.0.1/32 trust`,
      'host all all 127.0.0.1/32 scram-sha-256',
      '',
    ].join('\n'));
  }

  async start() {
    // The free port may be taken between our probe and the server's bind: try another one.
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      const log = openSync(this.logFile, 'a');
      const args = ['-D', this.dataDir, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1',
        '-c', `unix_socket_directories=${this.dir}`, '-c', 'max_connections=200', '-c', 'fsync=on'];
      // A process group of its own, so that a Ctrl-C meant for the tests does not stop the
      // server under them: it is stopped after they end.
      this.server = spawn(join(this.binDir, 'postgres'), args, this.asOwner({ stdio: ['ignore', log, log], detached: true, cwd: this.dir }));
      closeSync(log);
      const exited = new Promise((resolve) => this.server.once('exit', resolve));
      this.exited = exited;
      if (await this.ready(exited)) return;
      this.server = undefined;
      const tail = readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
      if (attempt >= 3 || !/could not bind|could not create listen socket/.test(tail)) throw new Error(`postgres did not start:\n${tail}`);
    }
  }

  /** Polls until the server accepts connections; false when it exited first. */
  async ready(exited) {
    let gone = false;
    exited.then(() => { gone = true; });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (gone) return false;
      const r = spawnSync(join(this.binDir, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(this.port), '-U', SUPERUSER, '-d', 'postgres']);
      if (r.status === 0) return true;
      await sleep(100);
    }
    throw new Error(`postgres did not accept connections within 60 s (log: ${this.logFile})`);
  }

  get url() {
    return `postgres://${SUPERUSER}@127.0.0.1:${this.port}/postgres`;
  }

  /** Fast shutdown (SIGINT: roll back open transactions, then exit), then remove everything. */
  async stop() {
    if (this.server && this.server.exitCode === null && this.server.signalCode === null) {
      this.server.kill('SIGINT');
      const stopped = await Promise.race([this.exited.then(() => true), sleep(15_000).then(() => false)]);
      if (!stopped) {
        this.server.kill('SIGKILL');
        await this.exited;
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function main(argv) {
  const sep = argv.indexOf('--');
  const print = argv.includes('--print');
  const command = sep >= 0 ? argv.slice(sep + 1) : [];
  if (!print && command.length === 0) fail('usage: node scripts/pg-cluster.js -- <command> [args…] | --print');

  const binDir = findBinDir();
  if (!binDir) fail('no PostgreSQL server binaries found (/usr/lib/postgresql/*/bin or PATH): install postgresql (apt-get install -y postgresql)');

  const cluster = new Cluster(binDir, serverUser());
  let child;
  let stopping;
  const shutdown = (code) => {
    stopping = stopping || cluster.stop().finally(() => process.exit(code));
    return stopping;
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      // The command shares our terminal and usually got the signal too; give it the chance to
      // end on its own, and the server is stopped when it has.
      if (child && child.exitCode === null) child.kill(signal);
      else shutdown(128 + signals[signal]);
    });
  }

  try {
    cluster.initdb();
    await cluster.start();
  } catch (err) {
    process.stderr.write(`pg-cluster: ${err.message}\n`);
    return shutdown(1);
  }

  if (print) {
    process.stdout.write(`${cluster.url}\n`);
    process.stderr.write(`pg-cluster: PostgreSQL in ${cluster.dir}; stop it with Ctrl-C or SIGTERM (pid ${process.pid})\n`);
    cluster.exited.then(() => {
      if (!stopping) process.stderr.write(`pg-cluster: postgres exited on its own:\n${readFileSync(cluster.logFile, 'utf8').trim().split('\n').slice(-5).join('\n')}\n`);
      shutdown(1);
    });
    return;
  }

  child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, OPENQLDB_TEST_DATABASE_URL: cluster.url } });
  child.once('error', (err) => {
    process.stderr.write(`pg-cluster: cannot run ${command[0]}: ${err.message}\n`);
    shutdown(127);
  });
  child.once('exit', (code, signal) => {
    shutdown(code ?? 128 + (signals[signal] || 0));
  });
}

main(process.argv.slice(2));
