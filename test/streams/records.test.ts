/**
 * QLDB's stream records made from a block (src/streams/records.ts), read back with ion-js: the
 * fields of the developer guide, the block's values as stored, and the same records whichever
 * way the block's Ion binary lays out its symbol table.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as ion from 'ion-js';
import { buildBlock } from '../../src/journal/block';
import { blockRecords, controlRecord } from '../../src/streams/records';

const ARN = 'arn:aws:qldb:us-east-1:123456789012:stream/books/IiPT4brpZCqCq3f4MTHbYy';
const STRAND = 'JdxjkR9bSYB5jMHWcI464T';
const DOC_A = '3Qv67yjXEwB9SjmvkuG6Cp';
const DOC_B = '8uBw5xyXNnQ4fdp8kINNgJ';
const TX = 'HgXAkLjAtV0HQ4lNYdzX60';

function block() {
  const at = new Date('2026-03-01T12:00:00.123Z');
  return buildBlock({
    strandId: STRAND,
    sequenceNo: 14,
    transactionId: TX,
    blockTimestamp: at,
    previousBlockHash: Buffer.alloc(32, 7),
    statements: [{ statement: 'INSERT INTO Book ?', startTime: at, statementDigest: Buffer.alloc(32, 1) }],
    documents: {
      [DOC_A]: { tableName: 'Book', tableId: 'BsLmA8JNlVV4kGJeCn1KHK', statements: [0] },
      [DOC_B]: { tableName: 'Author', tableId: 'CsLmA8JNlVV4kGJeCn1KHK', statements: [0] },
    },
    revisions: [
      { data: ion.dumpBinary(ion.load(`{title: "Dune", 'année': 1965, tags: [sf, "é"]}`)!), metadata: { id: DOC_A, version: 0, txTime: at, txId: TX } },
      { metadata: { id: DOC_B, version: 3, txTime: at, txId: TX } },
    ],
  });
}

describe('stream records', () => {
  it('CONTROL records carry the stream ARN and the control record type, under the stream id', () => {
    const r = controlRecord(ARN, 'IiPT4brpZCqCq3f4MTHbYy', 'CREATED');
    assert.equal(r.partitionKey, 'IiPT4brpZCqCq3f4MTHbYy');
    assert.ok(ion.load(r.data)!.equals(ion.load(`{qldbStreamArn: "${ARN}", recordType: "CONTROL", payload: {controlRecordType: "CREATED"}}`)!));
  });

  it("a block's BLOCK_SUMMARY holds its fields as stored and its revision summaries; each revision a REVISION_DETAILS with its table", () => {
    const b = block();
    const stored = ion.load(b.ion)!;
    const { sequenceNo, blockTimestampMs, records } = blockRecords(ARN, b.ion);
    assert.equal(sequenceNo, 14);
    assert.equal(blockTimestampMs, Date.parse('2026-03-01T12:00:00.123Z'));
    assert.deepEqual(records.map((r) => r.partitionKey), [STRAND, DOC_A, DOC_B]);
    const [summary, a, deleted] = records.map((r) => ion.load(r.data)!);
    assert.equal(String(summary.get('qldbStreamArn')), ARN);
    assert.equal(String(summary.get('recordType')), 'BLOCK_SUMMARY');
    const p = summary.get('payload')!;
    assert.deepEqual(p.fieldNames(), [
      'blockAddress', 'transactionId', 'blockTimestamp', 'blockHash', 'entriesHash', 'previousBlockHash', 'entriesHashList', 'transactionInfo', 'revisionSummaries',
    ]);
    for (const name of p.fieldNames().slice(0, -1)) assert.ok(p.get(name)!.equals(stored.get(name)!), name);
    const summaries = p.get('revisionSummaries')!.elements();
    assert.deepEqual(summaries.map((s) => String(s.get('documentId'))), [DOC_A, DOC_B]);
    assert.deepEqual(summaries.map((s) => Buffer.from(s.get('hash')!.uInt8ArrayValue()!)), b.revisions.map((r) => r.hash));

    assert.equal(String(a.get('recordType')), 'REVISION_DETAILS');
    assert.ok(a.get('payload', 'tableInfo')!.equals(ion.load('{tableName: "Book", tableId: "BsLmA8JNlVV4kGJeCn1KHK"}')!));
    assert.ok(a.get('payload', 'revision')!.equals(stored.get('revisions')!.elements()[0]));
    assert.equal(String(a.get('payload', 'revision', 'data', 'année')), '1965');
    // a delete revision: metadata and hash, no data
    assert.equal(String(deleted.get('payload', 'tableInfo', 'tableName')), 'Author');
    assert.equal(deleted.get('payload', 'revision', 'data'), null);
    assert.ok(deleted.get('payload', 'revision')!.equals(stored.get('revisions')!.elements()[1]));
  });

  it('the same records from a block laid out by another writer (its symbol table not right after the version marker)', () => {
    const b = block();
    const padded = Buffer.concat([Buffer.from([0xe0, 0x01, 0x00, 0xea]), b.ion]);
    const ours = blockRecords(ARN, b.ion).records;
    const theirs = blockRecords(ARN, padded).records;
    assert.equal(theirs.length, ours.length);
    theirs.forEach((r, i) => {
      assert.equal(r.partitionKey, ours[i].partitionKey);
      assert.ok(ion.load(r.data)!.equals(ion.load(ours[i].data)!), `record ${i}`);
    });
  });
});
