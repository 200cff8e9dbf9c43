/** `openqldb serve`: clean shutdown on SIGTERM/SIGINT, in-flight requests answered, store closed. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
