import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVerify } from '../../src/cli/verify';
import { EXPORT_ID, STRAND, T0, stampOf, writeExport, writeManifest } from './exportFixture';

const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

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

for (const format of ['ION_TEXT', 'ION_BINARY'] as const) {
  // no gap betrays these: the objects left in the manifest still chain and count up
  test(`${format}: an object left out of the manifest at either end, or all of them, is named`, withDir(async (root) => {
    const ex = writeExport(root, 'bkt', 'e/', 50, format, 10);
    const args = ['--dir', root, '--bucket', 'bkt', '--prefix', 'e/'];
    const cases: [string, string[], string, number][] = [
      ['first', ex.keys.slice(1), ex.keys[0], 0],
      ['last', ex.keys.slice(0, -1), ex.keys[4], 40],
      ['first two', ex.keys.slice(2), ex.keys[0], 0],
      ['every', [], ex.keys[0], 0],
    ];
    for (const [what, keys, removed, seq] of cases) {
      writeManifest(root, 'bkt', ex.manifestKey, keys);
      for (const threads of ['1', '4']) {
        const r = await verify([...args, '--threads', threads]);
        assert.equal(r.code, 1, `${what}: ${r.out}${r.err}`);
        assert.match(r.out, new RegExp(`FAILED\\n  ${re(removed)}: block \\{strandId:"${STRAND}",sequenceNo:${seq}\\} has blockTimestamp \\S+, inside the export's range \\[2024-01-02T03:00:00\\.000Z, 2024-01-02T03:00:00\\.500Z\\), but no object of ${re(ex.manifestKey)} holds it`), what);
        assert.match(r.out, new RegExp(`check: omittedObject, sequenceNo ${seq}, object ${re(removed)}\\n`), what);
      }
    }
    // the digest check still runs once the export is whole again
    writeManifest(root, 'bkt', ex.manifestKey, ex.keys);
    const r = await verify([...args, '--digest', ex.digest.toString('base64'), '--tip', '49']);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /blocks 0\.\.49 fold into the given digest/);
  }));

  test(`${format}: other exports' objects in the same directory are not taken for left-out ones`, withDir(async (root) => {
    // blocks 0..49, then 50..79 with other chunking, then a range past the last block: one hour directory
    const a = writeExport(root, 'bkt', 's/', 50, format, 10);
    const b = writeExport(root, 'bkt', 's/', 80, format, 7, { from: 50, exportId: 'Ey000000000000000000AA' });
    writeExport(root, 'bkt', 's/', 80, format, 10, { from: 80, end: T0 + 900, exportId: 'Ez000000000000000000AA' });
    const args = ['--dir', root, '--bucket', 'bkt', '--prefix', 's/'];
    let r = await verify(args);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /export Ex0+AA \(strand \w+\): OK — blocks 0\.\.49 in 5 objects/);
    assert.match(r.out, /export Ey0+AA \(strand \w+\): OK — blocks 50\.\.79 in 5 objects/);
    assert.match(r.out, /export Ez0+AA \(strand \w+\): OK — no blocks \(an empty time range\) in 0 objects/);
    // with company in the directory, a left-out object is still found, and only in its export
    writeManifest(root, 'bkt', b.manifestKey, b.keys.slice(0, -1));
    r = await verify(args);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /export Ex0+AA .*: OK/);
    assert.match(r.out, new RegExp(`export Ey0+AA .*: FAILED[\\s\\S]*check: omittedObject, sequenceNo 78, object ${re(b.keys[4])}`));
    assert.doesNotMatch(r.out, /export Ez0+AA .*FAILED/);
    writeManifest(root, 'bkt', b.manifestKey, b.keys);
    writeManifest(root, 'bkt', a.manifestKey, a.keys.slice(1));
    r = await verify([...args, '--export-id', EXPORT_ID]);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, new RegExp(`check: omittedObject, sequenceNo 0, object ${re(a.keys[0])}`));
  }));
}

for (const format of ['ION_TEXT', 'ION_BINARY'] as const) {
  // no hash covers blockTimestamp: these blocks pass every hash check, only their times betray them
  test(`${format}: a block moved in time is named: a timestamp that decreases, or one outside the export's range`, withDir(async (root) => {
    const iso = (ms: number) => new Date(ms).toISOString();
    const cases: { what: string; stamp: (seq: number) => number; seq: number; object: number; check: string; message: string }[] = [
      {
        what: 'inside an object',
        stamp: (seq) => (seq === 33 ? stampOf(31) : stampOf(seq)),
        seq: 33, object: 3, check: 'timestampOrder',
        message: `blockTimestamp ${iso(stampOf(31))} is before the previous block's ${iso(stampOf(32))}`,
      },
      {
        what: "at an object's first block",
        stamp: (seq) => (seq === 30 ? stampOf(28) : stampOf(seq)),
        seq: 30, object: 3, check: 'timestampOrder',
        message: `blockTimestamp ${iso(stampOf(28))} is before the previous block's ${iso(stampOf(29))}`,
      },
      {
        what: 'past ExclusiveEndTime, in order',
        stamp: (seq) => (seq >= 45 ? T0 + 500 + seq : stampOf(seq)),
        seq: 45, object: 4, check: 'timeRange',
        message: `blockTimestamp ${iso(T0 + 545)} is outside the export's range [${iso(T0)}, ${iso(T0 + 500)}) from its started manifest`,
      },
      {
        what: 'the first block before InclusiveStartTime',
        stamp: (seq) => (seq === 0 ? T0 - 1 : stampOf(seq)),
        seq: 0, object: 0, check: 'timeRange',
        message: `blockTimestamp ${iso(T0 - 1)} is outside the export's range [${iso(T0)}, ${iso(T0 + 500)})`,
      },
    ];
    for (const c of cases) {
      const dir = join(root, c.what.replace(/\W+/g, '-'));
      const ex = writeExport(dir, 'bkt', 't/', 50, format, 10, { stamp: c.stamp });
      for (const threads of ['1', '3']) {
        const r = await verify(['--dir', dir, '--bucket', 'bkt', '--prefix', 't/', '--threads', threads]);
        assert.equal(r.code, 1, `${c.what}: ${r.out}${r.err}`);
        const key = ex.keys[c.object];
        assert.match(r.out, new RegExp(`FAILED\\n  ${re(key)}: block \\{strandId:"${STRAND}",sequenceNo:${c.seq}\\}: ${re(c.message)}`), c.what);
        assert.match(r.out, new RegExp(`check: ${c.check}, sequenceNo ${c.seq}, object ${re(key)}\\n`), c.what);
      }
    }
    // blocks of one millisecond may share it: equal timestamps do not decrease
    writeExport(join(root, 'equal'), 'bkt', 't/', 50, format, 10, { stamp: (seq) => (seq >= 10 && seq <= 25 ? stampOf(10) : stampOf(seq)) });
    const r = await verify(['--dir', join(root, 'equal'), '--bucket', 'bkt', '--prefix', 't/']);
    assert.equal(r.code, 0, r.out + r.err);
  }));
}

test('ION_TEXT: a blockTimestamp edited in place verifies every hash but fails the time checks', withDir(async (root) => {
  const ex = writeExport(root, 'bkt', 'h/', 30, 'ION_TEXT', 30);
  const path = join(root, 'bkt', ex.keys[0]);
  const text = readFileSync(path, 'utf8');
  const stamp = `blockTimestamp:${new Date(stampOf(20)).toISOString()}`;
  assert.ok(text.includes(stamp));
  // a day later: in order after block 19, but past the range, and block 21 now steps back from it
  writeFileSync(path, text.replace(stamp, `blockTimestamp:${new Date(stampOf(20) + 86_400_000).toISOString()}`));
  let r = await verify(['--dir', root, '--bucket', 'bkt', '--prefix', 'h/']);
  assert.equal(r.code, 1, r.out + r.err);
  // the moved block is outside the range, and caught before its successor steps back
  assert.match(r.out, /sequenceNo:20\}: blockTimestamp 2024-01-03T03:00:00\.202Z is outside the export's range \[2024-01-02T03:00:00\.000Z, 2024-01-02T03:00:00\.300Z\)/);
  assert.match(r.out, new RegExp(`check: timeRange, sequenceNo 20, object ${re(ex.keys[0])}\\n`));
  // widen the started manifest's range to hold the moved block: the step back of block 21 remains
  const started = join(root, 'bkt', `h/${EXPORT_ID}.started.manifest`);
  writeFileSync(started, readFileSync(started, 'utf8').replace('exclusiveEndTime:2024-01-02T03:00:00.300Z', 'exclusiveEndTime:2024-01-04T00:00:00.000Z'));
  r = await verify(['--dir', root, '--bucket', 'bkt', '--prefix', 'h/']);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /sequenceNo:21\}: blockTimestamp 2024-01-02T03:00:00\.212Z is before the previous block's 2024-01-03T03:00:00\.202Z/);
  assert.match(r.out, /check: timestampOrder, sequenceNo 21/);
}));

test('one object and one block are counted in the singular', withDir(async (root) => {
  writeExport(root, 'bkt', 'one/', 1, 'ION_BINARY', 10);
  const ex = writeExport(join(root, 'd'), 'bkt', 'one/', 1, 'ION_BINARY', 10);
  const r = await verify(['--dir', root, '--bucket', 'bkt', '--prefix', 'one/', '--digest', ex.digest.toString('base64'), '--tip', '0']);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /: OK — block 0 in 1 object verified/);
  assert.match(r.out, /: block 0 folds into the given digest/);
  assert.doesNotMatch(r.out, /\b1 objects\b|blocks 0\.\.0/);
}));

test('a missing started manifest fails the export: its completeness cannot be checked', withDir(async (root) => {
  writeExport(root, 'bkt', 'm/', 20, 'ION_TEXT', 10);
  rmSync(join(root, 'bkt', `m/${EXPORT_ID}.started.manifest`));
  const r = await verify(['--dir', root, '--bucket', 'bkt', '--prefix', 'm/']);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /started\.manifest: cannot be read: .*; without the export's time range, data objects left out of the completed manifest cannot be detected/);
  assert.match(r.out, new RegExp(`check: startedManifest, object m/${EXPORT_ID}\\.started\\.manifest`));
}));

test('a JSON export is skipped, saying why, and the Ion exports beside it are verified', withDir(async (root) => {
  // sorts before the Ion export, which a JSON export used to keep from being verified
  const jsonId = 'Ej000000000000000000AA';
  writeManifest(root, 'bkt', `p/${jsonId}.${STRAND}.completed.manifest`, [`p/2024/01/02/03/${STRAND}.0-9.json`]);
  const ex = writeExport(root, 'bkt', 'p/', 30, 'ION_BINARY', 10);
  const args = ['--dir', root, '--bucket', 'bkt', '--prefix', 'p/'];
  let r = await verify(args);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.err, new RegExp(`export ${jsonId} \\(strand ${STRAND}\\): cannot be verified: it is a JSON export\\..*Skipped\\.`));
  assert.match(r.out, new RegExp(`export ${EXPORT_ID} \\(strand ${STRAND}\\): OK — blocks 0\\.\\.29 in 3 objects`));
  // an empty JSON export lists no .json key: its started manifest names the format
  const emptyId = 'Ek000000000000000000AA';
  writeManifest(root, 'bkt', `p/${emptyId}.${STRAND}.completed.manifest`, []);
  writeFileSync(join(root, 'bkt', `p/${emptyId}.started.manifest`), JSON.stringify({ inclusiveStartTime: '2024-01-02T03:00:00.000Z', exclusiveEndTime: '2024-01-02T04:00:00.000Z', outputFormat: 'JSON' }));
  r = await verify(args);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.err, new RegExp(`export ${emptyId} .*: cannot be verified: it is a JSON export`));
  // a failing Ion export still fails the run
  writeManifest(root, 'bkt', ex.manifestKey, ex.keys.slice(0, -1));
  r = await verify(args);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, new RegExp(`check: omittedObject, sequenceNo 20, object ${re(ex.keys[2])}`));
  // only JSON: nothing could be verified
  r = await verify([...args, '--export-id', jsonId]);
  assert.equal(r.code, 2, r.out + r.err);
  assert.match(r.err, /nothing could be verified/);
}));

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
