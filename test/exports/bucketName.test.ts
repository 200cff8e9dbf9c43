/** S3's bucket naming rules, applied by both sinks before an export writes anything. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSink } from '../../src/exports/sinks/localSink';
import { S3Sink } from '../../src/exports/sinks/s3Sink';
import { SinkError } from '../../src/exports/sinks/sink';

const VALID = [
  'abc', 'docexamplebucket1', 'log-delivery-march-2020', 'my-hosted-content', 'my.example.bucket', 'a1b', '123',
  '1.2.3', '1.2.3.4.5', 'a'.repeat(63), 'xn-x', 'sthree', 'bucket-s3alias-x', 'ol-s3', 'audit-bucket',
];

const INVALID = [
  'Bad_Bucket', 'ab', 'a', 'a'.repeat(64), 'UPPER', 'under_score', 'my..bucket', '-leading', 'trailing-', '.dot', 'dot.',
  '192.168.1.1', '10.0.0.255', 'xn--bucket', 'sthree-bucket', 'sthree-configurator-x', 'amzn-s3-demo-bucket',
  'bucket-s3alias', 'bucket--ol-s3', 'bucket.mrap', 'bucket--x-s3', 'bucket--table-s3', 'spa ce', 'per%2ecent',
];

const sinks = () => [
  new LocalSink(mkdtempSync(join(tmpdir(), 'bucket-'))),
  new S3Sink({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', forcePathStyle: true, accessKeyId: 'a', secretAccessKey: 'b' }),
];

test('both sinks accept the names S3 accepts', () => {
  for (const sink of sinks()) {
    for (const bucket of VALID) sink.checkKey(bucket, 'journalExport/x.started.manifest');
    sink.close();
  }
});

test('both sinks refuse the names S3 refuses, with S3 error code and message', () => {
  for (const sink of sinks()) {
    for (const bucket of INVALID) {
      assert.throws(
        () => sink.checkKey(bucket, 'journalExport/x.started.manifest'),
        (e: unknown) => e instanceof SinkError && e.code === 'InvalidBucketName' && e.message === 'The specified bucket is not valid.' && !e.transient,
        `${sink.kind}: ${bucket}`,
      );
    }
    if (sink instanceof LocalSink) assert.deepEqual(readdirSync(sink.root), []);
    sink.close();
  }
});
