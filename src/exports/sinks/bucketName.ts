/**
 * S3's naming rules for general purpose buckets. QLDB's model lets through any of
 * `^[A-Za-z-0-9-_.]+$` up to 255 characters; S3 then refused what it could not name, and QLDB
 * quoted that refusal. Every sink applies the rules, so that an export a local directory takes
 * would not fail against S3.
 */
import { SinkError } from './sink';

const CHARACTERS = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d+\.\d+\.\d+\.\d+$/;
/** Reserved by S3 for access point aliases, Multi-Region Access Points, directory and table buckets, and its own examples. */
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

export function isValidBucketName(bucket: string): boolean {
  return (
    CHARACTERS.test(bucket) &&
    !bucket.includes('..') &&
    !IP_ADDRESS.test(bucket) &&
    !RESERVED_PREFIXES.some((p) => bucket.startsWith(p)) &&
    !RESERVED_SUFFIXES.some((s) => bucket.endsWith(s))
  );
}

/** Throws S3's own error for a name it refuses, which ExportJournalToS3 quotes as QLDB did. */
export function checkBucketName(bucket: string): void {
  if (!isValidBucketName(bucket)) throw new SinkError('InvalidBucketName', 'The specified bucket is not valid.', false);
}
