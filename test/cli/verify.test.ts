import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVerify } from '../../src/cli/verify';
import { EXPORT_ID, STRAND, writeExport, writeManifest } from './exportFixture';

async function verify(args: string[]) {
  let out = '';
  let err = '';
  const code = await runVerify(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

function withDir(fn: (root: string) => Promise<void>) {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'verify-'));
    try {
      await fn(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

for (const format of ['ION_TEXT', 'ION_BINARY'] as const) {
  test(`${format}: an intact export verifies, also against its digest`, withDir(async (root) => {
    const ex = writeExport(root, 'bkt', 'journalExport/', 95, format, 10);
    const base = ['--dir', root, '--bucket', 'bkt', '--prefix', 'journalExport/'];
    let r = await verify(base);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, new RegExp(`export ${EXPORT_ID} \\(strand ${STRAND}\\): OK — blocks 0\\.\\.94 in 10 objects verified`));
    r = await verify([...base, '--digest', ex.digest.toString('base64'), '--tip', '94']);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /blocks 0\.\.94 fold into the given digest/);
    // in this thread only, the same result
    r = await verify([...base, '--threads', '1', '--digest', ex.digest.toString('base64'), '--tip', '94']);
    assert.equal(r.code, 0, r.out + r.err);
    // a digest from earlier in the journal: the export runs past that tip
    const early = writeExport(join(root, 'early'), 'bkt', 'p/', 40, format, 10);
    r = await verify([...base, '--digest', early.digest.toString('base64'), '--tip', '39']);
    assert.equal(r.code, 0, r.out + r.err);
    const wrong = Buffer.from(ex.digest);
    wrong[0] ^= 1;
    r = await verify([...base, '--digest', wrong.toString('base64'), '--tip', '94']);
    assert.equal(r.code, 1);
    assert.match(r.out, /FAILED[\s\S]*blocks 0\.\.94 do not fold into the given digest[\s\S]*check: digest/);
    r = await verify([...base, '--digest', ex.digest.toString('base64'), '--tip', '200']);
    assert.equal(r.code, 1);
    assert.match(r.out, /needs blocks 0\.\.200, but the export ends at block 94/);
  }));

  test(`${format}: one changed byte names the object, the block and the check`, withDir(async (root) => {
    const ex = writeExport(root, 'bkt', 'x', 60, format, 10);
    const key = ex.keys[3]; // blocks 30..39
    const path = join(root, 'bkt', key);
    const bytes = readFileSync(path);
    const at = bytes.indexOf(Buffer.from('Doe33'));
    assert.ok(at > 0);
    bytes[at + 3] = '4'.charCodeAt(0); // Doe33 → Doe43 inside block 33's revision data
    writeFileSync(path, bytes);
    const r = await verify(['--dir', root, '--bucket', 'bkt', '--prefix', 'x']);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, new RegExp(`${key.replace(/\./g, '\\.')}: block \\{strandId:"${STRAND}",sequenceNo:33\\}: revision \\d \\(document D\\d+ version 0\\): hash does not match`));
    assert.match(r.out, /check: revisionHash, sequenceNo 33/);
    const single = await verify(['--dir', root, '--bucket', 'bkt', '--prefix', 'x', '--threads', '1']);
    assert.equal(single.out, r.out.replace(/, \d+ blocks\/s/, ''));
  }));

  test(`${format}: an object removed from the manifest breaks the chain at the gap`, withDir(async (root) => {
    const ex = writeExport(root, 'bkt', 'e/', 50, format, 10);
    writeManifest(root, 'bkt', ex.manifestKey, ex.keys.filter((_, i) => i !== 2)); // drop blocks 20..29
    const r = await verify(['--dir', root, '--bucket', 'bkt', '--prefix', 'e/']);
    assert.equal(r.code, 1);
    assert.match(r.out, /sequenceNo:30\}: expected sequenceNo 20 after 19/);
    assert.match(r.out, /check: sequence, sequenceNo 30/);
    // objects out of order are caught the same way
    writeManifest(root, 'bkt', ex.manifestKey, [ex.keys[0], ex.keys[2], ex.keys[1]]);
    assert.equal((await verify(['--dir', root, '--bucket', 'bkt', '--prefix', 'e/'])).code, 1);
  }));
}

test('a changed hash field or a swapped block is caught by the hash checks', withDir(async (root) => {
  const ex = writeExport(root, 'bkt', 'h/', 30, 'ION_TEXT', 30);
  const path = join(root, 'bkt', ex.keys[0]);
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  // previousBlockHash of block 12 replaced by block 10's hash → its blockHash check fails first
  const prev10 = /blockHash:\{\{([^}]+)\}\}/.exec(lines[10])![1];
  lines[12] = lines[12].replace(/previousBlockHash:\{\{[^}]+\}\}/, `previousBlockHash:{{${prev10}}}`);
  writeFileSync(path, lines.join('\n'));
  const r = await verify(['--dir', root, '--bucket', 'bkt', '--prefix', 'h/']);
  assert.equal(r.code, 1);
  assert.match(r.out, /sequenceNo:12\}: blockHash is not dot\(entriesHash, previousBlockHash\)/);
}));

test('JSON exports are refused with the reason; usage errors exit 2', withDir(async (root) => {
  writeManifest(root, 'bkt', `j/${EXPORT_ID}.${STRAND}.completed.manifest`, [`j/2024/01/02/03/${STRAND}.0-9.json`]);
  let r = await verify(['--dir', root, '--bucket', 'bkt', '--prefix', 'j/']);
  assert.equal(r.code, 2);
  assert.match(r.err, /cannot be verified: it is a JSON export\. JSON keeps no Ion types/);
  r = await verify(['--dir', root, '--bucket', 'bkt', '--prefix', 'none/']);
  assert.equal(r.code, 2);
  assert.match(r.err, /no completed manifest/);
  writeFileSync(join(root, 'bkt', `${EXPORT_ID}.started.manifest`), '{}');
  r = await verify(['--dir', root, '--bucket', 'bkt', '--export-id', EXPORT_ID]);
  assert.equal(r.code, 2);
  assert.match(r.err, /started manifest but no completed one/);
  assert.equal((await verify(['--bucket', 'bkt'])).code, 2);
  assert.equal((await verify(['--dir', root, '--bucket', 'bkt', '--digest', 'abc', '--tip', '1'])).code, 2);
  assert.equal((await verify(['--dir', root, '--bucket', 'bkt', '--bogus', '1'])).code, 2);
  assert.equal((await verify(['--dir', root, '--bucket', '..', '--prefix', 'x'])).code, 2);
  writeManifest(root, 'bkt', `t/${EXPORT_ID}.${STRAND}.completed.manifest`, ['../../etc/passwd']);
  r = await verify(['--dir', root, '--bucket', 'bkt', '--prefix', 't/']);
  assert.notEqual(r.code, 0);
  assert.match(r.out + r.err, /would leave the bucket directory/);
  assert.equal((await verify(['--help'])).code, 0);
}));
