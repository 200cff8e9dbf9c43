/**
 * The Kinesis Producer Library's aggregated record format, which the KCL, `aws-kinesis-agg` and
 * Lambda's de-aggregators read: the magic bytes F3 89 9A C2, a protobuf `AggregatedRecord`
 *
 *   message AggregatedRecord { repeated string partition_key_table = 1;
 *                              repeated string explicit_hash_key_table = 2;
 *                              repeated Record records = 3; }
 *   message Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2;
 *                    required bytes data = 3; repeated Tag tags = 4; }
 *
 * then the MD5 of the protobuf bytes. Written by hand: three fields of two messages do not need
 * a protobuf runtime on the server.
 */
import { createHash } from 'node:crypto';
import type { StreamRecord } from './records';

const MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);
const MD5_BYTES = 16;

/** One Kinesis record to put: its partition key (which picks the shard) and its bytes. */
export interface KinesisEntry {
  PartitionKey: string;
  Data: Uint8Array;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** Bytes of a `Record` message body holding `dataLength` bytes under key index `keyIndex`. */
function recordBodySize(keyIndex: number, dataLength: number): number {
  return 1 + varintSize(keyIndex) + 1 + varintSize(dataLength) + dataLength;
}

/**
 * Packs user records, in order, into aggregated Kinesis records of at most `maxBytes` each
 * (magic, protobuf and checksum together; partition keys count against Kinesis's 1 MiB too). A
 * record too large to share one goes alone, still aggregated, as the KPL does. Each aggregated
 * record is put under the partition key of its first user record: all of them land on that
 * key's shard, in order, and the consumer's de-aggregation gives every user record its own key.
 */
export function aggregate(records: readonly StreamRecord[], maxBytes: number): KinesisEntry[] {
  const out: KinesisEntry[] = [];
  let start = 0;
  while (start < records.length) {
    const keys = new Map<string, number>();
    let keyBytes = 0;
    let recordBytes = 0;
    let end = start;
    const indexes: number[] = [];
    for (; end < records.length; end++) {
      const r = records[end];
      let index = keys.get(r.partitionKey);
      let addKey = 0;
      if (index === undefined) {
        index = keys.size;
        const len = Buffer.byteLength(r.partitionKey);
        addKey = 1 + varintSize(len) + len;
      }
      const body = recordBodySize(index, r.data.length);
      const add = 1 + varintSize(body) + body + addKey;
      const total = MAGIC.length + keyBytes + recordBytes + add + MD5_BYTES + Buffer.byteLength(records[start].partitionKey);
      if (end > start && total > maxBytes) break;
      if (addKey) {
        keys.set(r.partitionKey, index);
        keyBytes += addKey;
      }
      recordBytes += add - addKey;
      indexes.push(index);
    }
    const proto = Buffer.allocUnsafe(keyBytes + recordBytes);
    let pos = 0;
    for (const key of keys.keys()) {
      const len = Buffer.byteLength(key);
      proto[pos++] = 0x0a;
      pos = writeVarint(proto, pos, len);
      pos += proto.write(key, pos, 'utf8');
    }
    for (let i = start; i < end; i++) {
      const data = records[i].data;
      const index = indexes[i - start];
      proto[pos++] = 0x1a;
      pos = writeVarint(proto, pos, recordBodySize(index, data.length));
      proto[pos++] = 0x08;
      pos = writeVarint(proto, pos, index);
      proto[pos++] = 0x1a;
      pos = writeVarint(proto, pos, data.length);
      proto.set(data, pos);
      pos += data.length;
    }
    const md5 = createHash('md5').update(proto).digest();
    out.push({ PartitionKey: records[start].partitionKey, Data: Buffer.concat([MAGIC, proto, md5]) });
    start = end;
  }
  return out;
}

/** The hash key range of an open shard, as ListShards gives it (decimal strings of 128-bit numbers). */
export interface ShardRange {
  start: bigint;
  end: bigint;
}

/** The 128-bit number Kinesis routes a partition key by: its MD5, big-endian. */
export function hashKeyOf(partitionKey: string): bigint {
  return BigInt('0x' + createHash('md5').update(partitionKey, 'utf8').digest('hex'));
}

/**
 * Aggregates as the KPL does on a stream of several shards: only records whose partition keys
 * route to the same shard share an aggregate, each put under its first record's key, so every
 * user record lands on its own key's shard and one key's records keep their order there (the
 * consumer reads each shard on its own; an aggregate mixing shards would put a key's later
 * record on another shard than its earlier one). Records keep their order within a shard;
 * shards' aggregates follow one another, which no consumer can tell apart.
 */
export function aggregateByShard(records: readonly StreamRecord[], maxBytes: number, shards: readonly ShardRange[]): KinesisEntry[] {
  if (shards.length <= 1) return aggregate(records, maxBytes);
  const groups = new Map<number, StreamRecord[]>();
  const shardOfKey = new Map<string, number>();
  for (const r of records) {
    let shard = shardOfKey.get(r.partitionKey);
    if (shard === undefined) {
      const h = hashKeyOf(r.partitionKey);
      shard = shards.findIndex((s) => s.start <= h && h <= s.end);
      shardOfKey.set(r.partitionKey, shard);
    }
    const group = groups.get(shard);
    if (group) group.push(r);
    else groups.set(shard, [r]);
  }
  const out: KinesisEntry[] = [];
  for (const group of groups.values()) for (const e of aggregate(group, maxBytes)) out.push(e);
  return out;
}

/** Without aggregation every stream record is a Kinesis record of its own. */
export function unaggregated(records: readonly StreamRecord[]): KinesisEntry[] {
  return records.map((r) => ({ PartitionKey: r.partitionKey, Data: r.data }));
}
