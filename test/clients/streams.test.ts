/**
 * Journal streams to Kinesis against a live server and a real Kinesis-compatible server
 * (kinesalite), through @aws-sdk/client-qldb; records read back with GetRecords and, when
 * aggregated, de-aggregated by aws-kinesis-agg (test/helpers/kinesis.ts). Every record is compared
 * with the ledger's blocks as stored, and every revision hash is recomputed with the journal's
 * own hashing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as ion from 'ion-js';
import {
  CancelJournalKinesisStreamCommand,
  DeleteLedgerCommand,
  DescribeLedgerCommand,
  DescribeJournalKinesisStreamCommand,
  ListJournalKinesisStreamsForLedgerCommand,
  ListTagsForResourceCommand,
  StreamJournalToKinesisCommand,
  type QLDBClient,
  TagResourceCommand,
  UntagResourceCommand,
  type JournalKinesisStreamDescription,
} from '@aws-sdk/client-qldb';
import { DeleteStreamCommand } from '@aws-sdk/client-kinesis';
import { startServer, type TestServer } from '../helpers/server';
import { ROLE, qldbClient, streamInput } from './streamHelpers';
import { startKinesis, type ConsumedRecord, type TestKinesis } from '../helpers/kinesis';
import { rejectsWith } from '../helpers/sdkErrors';
import { createLedger, newDriver, storedBlocks } from './sessionHelpers';
import { appendBlocks, vehicleBlock } from '../helpers/serverStore';
import { parseBlock, parseRevisionAt, structFields } from '../../src/journal/block';
import { firstValue } from '../../src/journal/ionBinary';
import { merkleRoot, dot } from '../../src/journal/hash';
import { revisionHashOf, verifyBlock } from '../../src/journal/verify';
import { hashKeyOf } from '../../src/streams/aggregation';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function describeStream(qldb: QLDBClient, ledger: string, id: string): Promise<JournalKinesisStreamDescription> {
  return (await qldb.send(new DescribeJournalKinesisStreamCommand({ LedgerName: ledger, StreamId: id }))).Stream!;
}

async function waitStatus(qldb: QLDBClient, ledger: string, id: string, status: string, timeoutMs = 15_000): Promise<JournalKinesisStreamDescription> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const d = await describeStream(qldb, ledger, id);
    if (d.Status === status) return d;
    if (Date.now() > until) assert.fail(`stream ${id} is ${d.Status}, not ${status}`);
    await sleep(50);
  }
}

/** Waits until the Kinesis stream holds a record that `match` accepts; returns every record then. */
async function waitRecord(kinesis: TestKinesis, name: string, match: (r: ConsumedRecord) => boolean, timeoutMs = 10_000, everyMs = 20): Promise<ConsumedRecord[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const records = await kinesis.read(name);
    if (records.some(match)) return records;
    if (Date.now() > until) assert.fail(`no such record in ${name} after ${timeoutMs} ms (${records.length} records)`);
    await sleep(everyMs);
  }
}

const payload = (r: ConsumedRecord) => r.value.get('payload')!;
const seqOf = (r: ConsumedRecord) => Number(payload(r).get('blockAddress', 'sequenceNo'));

/** The stored block's fields as Ion values. */
function blockValue(bytes: Buffer): ion.dom.Value {
  return ion.load(bytes)!;
}

/**
 * Checks that `records` are exactly: CREATED, then for each block of `blocks` its BLOCK_SUMMARY
 * (fields equal to the stored block's, hashes consistent) and one REVISION_DETAILS per revision
 * (equal to the stored revision, its hash recomputed), then COMPLETED when `completed`.
 */
function assertStreamRecords(records: ConsumedRecord[], blocks: Buffer[], streamArn: string, streamId: string, completed: boolean): void {
  const seen = records.map((r) => `${r.recordType}${r.recordType === 'CONTROL' ? ':' + payload(r).get('controlRecordType') : ''}`);
  const expected = ['CONTROL:CREATED'];
  for (const b of blocks) {
    expected.push('BLOCK_SUMMARY');
    for (const r of parseBlock(b).revisions) if (r.documentId) expected.push('REVISION_DETAILS');
  }
  if (completed) expected.push('CONTROL:COMPLETED');
  assert.deepEqual(seen, expected);
  for (const r of records) assert.equal(String(r.value.get('qldbStreamArn')), streamArn);
  assert.equal(records[0].partitionKey, streamId);
  if (completed) assert.equal(records[records.length - 1].partitionKey, streamId);

  let i = 1;
  for (const bytes of blocks) {
    const block = parseBlock(bytes);
    assert.equal(verifyBlock(bytes).ok, true);
    const stored = blockValue(bytes);
    const summary = records[i++];
    const p = payload(summary);
    assert.equal(summary.partitionKey, block.strandId, 'a block summary goes under the strand id');
    for (const name of ['blockAddress', 'transactionId', 'blockTimestamp', 'blockHash', 'entriesHash', 'previousBlockHash', 'entriesHashList', 'transactionInfo']) {
      assert.ok(p.get(name)!.equals(stored.get(name)!), `block ${block.sequenceNo}: ${name} as stored`);
    }
    // the summary alone lets a consumer check the chain link and the revisions' place in it
    const entriesHashList = p.get('entriesHashList')!.elements().map((e) => Buffer.from(e.uInt8ArrayValue()!));
    const entriesHash = Buffer.from(p.get('entriesHash')!.uInt8ArrayValue()!);
    assert.deepEqual(merkleRoot(entriesHashList), entriesHash);
    assert.deepEqual(dot(entriesHash, Buffer.from(p.get('previousBlockHash')!.uInt8ArrayValue()!)), Buffer.from(p.get('blockHash')!.uInt8ArrayValue()!));
    const userRevisions = block.revisions.filter((r) => r.documentId);
    const summaries = p.get('revisionSummaries')?.elements() ?? [];
    assert.equal(summaries.length, userRevisions.length);
    if (summaries.length) {
      const hashes = summaries.map((s) => Buffer.from(s.get('hash')!.uInt8ArrayValue()!));
      assert.deepEqual(merkleRoot(hashes), entriesHashList[0], 'the revision hashes are the first entry of the block');
      summaries.forEach((s, k) => assert.equal(String(s.get('documentId')), userRevisions[k].documentId));
    }
    const documents = stored.get('transactionInfo', 'documents');
    const storedRevisions = stored.get('revisions')?.elements() ?? [];
    for (let k = 0; k < userRevisions.length; k++) {
      const details = records[i++];
      const rp = payload(details);
      const docId = userRevisions[k].documentId!;
      assert.equal(details.partitionKey, docId, 'revision details go under the document id');
      assert.ok(rp.get('revision')!.equals(storedRevisions[k]), `block ${block.sequenceNo}: revision ${docId} as stored`);
      assert.equal(String(rp.get('tableInfo', 'tableName')), String(documents!.get(docId, 'tableName')));
      assert.equal(String(rp.get('tableInfo', 'tableId')), String(documents!.get(docId, 'tableId')));
      // the consumer's check: the revision's hash recomputed from its own bytes
      const v = firstValue(details.bytes);
      const pf = structFields(details.bytes, v.h, v.symbols).get('payload')!;
      const rv = structFields(details.bytes, pf.h, v.symbols).get('revision')!;
      const parsed = parseRevisionAt(details.bytes, rv, v.symbols);
      assert.deepEqual(revisionHashOf(details.bytes, v.symbols, parsed), userRevisions[k].hash);
      assert.deepEqual(parsed.hash, userRevisions[k].hash);
    }
  }
}

describe('journal streams to Kinesis (SDK, kinesalite)', () => {
  let kinesis: TestKinesis;
  let server: TestServer;
  let qldb: QLDBClient;
  const kinesisFlags = () => [
    '--kinesis-endpoint', kinesis.endpoint,
    '--kinesis-access-key-id', 'kinesalite',
    '--kinesis-secret-access-key', 'kinesalite',
    '--stream-impaired-limit', '4s',
    '--export-lease', '2s',
    '--max-ledgers', '20',
  ];

  before(async () => {
    kinesis = await startKinesis();
    server = await startServer(kinesisFlags());
    qldb = qldbClient(server);
  });

  after(async () => {
    qldb?.destroy();
    await server?.dispose();
    await kinesis?.close();
  });

  it('replays a ledger from its creation, with and without aggregation: CREATED, a BLOCK_SUMMARY per block and a REVISION_DETAILS per revision in journal order, then COMPLETED; every hash verifies', async () => {
    await createLedger(server.endpoint, 'history');
    const driver = newDriver(server.endpoint, 'history');
    await driver.executeLambda((t) => t.execute('CREATE TABLE Vehicle'));
    await driver.executeLambda((t) => t.execute('CREATE INDEX ON Vehicle (VIN)'));
    await driver.executeLambda(async (t) => {
      for (const vin of ['A1', 'B2', 'C3']) await t.execute('INSERT INTO Vehicle ?', { VIN: vin, Owner: 'Ana', Miles: 10 });
    });
    await driver.executeLambda((t) => t.execute("UPDATE Vehicle SET Miles = 99 WHERE VIN = 'B2'"));
    await driver.executeLambda((t) => t.execute("DELETE FROM Vehicle WHERE VIN = 'C3'"));
    // B2's first revision redacted: streamed with its dataHash, and the redaction's block with its redactionInfo
    const tableId = (await driver.executeLambda((t) => t.execute("SELECT VALUE tableId FROM information_schema.user_tables WHERE name = 'Vehicle'")))
      .getResultList()[0]
      .stringValue()!;
    const v0 = (await driver.executeLambda((t) => t.execute("SELECT * FROM history(Vehicle) AS h WHERE h.data.VIN = 'B2' AND h.metadata.version = 0"))).getResultList()[0];
    await driver.executeLambda((t) => t.execute(`EXEC redact_revision ?, '${tableId}', '${v0.get('metadata', 'id')!.stringValue()}'`, v0.get('blockAddress')!));
    await driver.executeLambda((t) => t.execute('CREATE TABLE Person'));
    await driver.executeLambda((t) => t.execute('INSERT INTO Person ?', { Name: 'Bo', Nested: { list: [1, 2.5, 'x'], when: new Date(0) } }));
    driver.close();
    const end = new Date(Date.now() + 300);

    const plainArn = await kinesis.createStream('history-plain');
    const aggArn = await kinesis.createStream('history-agg');
    // a start before the ledger existed is the ledger's creation (QLDB's rule)
    const plain = await qldb.send(
      new StreamJournalToKinesisCommand(
        streamInput('history', plainArn, { InclusiveStartTime: new Date(0), ExclusiveEndTime: end, KinesisConfiguration: { StreamArn: plainArn, AggregationEnabled: false } }),
      ),
    );
    // a stream name is unique among the ledger's active streams
    const agg = await qldb.send(
      new StreamJournalToKinesisCommand(streamInput('history', aggArn, { StreamName: 'audit-feed-agg', InclusiveStartTime: new Date(0), ExclusiveEndTime: end })),
    );
    assert.match(plain.StreamId!, /^[A-Za-z0-9]{22}$/);

    const done = await waitStatus(qldb, 'history', plain.StreamId!, 'COMPLETED');
    await waitStatus(qldb, 'history', agg.StreamId!, 'COMPLETED');
    const created = (await qldb.send(new DescribeLedgerCommand({ Name: 'history' }))).CreationDateTime!;
    assert.deepEqual(done.InclusiveStartTime, created);
    assert.deepEqual(done.ExclusiveEndTime, end);
    assert.deepEqual(done.KinesisConfiguration, { StreamArn: plainArn, AggregationEnabled: false });
    assert.equal(done.Arn, `arn:aws:qldb:us-east-1:000000000000:stream/history/${plain.StreamId}`);
    assert.equal(done.StreamName, 'audit-feed');
    assert.equal(done.RoleArn, ROLE);
    assert.equal(done.ErrorCause, undefined);
    const aggDone = await describeStream(qldb, 'history', agg.StreamId!);
    assert.equal(aggDone.KinesisConfiguration!.AggregationEnabled, true, 'aggregation is on unless asked otherwise');

    const blocks = await storedBlocks(server, 'history');
    const plainRecords = await kinesis.read('history-plain');
    assert.ok(plainRecords.every((r) => !r.aggregated), 'one stream record per Kinesis record');
    assertStreamRecords(plainRecords, blocks, done.Arn!, plain.StreamId!, true);

    const redacted = plainRecords.filter((r) => r.recordType === 'REVISION_DETAILS' && payload(r).get('revision', 'dataHash'));
    assert.equal(redacted.length, 1, 'the redacted revision carries its dataHash');
    assert.equal(redacted[0].value.get('payload', 'revision', 'data'), null);
    assert.equal(plainRecords.filter((r) => r.recordType === 'BLOCK_SUMMARY' && payload(r).get('redactionInfo')).length, 1);

    const aggRecords = await kinesis.read('history-agg');
    assert.ok(aggRecords.every((r) => r.aggregated), 'every Kinesis record is a KPL aggregate');
    assert.ok(new Set(aggRecords.map((r) => r.sequenceNumber)).size < aggRecords.length, 'several records share a Kinesis record');
    assertStreamRecords(aggRecords, blocks, aggDone.Arn!, agg.StreamId!, true);
  });

  it("to a Kinesis stream of four shards, aggregated: each record is on its own key's shard, so every key's records are in journal order", async () => {
    await createLedger(server.endpoint, 'sharded');
    const driver = newDriver(server.endpoint, 'sharded');
    await driver.executeLambda((t) => t.execute('CREATE TABLE S'));
    await driver.executeLambda(async (t) => {
      for (let n = 0; n < 24; n++) await t.execute('INSERT INTO S ?', { n, v: 0 });
    });
    for (let v = 1; v <= 3; v++) await driver.executeLambda((t) => t.execute(`UPDATE S SET v = ${v}`));
    driver.close();
    const end = new Date(Date.now() + 300);
    const arn = await kinesis.createStream('sharded', 4);
    const { StreamId } = await qldb.send(new StreamJournalToKinesisCommand(streamInput('sharded', arn, { InclusiveStartTime: new Date(0), ExclusiveEndTime: end })));
    await waitStatus(qldb, 'sharded', StreamId!, 'COMPLETED');
    const records = await kinesis.read('sharded');
    const blocks = await storedBlocks(server, 'sharded');

    assert.ok(records.every((r) => r.aggregated));
    for (const r of records) {
      const h = hashKeyOf(r.partitionKey);
      assert.ok(r.shardRange[0] <= h && h <= r.shardRange[1], `${r.recordType} under ${r.partitionKey} read from ${r.shardId}`);
    }
    assert.ok(new Set(records.map((r) => r.shardId)).size > 1, 'the records spread over the shards');
    // each key's records, read shard by shard, in journal order and complete
    const byKey = new Map<string, ConsumedRecord[]>();
    for (const r of records) byKey.set(r.partitionKey, [...(byKey.get(r.partitionKey) ?? []), r]);
    const strandId = parseBlock(blocks[0]).strandId;
    assert.deepEqual(byKey.get(strandId)!.map(seqOf), blocks.map((_, i) => i));
    assert.deepEqual(byKey.get(StreamId!)!.map((r) => String(payload(r).get('controlRecordType'))), ['CREATED', 'COMPLETED']);
    const expected = new Map<string, string[]>();
    for (const b of blocks) {
      const block = parseBlock(b);
      for (const rev of block.revisions) if (rev.documentId) expected.set(rev.documentId, [...(expected.get(rev.documentId) ?? []), `${block.sequenceNo}`]);
    }
    assert.equal(expected.size, 24);
    for (const [docId, seqs] of expected) {
      const got = byKey.get(docId)!.map((r) => String(payload(r).get('revision', 'blockAddress', 'sequenceNo')));
      assert.deepEqual(got, seqs, `document ${docId}`);
      assert.deepEqual(byKey.get(docId)!.map((r) => Number(payload(r).get('revision', 'metadata', 'version'))), [0, 1, 2, 3]);
    }
    assert.equal(byKey.size, 24 + 2);
  });

  it('a stream over a window of the past delivers exactly the blocks stamped from InclusiveStartTime up to, not including, ExclusiveEndTime', async () => {
    await createLedger(server.endpoint, 'window');
    const driver = newDriver(server.endpoint, 'window');
    await driver.executeLambda((t) => t.execute('CREATE TABLE W'));
    for (let n = 0; n < 5; n++) {
      await sleep(20); // distinct block timestamps (milliseconds)
      await driver.executeLambda((t) => t.execute('INSERT INTO W ?', { n }));
    }
    driver.close();
    const blocks = await storedBlocks(server, 'window');
    const stamp = (i: number) => parseBlock(blocks[i]).blockTimestamp!;
    assert.ok(blocks.length >= 6 && stamp(3) < stamp(4) && stamp(4) < stamp(5), `${blocks.length} blocks`);

    const arn = await kinesis.createStream('window');
    const { StreamId } = await qldb.send(
      new StreamJournalToKinesisCommand(streamInput('window', arn, { InclusiveStartTime: stamp(3), ExclusiveEndTime: stamp(5), KinesisConfiguration: { StreamArn: arn, AggregationEnabled: false } })),
    );
    const done = await waitStatus(qldb, 'window', StreamId!, 'COMPLETED');
    assert.deepEqual(done.InclusiveStartTime, stamp(3));
    assertStreamRecords(await kinesis.read('window'), blocks.slice(3, 5), done.Arn!, StreamId!, true);
  });

  it('a stream started in the past replays history up to now, then delivers each new commit within a second; canceled, it is CANCELED and writes no COMPLETED', async () => {
    await createLedger(server.endpoint, 'live');
    const driver = newDriver(server.endpoint, 'live');
    await driver.executeLambda((t) => t.execute('CREATE TABLE Ticket'));
    await driver.executeLambda((t) => t.execute('INSERT INTO Ticket ?', { n: 0 }));
    const arn = await kinesis.createStream('live');
    const { StreamId } = await qldb.send(new StreamJournalToKinesisCommand(streamInput('live', arn)));
    const history = await waitRecord(kinesis, 'live', (r) => r.recordType === 'REVISION_DETAILS');
    assert.equal(history[0].recordType, 'CONTROL');
    assert.ok(history.some((r) => r.recordType === 'BLOCK_SUMMARY' && seqOf(r) === 0), 'replay starts at the ledger creation');

    const latencies: number[] = [];
    for (let n = 1; n <= 3; n++) {
      // idle first: the stream has long caught up and waits for the next commit
      await sleep(300);
      const committed = await driver.executeLambda(async (t) => {
        await t.execute('INSERT INTO Ticket ?', { n });
        return Date.now();
      });
      const records = await waitRecord(kinesis, 'live', (r) => r.recordType === 'REVISION_DETAILS' && Number(payload(r).get('revision', 'data', 'n')) === n, 2_000);
      latencies.push(Date.now() - committed);
      assert.ok(records.every((r) => r.recordType !== 'CONTROL' || String(payload(r).get('controlRecordType')) === 'CREATED'));
    }
    assert.ok(Math.max(...latencies) < 1000, `latencies ${latencies.join(', ')} ms`);

    assert.deepEqual((await qldb.send(new CancelJournalKinesisStreamCommand({ LedgerName: 'live', StreamId }))).StreamId, StreamId);
    const canceled = await describeStream(qldb, 'live', StreamId!);
    assert.equal(canceled.Status, 'CANCELED');
    await rejectsWith(
      qldb.send(new CancelJournalKinesisStreamCommand({ LedgerName: 'live', StreamId })),
      'ResourcePreconditionNotMetException',
      412,
      { ResourceType: 'JOURNAL_KINESIS_STREAM', ResourceName: StreamId! },
    );
    await driver.executeLambda((t) => t.execute('INSERT INTO Ticket ?', { n: 99 }));
    await sleep(800);
    const records = await kinesis.read('live');
    assert.equal(records.filter((r) => r.recordType === 'CONTROL').length, 1, 'no COMPLETED after a cancel');
    assert.ok(!records.some((r) => r.recordType === 'REVISION_DETAILS' && Number(payload(r).get('revision', 'data', 'n')) === 99));
    const blocks = await storedBlocks(server, 'live');
    assertStreamRecords(records, blocks.slice(0, blocks.length - 1), canceled.Arn!, StreamId!, false);
    driver.close();
  });

  it('Kinesis down: the stream turns IMPAIRED (KINESIS_STREAM_NOT_FOUND) while it retries, ACTIVE again when Kinesis is back, with nothing missing', async () => {
    await createLedger(server.endpoint, 'outage');
    const driver = newDriver(server.endpoint, 'outage');
    await driver.executeLambda((t) => t.execute('CREATE TABLE T'));
    const arn = await kinesis.createStream('outage');
    const { StreamId } = await qldb.send(new StreamJournalToKinesisCommand(streamInput('outage', arn)));
    await waitRecord(kinesis, 'outage', (r) => r.recordType === 'BLOCK_SUMMARY' && seqOf(r) === 1);
    try {
      await kinesis.down();
      await driver.executeLambda((t) => t.execute('INSERT INTO T ?', { during: 'outage' }));
      const impaired = await waitStatus(qldb, 'outage', StreamId!, 'IMPAIRED', 3_000);
      assert.equal(impaired.ErrorCause, 'KINESIS_STREAM_NOT_FOUND');
      await driver.executeLambda((t) => t.execute('INSERT INTO T ?', { during: 'outage, again' }));
    } finally {
      await kinesis.up();
    }
    const back = await waitStatus(qldb, 'outage', StreamId!, 'ACTIVE', 5_000);
    assert.equal(back.ErrorCause, undefined);
    const records = await waitRecord(kinesis, 'outage', (r) => r.recordType === 'REVISION_DETAILS' && String(payload(r).get('revision', 'data', 'during')) === 'outage, again');
    assertStreamRecords(records, await storedBlocks(server, 'outage'), back.Arn!, StreamId!, false);
    await qldb.send(new CancelJournalKinesisStreamCommand({ LedgerName: 'outage', StreamId }));
    driver.close();
  });

  it('a Kinesis stream that does not exist is refused, as QLDB refused it; one deleted under a running stream: IMPAIRED, then FAILED after --stream-impaired-limit, keeping its ErrorCause', async () => {
    await createLedger(server.endpoint, 'nowhere');
    const missing = 'arn:aws:kinesis:us-east-1:123456789012:stream/no-such-stream';
    await rejectsWith(
      qldb.send(new StreamJournalToKinesisCommand(streamInput('nowhere', missing))),
      'InvalidParameterException',
      400,
      { ParameterName: 'KinesisConfiguration' },
      /^QLDB encountered an error validating Kinesis Data Streams: Response from Kinesis: ResourceNotFoundException/,
    );
    assert.deepEqual((await qldb.send(new ListJournalKinesisStreamsForLedgerCommand({ LedgerName: 'nowhere' }))).Streams, [], 'nothing was created');

    const arn = await kinesis.createStream('vanishing');
    const { StreamId } = await qldb.send(new StreamJournalToKinesisCommand(streamInput('nowhere', arn)));
    await waitRecord(kinesis, 'vanishing', (r) => r.recordType === 'BLOCK_SUMMARY');
    await kinesis.client.send(new DeleteStreamCommand({ StreamName: 'vanishing' }));
    // an idle stream puts nothing: a commit makes it try
    const driver = newDriver(server.endpoint, 'nowhere');
    await driver.executeLambda((t) => t.execute('CREATE TABLE T'));
    driver.close();
    const impaired = await waitStatus(qldb, 'nowhere', StreamId!, 'IMPAIRED', 3_000);
    assert.equal(impaired.ErrorCause, 'KINESIS_STREAM_NOT_FOUND');
    const started = Date.now();
    const failed = await waitStatus(qldb, 'nowhere', StreamId!, 'FAILED', 8_000);
    assert.equal(failed.ErrorCause, 'KINESIS_STREAM_NOT_FOUND');
    assert.ok(Date.now() - started < 6_500, 'FAILED about 4 s after it was IMPAIRED');
    await rejectsWith(qldb.send(new CancelJournalKinesisStreamCommand({ LedgerName: 'nowhere', StreamId })), 'ResourcePreconditionNotMetException', 412);
    const metrics = await (await fetch(`${server.endpoint}/metrics`)).text();
    assert.match(metrics, /^openqldb_stream_jobs\{state="FAILED"\} [1-9]/m);
    assert.match(metrics, /^openqldb_stream_jobs\{state="IMPAIRED"\} \d+$/m);
    // a FAILED stream no longer holds the ledger
    await qldb.send(new DeleteLedgerCommand({ Name: 'nowhere' }));
  });

  it('killed (kill -9) mid-stream and restarted, a stream resumes from its saved position: every block arrives, in order', async () => {
    await createLedger(server.endpoint, 'crash');
    const driver = newDriver(server.endpoint, 'crash');
    await driver.executeLambda((t) => t.execute('CREATE TABLE T'));
    const arn = await kinesis.createStream('crash');
    // no end time: a busy machine's slow restart must not push the later commits past it
    const { StreamId } = await qldb.send(new StreamJournalToKinesisCommand(streamInput('crash', arn)));
    for (let n = 0; n < 5; n++) await driver.executeLambda((t) => t.execute('INSERT INTO T ?', { n }));
    await waitRecord(kinesis, 'crash', (r) => r.recordType === 'REVISION_DETAILS' && Number(payload(r).get('revision', 'data', 'n')) === 4);
    driver.close();
    await server.kill9();
    await server.restart();
    qldb.destroy();
    qldb = qldbClient(server);
    const driver2 = newDriver(server.endpoint, 'crash');
    for (let n = 5; n < 10; n++) await driver2.executeLambda((t) => t.execute('INSERT INTO T ?', { n }));
    driver2.close();
    await waitRecord(kinesis, 'crash', (r) => r.recordType === 'REVISION_DETAILS' && Number(payload(r).get('revision', 'data', 'n')) === 9, 20_000);
    await qldb.send(new CancelJournalKinesisStreamCommand({ LedgerName: 'crash', StreamId }));
    const done = await describeStream(qldb, 'crash', StreamId!);
    const records = await kinesis.read('crash');
    const blocks = await storedBlocks(server, 'crash');
    // at least once: a restart may send the last batch again, but never leaves a block out
    const summaries = records.filter((r) => r.recordType === 'BLOCK_SUMMARY').map(seqOf);
    assert.deepEqual([...new Set(summaries)].sort((a, b) => a - b), blocks.map((_, i) => i));
    const deduped = records.filter((r, i) => records.findIndex((x) => x.bytes.equals(r.bytes)) === i);
    assertStreamRecords(deduped, blocks, done.Arn!, StreamId!, false);
    // in journal order per partition key, duplicates included
    const byKey = new Map<string, number[]>();
    for (const r of records) if (r.recordType !== 'CONTROL') byKey.set(r.partitionKey, [...(byKey.get(r.partitionKey) ?? []), r.recordType === 'BLOCK_SUMMARY' ? seqOf(r) : Number(payload(r).get('revision', 'blockAddress', 'sequenceNo'))]);
    for (const seqs of byKey.values()) {
      const firstSeen = seqs.filter((s, i) => seqs.indexOf(s) === i);
      assert.deepEqual(firstSeen, [...firstSeen].sort((a, b) => a - b));
    }
  });

  it('killed (kill -9) in the middle of replaying a 10,000-block history, it resumes from the last batch it saved: no block missing', async () => {
    // long enough that the stream is still replaying when the test has seen its first batch and
    // killed the server, even on an idle machine (2,000 blocks were all in Kinesis by then)
    const BLOCKS = 10_000;
    await createLedger(server.endpoint, 'replay');
    await server.stop();
    const t0 = Date.now() - 60_000;
    await appendBlocks(server, 'replay', BLOCKS, vehicleBlock('{VIN:"1N4AL11D75C109151", Make:"Nissan", Price:12.50}', (seq) => new Date(t0 + seq)));
    await server.restart();
    qldb.destroy();
    qldb = qldbClient(server);
    const arn = await kinesis.createStream('replay');
    const { StreamId } = await qldb.send(new StreamJournalToKinesisCommand(streamInput('replay', arn, { InclusiveStartTime: new Date(0) })));
    // the first batch is in Kinesis: the stream is on its way through the others
    await waitRecord(kinesis, 'replay', (r) => r.recordType === 'BLOCK_SUMMARY', 10_000);
    await server.kill9();
    const before = new Set((await kinesis.read('replay')).filter((r) => r.recordType === 'BLOCK_SUMMARY').map(seqOf));
    assert.ok(before.size > 0 && before.size < BLOCKS + 1, `killed mid-stream (${before.size} of ${BLOCKS + 1} blocks delivered)`);

    await server.restart();
    qldb.destroy();
    qldb = qldbClient(server);
    // kinesalite takes 20,000+ records at a few thousand a second, slower on a busy machine, and
    // reading them all back is work for it too: a generous deadline, polled every 2 s
    const records = await waitRecord(kinesis, 'replay', (r) => r.recordType === 'BLOCK_SUMMARY' && seqOf(r) === BLOCKS, 180_000, 2_000);
    const summaries = records.filter((r) => r.recordType === 'BLOCK_SUMMARY').map(seqOf);
    assert.deepEqual([...new Set(summaries)].sort((a, b) => a - b), Array.from({ length: BLOCKS + 1 }, (_, i) => i));
    // each block's first summary comes in journal order, whatever was sent again
    const first = summaries.filter((q, i) => summaries.indexOf(q) === i);
    assert.deepEqual(first, [...first].sort((a, b) => a - b));
    assert.equal(records.filter((r) => r.recordType === 'REVISION_DETAILS').length >= BLOCKS, true);
    await qldb.send(new CancelJournalKinesisStreamCommand({ LedgerName: 'replay', StreamId }));
  });

  it('signs its Kinesis requests with --kinesis-access-key-id, or else with the key of the usual AWS_* variables', async () => {
    const keyed = [
      { flags: ['--kinesis-access-key-id', 'AKIDSTREAMFLAG', '--kinesis-secret-access-key', 'flag-secret'], env: {}, key: 'AKIDSTREAMFLAG' },
      { flags: [], env: { AWS_ACCESS_KEY_ID: 'AKIDSTREAMENV', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: '', AWS_PROFILE: '' }, key: 'AKIDSTREAMENV' },
    ];
    for (const [i, { flags, env, key }] of keyed.entries()) {
      const other = await startServer(['--kinesis-endpoint', kinesis.endpoint, ...flags], { env });
      const client = qldbClient(other);
      try {
        const ledger = `signed-${i}`;
        await createLedger(other.endpoint, ledger);
        const arn = await kinesis.createStream(`signed-${i}`);
        kinesis.signers().clear();
        const { StreamId } = await client.send(new StreamJournalToKinesisCommand(streamInput(ledger, arn, { InclusiveStartTime: new Date(0) })));
        // the destination was described before the stream was accepted, and its records put
        await waitRecord(kinesis, `signed-${i}`, (r) => r.recordType === 'BLOCK_SUMMARY');
        await client.send(new CancelJournalKinesisStreamCommand({ LedgerName: ledger, StreamId }));
        assert.deepEqual([...kinesis.signers()], [key]);
      } finally {
        client.destroy();
        await other.dispose();
      }
    }
  });

  it('at most five ACTIVE streams per ledger; DeleteLedger is refused while one runs; ListJournalKinesisStreamsForLedger pages; tags on a stream ARN', async () => {
    await createLedger(server.endpoint, 'quota');
    const arn = await kinesis.createStream('quota');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { StreamId } = await qldb.send(new StreamJournalToKinesisCommand(streamInput('quota', arn, { StreamName: `s${i}`, Tags: i === 0 ? { team: 'audit' } : undefined })));
      ids.push(StreamId!);
    }
    await rejectsWith(
      qldb.send(new StreamJournalToKinesisCommand(streamInput('quota', arn))),
      'LimitExceededException',
      400,
      { ResourceType: 'JOURNAL_KINESIS_STREAM' },
    );
    await rejectsWith(qldb.send(new DeleteLedgerCommand({ Name: 'quota' })), 'ResourceInUseException', 409, { ResourceType: 'JOURNAL_KINESIS_STREAM' });

    const page1 = await qldb.send(new ListJournalKinesisStreamsForLedgerCommand({ LedgerName: 'quota', MaxResults: 3 }));
    assert.equal(page1.Streams!.length, 3);
    assert.ok(page1.NextToken);
    const page2 = await qldb.send(new ListJournalKinesisStreamsForLedgerCommand({ LedgerName: 'quota', NextToken: page1.NextToken }));
    assert.equal(page2.NextToken, undefined);
    assert.deepEqual([...page1.Streams!, ...page2.Streams!].map((s) => s.StreamId), ids);
    assert.deepEqual([...page1.Streams!, ...page2.Streams!].map((s) => s.StreamName), ['s0', 's1', 's2', 's3', 's4']);

    const streamArn = page1.Streams![0].Arn!;
    assert.deepEqual((await qldb.send(new ListTagsForResourceCommand({ ResourceArn: streamArn }))).Tags, { team: 'audit' });
    await qldb.send(new TagResourceCommand({ ResourceArn: streamArn, Tags: { env: 'prod' } }));
    await qldb.send(new UntagResourceCommand({ ResourceArn: streamArn, TagKeys: ['team'] }));
    assert.deepEqual((await qldb.send(new ListTagsForResourceCommand({ ResourceArn: streamArn }))).Tags, { env: 'prod' });
    await rejectsWith(
      qldb.send(new ListTagsForResourceCommand({ ResourceArn: streamArn.replace(ids[0], '0'.repeat(22)) })),
      'ResourceNotFoundException',
      404,
    );

    // a canceled stream frees its place
    await qldb.send(new CancelJournalKinesisStreamCommand({ LedgerName: 'quota', StreamId: ids[0] }));
    const sixth = await qldb.send(new StreamJournalToKinesisCommand(streamInput('quota', arn)));
    for (const id of [...ids.slice(1), sixth.StreamId!]) await qldb.send(new CancelJournalKinesisStreamCommand({ LedgerName: 'quota', StreamId: id }));
    await qldb.send(new DeleteLedgerCommand({ Name: 'quota' }));
  });
});
