import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ion from 'ion-js';
import { encodeCompletedManifest, encodeStartedManifest } from '../../src/exports/manifests';
import { completedManifestKey, dataObjectKey, hourPath, startedManifestKey } from '../../src/exports/layout';

const m = {
  ledgerName: 'my-example-ledger',
  exportId: 'ADR2ONUOrWE5R3FLTT8e5e',
  inclusiveStartTime: new Date('2019-04-15T00:00:00.000Z'),
  exclusiveEndTime: new Date('2019-04-15T22:00:00.000Z'),
  bucket: 'DOC-EXAMPLE-BUCKET',
  prefix: 'journalExport/',
  objectEncryptionType: 'SSE_S3',
};

test('started manifest, Ion text, as QLDB writes it (outputFormat only when given)', () => {
  assert.equal(
    encodeStartedManifest(m, 'ION_TEXT').toString(),
    '{ledgerName:"my-example-ledger",exportId:"ADR2ONUOrWE5R3FLTT8e5e",inclusiveStartTime:2019-04-15T00:00:00.000Z,' +
      'exclusiveEndTime:2019-04-15T22:00:00.000Z,bucket:"DOC-EXAMPLE-BUCKET",prefix:"journalExport/",objectEncryptionType:"SSE_S3"}',
  );
  const withFormat = ion.load(encodeStartedManifest({ ...m, outputFormat: 'ION_TEXT' }, 'ION_TEXT')) as any;
  assert.equal(withFormat.outputFormat.stringValue(), 'ION_TEXT');
});

test('started manifest, Ion binary: same struct, timestamps with millisecond precision', () => {
  const bin = encodeStartedManifest({ ...m, outputFormat: 'ION_BINARY' }, 'ION_BINARY');
  assert.deepEqual([...bin.subarray(0, 4)], [0xe0, 0x01, 0x00, 0xea]);
  const v = ion.load(bin) as any;
  assert.equal(v.getType(), ion.IonTypes.STRUCT);
  assert.equal(v.inclusiveStartTime.getType(), ion.IonTypes.TIMESTAMP);
  assert.equal(v.inclusiveStartTime.timestampValue().toString(), '2019-04-15T00:00:00.000Z');
  assert.equal(v.outputFormat.stringValue(), 'ION_BINARY');
  assert.deepEqual(
    v.fields().map(([k]: [string]) => k),
    ['ledgerName', 'exportId', 'inclusiveStartTime', 'exclusiveEndTime', 'bucket', 'prefix', 'objectEncryptionType', 'outputFormat'],
  );
});

test('started manifest, JSON: one object, times as strings', () => {
  assert.deepEqual(JSON.parse(encodeStartedManifest({ ...m, outputFormat: 'JSON' }, 'JSON').toString()), {
    ledgerName: 'my-example-ledger',
    exportId: 'ADR2ONUOrWE5R3FLTT8e5e',
    inclusiveStartTime: '2019-04-15T00:00:00.000Z',
    exclusiveEndTime: '2019-04-15T22:00:00.000Z',
    bucket: 'DOC-EXAMPLE-BUCKET',
    prefix: 'journalExport/',
    objectEncryptionType: 'SSE_S3',
    outputFormat: 'JSON',
  });
});

test('completed manifest: {keys:[...]} in each format, [] for an empty range', () => {
  const keys = ['p/2019/04/15/22/S.1-4.ion', 'p/2019/04/15/22/S.5-9.ion'];
  assert.equal(encodeCompletedManifest(keys, 'ION_TEXT').toString(), '{keys:["p/2019/04/15/22/S.1-4.ion","p/2019/04/15/22/S.5-9.ion"]}');
  assert.equal(encodeCompletedManifest([], 'ION_TEXT').toString(), '{keys:[]}');
  assert.deepEqual(JSON.parse(encodeCompletedManifest(keys, 'JSON').toString()), { keys });
  const v = ion.load(encodeCompletedManifest(keys, 'ION_BINARY')) as any;
  assert.deepEqual(v.get('keys').elements().map((k: any) => k.stringValue()), keys);
});

test('key layout: prefix concatenated as given, creation hour in UTC, no padding of sequence numbers', () => {
  const created = new Date('2019-04-05T03:59:59.999Z');
  assert.equal(hourPath(created), '2019/04/05/03/');
  assert.equal(startedManifestKey('journalExport/', 'ADR2ONUOrWE5R3FLTT8e5e'), 'journalExport/ADR2ONUOrWE5R3FLTT8e5e.started.manifest');
  assert.equal(startedManifestKey('x', 'ADR2ONUOrWE5R3FLTT8e5e'), 'xADR2ONUOrWE5R3FLTT8e5e.started.manifest');
  assert.equal(startedManifestKey('', 'ADR2ONUOrWE5R3FLTT8e5e'), 'ADR2ONUOrWE5R3FLTT8e5e.started.manifest');
  assert.equal(
    completedManifestKey('journalExport/', 'ADR2ONUOrWE5R3FLTT8e5e', 'JdxjkR9bSYB5jMHWcI464T'),
    'journalExport/ADR2ONUOrWE5R3FLTT8e5e.JdxjkR9bSYB5jMHWcI464T.completed.manifest',
  );
  assert.equal(
    dataObjectKey('journalExport/', created, 'JdxjkR9bSYB5jMHWcI464T', 1, 4, 'ION_TEXT'),
    'journalExport/2019/04/05/03/JdxjkR9bSYB5jMHWcI464T.1-4.ion',
  );
  assert.equal(dataObjectKey('', created, 'S', 10, 12, 'ION_BINARY'), '2019/04/05/03/S.10-12.ion');
  assert.equal(dataObjectKey('p-', created, 'S', 0, 0, 'JSON'), 'p-2019/04/05/03/S.0-0.json');
});
