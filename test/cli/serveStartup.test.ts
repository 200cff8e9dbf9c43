/**
 * Start-up time is mostly module loading, so `openqldb serve` must not load what a default
 * server does not need yet: the AWS SDK's signer (`--auth strict` only), the S3 client
 * (`--s3-endpoint` only), the client SDKs, driver and shell of the other commands, and Ion with
 * the journal's hashing until a request needs them (ListLedgers does not). Checked by listing
 * the modules the server holds after answering, not by timing (bench:control measures the time).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../helpers/server';

const NOT_LOADED = [
  '@smithy/signature-v4',
  '@aws-sdk/client-s3',
  '@aws-sdk/client-qldb',
  '@aws-sdk/client-qldb-session',
  'amazon-qldb-driver-nodejs',
  'ion-js',
  'ion-hash-js',
  'hash-wasm',
  'server/staticFiles',
];

/** The packages the server process had loaded when it exited (and the console's file server if it was). */
async function packagesLoaded(flags: string[], dir: string): Promise<Set<string>> {
  const preload = join(dir, 'list-modules.js');
  const out = join(dir, 'modules.json');
  writeFileSync(
    preload,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));\n`,
  );
  const server = await startServer(['--log-requests', 'false', ...flags], { dataDir: join(dir, 'data'), nodeArgs: ['--require', preload] });
  try {
    const res = await fetch(`${server.endpoint}/ledgers`);
    assert.equal(res.status, 200);
    await res.text();
  } finally {
    await server.stop();
  }
  const packages = new Set<string>();
  for (const file of JSON.parse(readFileSync(out, 'utf8')) as string[]) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file.replace(/\\/g, '/'));
    if (m) packages.add(m[1]);
    // the console's file server loads with the first /console request
    else if (file.replace(/\\/g, '/').endsWith('/server/staticFiles.js')) packages.add('server/staticFiles');
  }
  return packages;
}

describe('openqldb serve start-up', () => {
  it('loads neither the SDK signer, the S3 client, the client commands nor Ion to answer ListLedgers with the defaults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openqldb-startup-'));
    try {
      const loaded = await packagesLoaded([], dir);
      assert.ok(loaded.has('better-sqlite3'), `the list holds what the server did load: ${[...loaded].join(', ')}`);
      for (const name of NOT_LOADED) assert.ok(!loaded.has(name), `${name} is loaded`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
