/**
 * The KPL aggregated record format as written by the server, read back by aws-kinesis-agg (what
 * Lambda consumers and the KCL's Node users de-aggregate with), checksums checked; and the
 * PutRecords calls within Kinesis's limits.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { aggregate, aggregateByShard, hashKeyOf, unaggregated } from '../../src/streams/aggregation';
import { batches } from '../../src/streams/kinesis';
import { KPL_MAGIC } from '../helpers/kinesis';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const agg = require('aws-kinesis-agg') as {
  deaggregateSync(record: { partitionKey: string; sequenceNumber: string; data: string }, checksums: boolean, done: (err: Error | null, records?: { partitionKey: string; data: string }[]) => void): void;
};

function deaggregate(entry: { PartitionKey: string; Data: Uint8Array }): { partitionKey: string; data: Buffer }[] {
  let out: { partitionKey: string; data: Buffer }[] = [];
  agg.deaggregateSync({ partitionKey: entry.PartitionKey, sequenceNumber: '1', data: Buffer.from(entry.Data).toString('base64') }, true, (err, records) => {
    if (err) throw err;
    out = records!.map((r) => ({ partitionKey: r.partitionKey, data: Buffer.from(r.data, 'base64') }));
  });
  return out;
}

const records = (n: number, size: (i: number) => number) =>
  Array.from({ length: n }, (_, i) => ({ partitionKey: `doc-${i % 7}-${'é'.repeat(i % 3)}`, data: randomBytes(size(i)) }));

describe('KPL aggregation', () => {
  it('packs records in order into aggregates of at most the limit, each de-aggregating to its records and partition keys', () => {
    const input = records(3000, (i) => (i * 37) % 900);
    const out = aggregate(input, 50_000);
    assert.ok(out.length > 1);
    const back = out.flatMap((e) => {
      assert.ok(Buffer.from(e.Data).subarray(0, 4).equals(KPL_MAGIC));
      assert.ok(e.Data.length + Buffer.byteLength(e.PartitionKey) <= 50_000, `${e.Data.length} bytes`);
      const users = deaggregate(e);
      assert.equal(e.PartitionKey, users[0].partitionKey, "an aggregate goes under its first record's key");
      return users;
    });
    assert.equal(back.length, input.length);
    back.forEach((r, i) => {
      assert.equal(r.partitionKey, input[i].partitionKey);
      assert.ok(r.data.equals(input[i].data), `record ${i}`);
    });
  });

  it('a record larger than the limit goes alone, still aggregated; empty records and large varints survive', () => {
    const input = [
      { partitionKey: 'a', data: Buffer.alloc(0) },
      { partitionKey: 'b', data: randomBytes(70_000) },
      { partitionKey: 'a', data: randomBytes(200) },
    ];
    const out = aggregate(input, 10_000);
    assert.equal(out.length, 3);
    assert.deepEqual(out.flatMap(deaggregate).map((r) => [r.partitionKey, r.data.length]), [['a', 0], ['b', 70_000], ['a', 200]]);
    assert.equal(aggregate([], 10_000).length, 0);
  });

  it("on a stream of several shards, an aggregate holds only records of its key's shard: each key's records stay on one shard, in order", () => {
    // four shards splitting the 128-bit hash key space evenly, as CreateStream makes them
    const quarter = 2n ** 126n;
    const shards = [0n, 1n, 2n, 3n].map((i) => ({ start: i * quarter, end: (i + 1n) * quarter - 1n }));
    const shardOf = (key: string) => shards.findIndex((r) => r.start <= hashKeyOf(key) && hashKeyOf(key) <= r.end);
    const input = Array.from({ length: 2000 }, (_, i) => ({ partitionKey: `doc-${i % 41}`, data: randomBytes((i * 13) % 300) }));
    assert.equal(new Set(input.map((r) => shardOf(r.partitionKey))).size, 4, 'the keys cover every shard');
    const out = aggregateByShard(input, 20_000, shards);
    const perShard = new Map<number, { partitionKey: string; data: Buffer }[]>();
    for (const e of out) {
      const shard = shardOf(e.PartitionKey);
      const users = deaggregate(e);
      for (const u of users) assert.equal(shardOf(u.partitionKey), shard, `${u.partitionKey} in an aggregate put on shard ${shard}`);
      perShard.set(shard, [...(perShard.get(shard) ?? []), ...users]);
    }
    for (const [shard, got] of perShard) {
      const expected = input.filter((r) => shardOf(r.partitionKey) === shard);
      assert.deepEqual(got.map((r) => r.partitionKey), expected.map((r) => r.partitionKey), `shard ${shard} in input order`);
      got.forEach((r, i) => assert.ok(r.data.equals(expected[i].data)));
    }
    assert.equal([...perShard.values()].flat().length, input.length);
    // Kinesis's routing: the MD5 of the key as a big-endian number
    assert.equal(hashKeyOf('a'), BigInt('0x0cc175b9c0f1b6a831c399e269772661'));
    // one shard: the aggregates of a single stream of records
    assert.deepEqual(aggregateByShard(input, 20_000, shards.slice(0, 1)), aggregate(input, 20_000));
  });

  it('without aggregation each record is a Kinesis record of its own', () => {
    const input = records(5, () => 10);
    assert.deepEqual(unaggregated(input).map((e) => [e.PartitionKey, Buffer.from(e.Data)]), input.map((r) => [r.partitionKey, r.data]));
  });
});

describe('PutRecords calls', () => {
  it('hold at most 500 entries and 5 MiB each, in order', () => {
    const small = unaggregated(records(1234, () => 10));
    assert.deepEqual(batches(small).map((b) => b.length), [500, 500, 234]);
    const big = unaggregated(records(12, () => 1_000_000));
    const calls = batches(big);
    assert.deepEqual(calls.map((b) => b.length), [5, 5, 2]);
    assert.deepEqual(calls.flat(), big);
  });
});
