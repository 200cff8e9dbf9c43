/**
 * The console's files at /console, as the front door serves them: public (no signature, even
 * under --auth strict, while the APIs stay signed), cached by content hash, typed, confined to
 * the built folder, and gone with --console false.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startServer, type TestServer } from '../helpers/server';

/** GET with the path sent byte for byte (fetch would normalise `..`). */
function get(endpoint: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const r = request({ host: u.hostname, port: u.port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    r.on('error', reject);
    r.end();
  });
}

describe('the console at /console', () => {
  let strict: TestServer;
  before(async () => {
    strict = await startServer(['--auth', 'strict', '--log-requests', 'false'], {
      env: { OPENQLDB_ACCESS_KEY_ID: 'AKIDCONSOLE', OPENQLDB_SECRET_ACCESS_KEY: 'secret', OPENQLDB_ACCOUNT_ID: '111122223333' },
    });
  });
  after(async () => {
    await strict?.dispose();
  });

  it('serves the page without a signature under --auth strict, revalidated on each load, while an unsigned API call is refused', async () => {
    for (const path of ['/console', '/console/', '/console/?x=1']) {
      const page = await get(strict.endpoint, path);
      assert.equal(page.status, 200, path);
      assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(page.headers['cache-control'], 'no-cache');
      assert.match(String(page.headers['content-security-policy']), /connect-src 'self'/);
      assert.equal(page.headers['x-content-type-options'], 'nosniff');
      assert.match(page.body, /<script type="module" src="\/console\/app-[0-9A-Z]+\.js"><\/script>/);
    }
    const api = await get(strict.endpoint, '/ledgers');
    assert.equal(api.status, 403);
    assert.equal(api.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException');
  });

  it('answers 304 to a page it already sent', async () => {
    const page = await get(strict.endpoint, '/console/');
    const again = await get(strict.endpoint, '/console/', { 'if-none-match': String(page.headers.etag) });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
  });

  it('serves the content-hashed script and style as immutable, with their types', async () => {
    const page = await get(strict.endpoint, '/console/');
    const script = /src="(\/console\/app-[0-9A-Z]+\.js)"/.exec(page.body)![1];
    const style = /href="(\/console\/app-[0-9A-Z]+\.css)"/.exec(page.body)![1];
    for (const [path, type] of [
      [script, 'text/javascript; charset=utf-8'],
      [style, 'text/css; charset=utf-8'],
    ]) {
      const res = await get(strict.endpoint, path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers['content-type'], type);
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body));
    }
  });

  it('serves nothing outside the built files', async () => {
    for (const path of ['/console/../package.json', '/console/..%2f..%2fpackage.json', '/console/%2e%2e/%2e%2e/package.json', '/console/.inputs.json', '/console//etc/passwd', '/console/nope.js']) {
      const res = await get(strict.endpoint, path);
      assert.equal(res.status, 404, path);
      assert.equal(res.body, 'Not found\n');
    }
  });

  it('is not served with --console false', async () => {
    const off = await startServer(['--console', 'false', '--log-requests', 'false']);
    try {
      const res = await get(off.endpoint, '/console/');
      assert.equal(res.status, 404);
      assert.equal(res.headers['x-amzn-errortype'], 'UnknownOperationException');
    } finally {
      await off.dispose();
    }
  });
});
