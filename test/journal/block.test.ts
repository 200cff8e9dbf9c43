import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load, makeBinaryWriter, makeReader } from 'ion-js';
import {
  BlockInput,
  ZERO_HASH,
  blockToIonText,
  buildBlock,
  findRevision,
  genesisBlock,
  parseBlock,
  parseRevisionAt,
  readBlockAddress,
  revisionProofInBlock,
} from '../../src/journal/block';
import { firstValue } from '../../src/journal/ionBinary';
import { ionTextToBinary } from '../../src/journal/ionText';
import { foldProof } from '../../src/journal/hash';
import { ionHash } from '../../src/journal/ionHash';
import { verifyBlock } from '../../src/journal/verify';
import { TV1_BLOCK_TEXT, TV2_REVISION_PROOF } from './vectors';

function toBinary(text: string): Uint8Array {
  const w = makeBinaryWriter();
  w.writeValues(makeReader(text));
  w.close();
  return w.getBytes();
}

const strandId = 'KmA3ZZca7vAIiJAK9S5Iwl';

function sampleInput(seq: number, prev: Buffer): BlockInput {
  const txTime = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 0));
  return {
    strandId,
    sequenceNo: seq,
    transactionId: 'FnQeJBAicTX0Ah32ZnVtSX',
    blockTimestamp: new Date(txTime.getTime() + 7),
    previousBlockHash: prev,
    statements: [
      { statement: 'INSERT INTO Car ?', startTime: new Date(txTime.getTime() - 20), statementDigest: ionHash(Buffer.from('"INSERT INTO Car ?"')) },
      { statement: 'DELETE FROM Car AS c WHERE c.VIN = ?', startTime: new Date(txTime.getTime() - 10), statementDigest: ionHash(Buffer.from('"x"')) },
    ],
    documents: {
      AAAAAAAAAAAAAAAAAAAAAA: { tableName: 'Car', tableId: 'TTTTTTTTTTTTTTTTTTTTTT', statements: [0] },
      BBBBBBBBBBBBBBBBBBBBBB: { tableName: 'Car', tableId: 'TTTTTTTTTTTTTTTTTTTTTT', statements: [1] },
      CCCCCCCCCCCCCCCCCCCCCC: { tableName: 'Car', tableId: 'TTTTTTTTTTTTTTTTTTTTTT', statements: [0] },
    },
    revisions: [
      { data: toBinary('{VIN:"1N4AL11D75C109151", price: 12.50, tags: [a::b, "c"], at: 2020-01-01T00:00Z}'), metadata: { id: 'AAAAAAAAAAAAAAAAAAAAAA', version: 0, txTime, txId: 'FnQeJBAicTX0Ah32ZnVtSX' } },
      { metadata: { id: 'BBBBBBBBBBBBBBBBBBBBBB', version: 4, txTime, txId: 'FnQeJBAicTX0Ah32ZnVtSX' } },
      { data: toBinary('{n: 1}'), metadata: { id: 'CCCCCCCCCCCCCCCCCCCCCC', version: 1, txTime, txId: 'FnQeJBAicTX0Ah32ZnVtSX' } },
    ],
  };
}

test('TV-1: the real QLDB block verifies, and our in-block revision proof is the one AWS returned', () => {
  const ion = toBinary(TV1_BLOCK_TEXT);
  const v = verifyBlock(ion, Buffer.from('7kewBXhpdbClcZKxhVmpoMHpUGOJtWQD0iY2LPfZkYA=', 'base64'));
  assert.equal(v.ok, true, v.ok ? '' : v.message);
  const block = parseBlock(ion);
  assert.equal(block.sequenceNo, 100);
  assert.equal(block.blockTimestamp?.toISOString(), '2019-09-16T19:37:05.360Z');
  const rev = findRevision(block, 'JUJgkIcNbhS2goq8RqLuZ4')!;
  assert.deepEqual(revisionProofInBlock(block, rev).map((b) => b.toString('base64')), TV2_REVISION_PROOF.slice(0, 3));
});

test('buildBlock: layout, field order, hashes that verify, and text form', () => {
  const built = buildBlock(sampleInput(5, ZERO_HASH));
  const v = verifyBlock(built.ion, ZERO_HASH);
  assert.equal(v.ok, true, v.ok ? '' : v.message);
  const dom = load(built.ion)!;
  assert.deepEqual(dom.fieldNames(), [
    'blockAddress', 'transactionId', 'blockTimestamp', 'blockHash', 'entriesHash', 'previousBlockHash',
    'entriesHashList', 'transactionInfo', 'revisions',
  ]);
  assert.equal(dom.get('entriesHashList')!.elements().length, 2);
  assert.deepEqual(Buffer.from(dom.get('blockHash')!.uInt8ArrayValue()!), built.blockHash);
  const text = blockToIonText(built.ion);
  assert.match(text, /^\{blockAddress:\{strandId:"KmA3ZZca7vAIiJAK9S5Iwl",sequenceNo:5\},transactionId:"FnQeJBAicTX0Ah32ZnVtSX",blockTimestamp:2024-01-02T03:04:05\.007Z,/);
  assert.match(text, /txTime:2024-01-02T03:04:05\.000Z/);
  // the delete revision has no data; its hash is H(metadata)
  const del = dom.get('revisions', 1)!;
  assert.equal(del.get('data'), null);
  assert.deepEqual(Buffer.from(del.get('hash')!.uInt8ArrayValue()!), ionHash(del.get('metadata')!));
  // each revision's standalone Ion is the committed-view struct, and its hash is as in the block
  assert.equal(built.revisions.length, 3);
  for (const [i, r] of built.revisions.entries()) {
    const rv = load(r.ion)!;
    assert.deepEqual(rv.fieldNames(), i === 1 ? ['blockAddress', 'hash', 'metadata'] : ['blockAddress', 'hash', 'data', 'metadata']);
    assert.ok(rv.equals(dom.get('revisions', i)!));
    assert.deepEqual(Buffer.from(rv.get('hash')!.uInt8ArrayValue()!), r.hash);
  }
  // the embedded document is unchanged (types, precision and annotations)
  assert.ok(dom.get('revisions', 0, 'data')!.equals(load('{VIN:"1N4AL11D75C109151", price: 12.50, tags: [a::b, "c"], at: 2020-01-01T00:00Z}')!));
  // the block re-hashes identically when read back through ion-js (text round trip)
  assert.equal(verifyBlock(toBinary(text), ZERO_HASH).ok, true);
});

test('revision proofs inside a built block fold to its blockHash', () => {
  const built = buildBlock(sampleInput(9, ZERO_HASH));
  const block = parseBlock(built.ion);
  for (const r of built.revisions) {
    const proof = revisionProofInBlock(block, findRevision(block, r.documentId)!);
    assert.deepEqual(foldProof(r.hash, proof), built.blockHash);
  }
});

test('genesis block: sequence 0, zero previous hash, no revisions, verifies', () => {
  const g = genesisBlock(strandId, new Date(Date.UTC(2024, 4, 1)), 'GGGGGGGGGGGGGGGGGGGGGG');
  const dom = load(g.ion)!;
  assert.equal(dom.get('blockAddress', 'sequenceNo')!.numberValue(), 0);
  assert.deepEqual(Buffer.from(dom.get('previousBlockHash')!.uInt8ArrayValue()!), ZERO_HASH);
  assert.equal(dom.get('revisions'), null);
  assert.equal(blockToIonText(g.ion).includes('transactionInfo:{statements:[],documents:{}}'), true);
  assert.equal(verifyBlock(g.ion).ok, true);
});

test('redactionInfo is hashed into entriesHashList', () => {
  const input = sampleInput(11, ZERO_HASH);
  input.redactionInfo = { revisions: [{ blockAddress: { strandId, sequenceNo: 3 }, tableId: 'TTTTTTTTTTTTTTTTTTTTTT', documentId: 'AAAAAAAAAAAAAAAAAAAAAA', version: 0 }] };
  const built = buildBlock(input);
  const dom = load(built.ion)!;
  assert.equal(dom.get('entriesHashList')!.elements().length, 3);
  assert.ok(dom.get('entriesHashList')!.elements().some((e) => Buffer.from(e.uInt8ArrayValue()!).equals(ionHash(dom.get('redactionInfo')!))));
  assert.equal(verifyBlock(built.ion).ok, true);
});

test('verifyBlock detects a flipped bit anywhere in the hashed fields and names the check', () => {
  const built = buildBlock(sampleInput(5, ZERO_HASH));
  const original = built.ion;
  const parsed = parseBlock(original);
  // QLDB's hashes cover these fields; blockAddress, transactionId and blockTimestamp are not
  // hashed by design (an auditor checks them against the chain's position instead)
  const covered = ['blockHash', 'entriesHash', 'previousBlockHash', 'entriesHashList', 'transactionInfo', 'revisions'];
  let flips = 0;
  for (const name of covered) {
    const ref = parsed.fields.get(name)!;
    for (let i = ref.h.td; i < ref.h.end; i++) {
      for (let bit = 0; bit < 8; bit += 3) {
        const bad = Uint8Array.from(original);
        bad[i] ^= 1 << bit;
        let ok = false;
        try {
          ok = verifyBlock(bad, ZERO_HASH).ok;
        } catch {
          ok = false; // an encoding the parser rejects outright is detected too
        }
        assert.equal(ok, false, `flip of bit ${bit} at byte ${i} (${name}) went unnoticed`);
        flips++;
      }
    }
  }
  assert.ok(flips > 1000);
  const tampered = Uint8Array.from(original);
  const idx = Buffer.from(tampered).indexOf(Buffer.from('1N4AL11D75C109151'));
  tampered[idx] = 'X'.charCodeAt(0);
  const res = verifyBlock(tampered, ZERO_HASH);
  assert.equal(res.ok, false);
  assert.equal(!res.ok && res.check, 'revisionHash');
  assert.match(!res.ok ? res.message : '', /sequenceNo:5.*revision 0 \(document AAAAAAAAAAAAAAAAAAAAAA version 0\)/);
  const wrongPrev = verifyBlock(original, Buffer.alloc(32, 1));
  assert.equal(!wrongPrev.ok && wrongPrev.check, 'chain');
});

test("a revision's metadata and a block address are read by their first field of each name, and a missing or mistyped address field refused", () => {
  const at = (text: string) => {
    const bytes = toBinary(text);
    const v = firstValue(bytes);
    return { bytes, v };
  };
  const r = at('{metadata: {txId: "T", id: "first", version: 4, id: "second", version: 5}, hash: {{AAAA}}}');
  const parsed = parseRevisionAt(r.bytes, { pos: r.v.pos, h: r.v.h }, r.v.symbols);
  assert.deepEqual([parsed.documentId, parsed.version], ['first', 4]);
  const odd = at('{metadata: {id: 7, version: "x"}}');
  const oddParsed = parseRevisionAt(odd.bytes, { pos: odd.v.pos, h: odd.v.h }, odd.v.symbols);
  assert.deepEqual([oddParsed.documentId, oddParsed.version], [undefined, undefined], 'mistyped metadata is not taken');

  const address = (text: string) => {
    const a = at(text);
    return readBlockAddress(a.bytes, a.v.h, a.v.symbols);
  };
  assert.deepEqual(address('{sequenceNo: 12, other: 1, strandId: "S", strandId: "T"}'), { strandId: 'S', sequenceNo: 12 });
  assert.throws(() => address('{strandId: "S"}'), /missing sequenceNo/);
  assert.throws(() => address('{strandId: 3, sequenceNo: 1}'), /mistyped field 'strandId'/);
  assert.throws(() => address('{strandId: "S", sequenceNo: "1"}'), /missing sequenceNo/);
});

test('a blockTimestamp whose VarInts run past its value is a format failure, not read on into the next field', () => {
  const g = genesisBlock(strandId, new Date(Date.UTC(2024, 4, 1)), 'GGGGGGGGGGGGGGGGGGGGGG');
  const b = Buffer.from(g.ion);
  // offset 0 (UTC), then 2024 (0f e8), May (85), the 1st (81): the timestamp's body
  const at = b.indexOf(Buffer.from([0x80, 0x0f, 0xe8, 0x85, 0x81]));
  assert.ok(at > 0 && b[at - 1] >> 4 === 6 && (b[at - 1] & 0x0f) < 14, 'the timestamp, with its length in its type byte');
  const end = at + (b[at - 1] & 0x0f);
  for (let i = at; i < end; i++) b[i] &= 0x7f; // no byte of it ends a VarInt any more
  const r = verifyBlock(b);
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.check === 'format' && /blockTimestamp: truncated VarU?Int/.test(r.message), JSON.stringify(r));
});

test('a blockTimestamp whose fractional seconds have more than 306 digits is a format failure (ion-js, which GetBlock reads it with, works at it for long)', () => {
  const g = genesisBlock(strandId, new Date(Date.UTC(2024, 4, 1)), 'GGGGGGGGGGGGGGGGGGGGGG');
  const text = blockToIonText(g.ion);
  const withFraction = (zeros: number) =>
    ionTextToBinary(Buffer.from(text.replace('blockTimestamp:2024-05-01T00:00:00.000Z', `blockTimestamp:2024-05-01T00:00:00.000${'0'.repeat(zeros)}Z`)));
  assert.ok(text.includes('blockTimestamp:2024-05-01T00:00:00.000Z'));
  assert.equal(verifyBlock(withFraction(303)).ok, true, '306 digits');
  const r = verifyBlock(withFraction(304));
  assert.ok(!r.ok && r.check === 'format' && /fractional seconds of 307 digits/.test(r.message), JSON.stringify(r));
});

test('a blockTimestamp outside what Ion allows is a format failure: GetBlock would read 30 February as 1 March', () => {
  const g = genesisBlock(strandId, new Date(Date.UTC(2024, 1, 1)), 'GGGGGGGGGGGGGGGGGGGGGG');
  const b = Buffer.from(g.ion);
  // offset 0 (UTC), then 2024 (0f e8), February (82), the 1st (81)
  const at = b.indexOf(Buffer.from([0x80, 0x0f, 0xe8, 0x82, 0x81]));
  assert.ok(at > 0 && b[at - 1] >> 4 === 6);
  b[at + 4] = 0x80 | 30;
  const r = verifyBlock(b);
  assert.ok(!r.ok && r.check === 'format', JSON.stringify(r));
  // the block cannot be read whole, but its address can: the failure names it
  assert.equal(r.message, `block {strandId:"${strandId}",sequenceNo:0}: not a readable block: blockTimestamp: a timestamp's day 30 is out of range`);
  assert.deepEqual([r.strandId, r.sequenceNo], [strandId, 0]);
  b[at + 4] = 0x80 | 29; // 2024 is a leap year
  assert.ok(verifyBlock(b).ok);
});
