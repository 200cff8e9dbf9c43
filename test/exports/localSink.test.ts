import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSink } from '../../src/exports/sinks/localSink';
import { SinkError } from '../../src/exports/sinks/sink';

const opts = { contentType: 'text/x-amzn-ion', encryption: { type: 'SSE_S3' as const } };

function listAll(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as any).path, e.name));
}

test('objects land at <root>/<bucket>/<key>, the bucket directory created on first use, no temp file left', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'sink-'));
  const root = join(parent, 's3');
  const sink = new LocalSink(root);
  await sink.put('my-bucket', 'journalExport/2024/01/01/00/S.1-4.ion', Buffer.from('hello'), opts);
  await sink.put('my-bucket', 'xABC.started.manifest', Buffer.from('m'), opts);
  await sink.put('my-bucket', 'xABC.started.manifest', Buffer.from('m2'), opts);
  assert.equal(readFileSync(join(root, 'my-bucket/journalExport/2024/01/01/00/S.1-4.ion'), 'utf8'), 'hello');
  assert.equal(readFileSync(join(root, 'my-bucket/xABC.started.manifest'), 'utf8'), 'm2');
  assert.deepEqual(listAll(parent).sort(), [
    join(root, 'my-bucket/journalExport/2024/01/01/00/S.1-4.ion'),
    join(root, 'my-bucket/xABC.started.manifest'),
  ]);
});

const ESCAPES: [string, string][] = [
  ['b-1', '../outside'],
  ['b-1', 'a/../../outside'],
  ['b-1', 'a/../b'],
  ['b-1', './a'],
  ['b-1', '/etc/passwd'],
  ['b-1', 'a\\..\\..\\x'],
  ['b-1', 'a\0b'],
  ['b-1', '..%2F..%2Fx'],
  ['b-1', '%2e%2e/x'],
  ['b-1', 'a%5cb'],
  ['b-1', 'a//b'],
  ['b-1', 'dir/'],
  ['..', 'x'],
  ['.', 'x'],
  ['a/b', 'x'],
  ['a\\b', 'x'],
  ['%2e%2e', 'x'],
];

test('keys and buckets that would leave <root>/<bucket> are refused and nothing is written', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'sink-'));
  const sink = new LocalSink(join(parent, 's3'));
  for (const [bucket, key] of ESCAPES) {
    assert.throws(() => sink.checkKey(bucket, key), SinkError, `${bucket} ${key}`);
    await assert.rejects(sink.put(bucket, key, Buffer.from('evil'), opts), SinkError, `${bucket} ${key}`);
  }
  assert.deepEqual(listAll(parent), []);
});

test('ordinary keys with dots, dashes and unicode are allowed', () => {
  const sink = new LocalSink(join(tmpdir(), 'never-written'));
  for (const key of ['a..b', '...x', 'x.', 'journal export/é/ü.ion', 'a%20b', '.hidden']) sink.checkKey('bkt', key);
});

test('a temp file left by a crash is taken over when the resumed job writes the same key', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'sink-'));
  const root = join(parent, 's3');
  const dir = join(root, 'my-bucket', 'p', '2024', '01', '01', '00');
  mkdirSync(dir, { recursive: true });
  // what a kill -9 between write and rename leaves behind
  writeFileSync(join(dir, '.S.0-9.ion.openqldb-tmp'), 'half an obj');
  await new LocalSink(root).put('my-bucket', 'p/2024/01/01/00/S.0-9.ion', Buffer.from('whole object'), opts);
  assert.deepEqual(listAll(parent), [join(dir, 'S.0-9.ion')]);
  assert.equal(readFileSync(join(dir, 'S.0-9.ion'), 'utf8'), 'whole object');
});
