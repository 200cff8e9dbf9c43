/** `openqldb serve`: clean shutdown on SIGTERM/SIGINT, in-flight requests answered, store closed. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePki, type TestPki } from '../helpers/tls';

const MAIN = join(__dirname, '..', '..', 'src', 'cli', 'main.js');

function serve(dataDir: string) {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--data-dir', dataDir, '--ledger-state-delay', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const endpoint = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /serving both QLDB APIs at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, endpoint, exit, output: () => out };
}

describe('openqldb serve', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal} finishes the request in flight, closes the store and exits 0`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'openqldb-serve-'));
      try {
        const s = serve(dir);
        const url = new URL(await s.endpoint);
        // a CreateLedger whose body is still arriving when the signal comes
        const body = JSON.stringify({ Name: 'in-flight', PermissionsMode: 'ALLOW_ALL' });
        const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = request(
            { host: url.hostname, port: url.port, method: 'POST', path: '/ledgers', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
            (res) => {
              let text = '';
              res.on('data', (c) => (text += c));
              res.on('end', () => resolve({ status: res.statusCode!, body: text }));
            },
          );
          req.on('error', reject);
          req.write(body.slice(0, 10));
          setTimeout(() => {
            s.child.kill(signal);
            setTimeout(() => req.end(body.slice(10)), 200);
          }, 100);
        });
        const res = await answer;
        assert.equal(res.status, 200, res.body);
        assert.equal(JSON.parse(res.body).Name, 'in-flight');
        assert.equal(await s.exit, 0);
        assert.match(s.output(), /"event":"stopping"/);
        // SQLite removes the WAL when the last connection closes cleanly
        assert.ok(!existsSync(join(dir, 'openqldb.sqlite-wal')), 'the store was closed');

        // and what was answered is there after a restart
        const again = serve(dir);
        const res2 = await fetch(`${await again.endpoint}/ledgers/in-flight`);
        assert.equal(res2.status, 200);
        again.child.kill('SIGTERM');
        assert.equal(await again.exit, 0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('refuses unknown options with a message and exit code 1', async () => {
    const child = spawn(process.execPath, [MAIN, 'serve', '--no-such-flag'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c) => (err += c));
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 1);
    assert.match(err, /unknown option --no-such-flag/);
  });
});

/** Runs `openqldb serve` expecting it to refuse to start; resolves its exit code and stderr. */
async function refusedStart(args: string[]): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c) => (err += c));
  child.stdout!.on('data', (c) => (err += c));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  return { code, err };
}

describe('one server per data directory', () => {
  it('a second server on the same data directory exits 1 naming the directory and the process that holds it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openqldb-lock-'));
    try {
      const first = serve(dir);
      await first.endpoint;
      const second = await refusedStart(['--data-dir', dir]);
      assert.equal(second.code, 1);
      assert.ok(second.err.includes(`data directory ${dir} is in use`), second.err);
      assert.ok(second.err.includes(`openqldb process ${first.child.pid}`), second.err);
      assert.doesNotMatch(second.err, /serving both QLDB APIs/);

      // the first server is untouched: it still writes its journal
      const res = await fetch(`${await first.endpoint}/ledgers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ Name: 'still-mine', PermissionsMode: 'ALLOW_ALL' }),
      });
      assert.equal(res.status, 200);

      // once it stops cleanly, the directory is free again
      first.child.kill('SIGTERM');
      assert.equal(await first.exit, 0);
      const next = serve(dir);
      assert.equal((await fetch(`${await next.endpoint}/ledgers/still-mine`)).status, 200);
      next.child.kill('SIGTERM');
      assert.equal(await next.exit, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a server killed with kill -9 leaves no lock behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openqldb-lock-'));
    try {
      const first = serve(dir);
      await first.endpoint;
      first.child.kill('SIGKILL');
      await first.exit;
      const next = serve(dir);
      assert.match(await next.endpoint, /^http:\/\//);
      next.child.kill('SIGTERM');
      assert.equal(await next.exit, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('serve with --tls-cert and --tls-key: bad input stops the start', () => {
  let pki: TestPki;
  let good: { certFile: string; keyFile: string };
  let other: { certFile: string; keyFile: string };
  before(() => {
    pki = makePki();
    good = pki.issue('good');
    other = pki.issue('other');
  });
  after(() => pki?.dispose());

  const cases: [string, () => string[], RegExp][] = [
    ['a missing certificate file', () => ['--tls-cert', join(pki.dir, 'nope.pem'), '--tls-key', good.keyFile], /cannot read --tls-cert .*nope\.pem: no such file/],
    ['a missing key file', () => ['--tls-cert', good.certFile, '--tls-key', join(pki.dir, 'nope.key')], /cannot read --tls-key .*nope\.key: no such file/],
    ['a key that does not match the certificate', () => ['--tls-cert', good.certFile, '--tls-key', other.keyFile], /the key in --tls-key .*other\.key does not match the certificate in --tls-cert .*good\.pem/],
    ['a certificate file that is not PEM', () => ['--tls-cert', good.keyFile, '--tls-key', good.keyFile], /--tls-cert .*good\.key does not hold a readable PEM certificate/],
    ['a key file that is not PEM', () => ['--tls-cert', good.certFile, '--tls-key', good.certFile], /--tls-key .*good\.pem does not hold a readable, unencrypted PEM private key/],
    ['a certificate without a key', () => ['--tls-cert', good.certFile], /--tls-cert and --tls-key go together/],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: exit 1 with a message naming the file`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'openqldb-tls-'));
      try {
        const r = await refusedStart(['--data-dir', dir, ...args()]);
        assert.equal(r.code, 1, r.err);
        assert.match(r.err, message);
        assert.doesNotMatch(r.err, /serving both QLDB APIs|at \w+ \(/, 'a message, not a stack trace');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('without the flags: plain HTTP, and the start-up log says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openqldb-tls-'));
    try {
      const s = serve(dir);
      assert.match(await s.endpoint, /^http:\/\//);
      assert.match(s.output(), /"event":"tls_off".*plain HTTP/);
      s.child.kill('SIGTERM');
      assert.equal(await s.exit, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
