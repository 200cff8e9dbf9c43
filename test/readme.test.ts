/**
 * The README's two commands, from a clean clone: `npm install && npm start` serves both APIs on
 * 127.0.0.1:8000 with data in ./.openqldb, and `npm test` runs (a subset here, to keep the suite
 * from running itself).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

// The suite runs under `node --test`, which marks its children with NODE_TEST_CONTEXT; the clone's
// own test run must not inherit it, or it would report to us instead of printing its summary.
const { NODE_TEST_CONTEXT: _ignored, ...cleanEnv } = process.env;

function npm(cwd: string, args: string[], env: NodeJS.ProcessEnv = cleanEnv): string {
  return execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
}

describe('README quick start from a clean clone', { timeout: 900_000 }, () => {
  it('npm install && npm start serves; npm test runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openqldb-clone-'));
    try {
      execFileSync('git', ['clone', '--quiet', ROOT, dir]);
      npm(dir, ['install', '--no-audit', '--no-fund', '--prefer-offline']);
      assert.ok(existsSync(join(dir, 'dist', 'src', 'cli', 'main.js')), 'npm install builds openqldb');

      // The documented default port, unless something else on this machine holds it.
      const env: NodeJS.ProcessEnv = { ...cleanEnv, OPENQLDB_LOG_REQUESTS: 'false' };
      const onDefault = await portFree(8000);
      if (!onDefault) env.OPENQLDB_PORT = '0';
      const child = spawn('npm', ['start'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      try {
        const endpoint = await new Promise<string>((resolve, reject) => {
          let out = '';
          const timer = setTimeout(() => reject(new Error(`npm start did not serve:\n${out}`)), 120_000);
          const onData = (c: Buffer) => {
            out += c.toString();
            const m = /serving both QLDB APIs at (http:\/\/\S+)/.exec(out);
            if (m) {
              clearTimeout(timer);
              resolve(m[1]);
            }
          };
          child.stdout!.on('data', onData);
          child.stderr!.on('data', onData);
          child.once('exit', (code) => reject(new Error(`npm start exited ${code}:\n${out}`)));
        });
        if (onDefault) assert.equal(endpoint, 'http://127.0.0.1:8000');
        else assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
        const res = await fetch(`${endpoint}/ledgers`);
        assert.equal(res.status, 200);
        assert.deepEqual(await res.json(), { Ledgers: [] });
        assert.ok(existsSync(join(dir, '.openqldb', 'openqldb.sqlite')), 'data lives in ./.openqldb');
      } finally {
        process.kill(-child.pid!, 'SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }

      const out = npm(dir, ['test', '--', 'clients/ledgers.sdk']);
      assert.match(out, /# pass [1-9]\d*/);
      assert.match(out, /# fail 0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
