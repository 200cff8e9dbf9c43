import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ion from 'ion-js';
import { IonTranscoder } from '../../src/exports/ionTranscode';
import { OutBuf } from '../../src/exports/outBuf';
import { buildBlock, genesisBlock } from '../../src/journal/block';

function text(bin: Uint8Array): string {
  const out = new OutBuf(16);
  new IonTranscoder().toText(Buffer.from(bin), out);
  return out.view().toString('utf8');
}
function json(bin: Uint8Array): string {
  const out = new OutBuf(16);
  new IonTranscoder().toJson(Buffer.from(bin), out);
  return out.view().toString('utf8');
}
function binaryOf(ionText: string): Uint8Array {
  const r = ion.makeReader(ionText);
  const w = ion.makeBinaryWriter();
  w.writeValues(r);
  w.close();
  return w.getBytes();
}

/** Text round trip: what we print reads back as exactly the same Ion values (types, precision, annotations). */
function assertTextRoundTrip(source: string): void {
  const bin = binaryOf(source);
  const printed = text(bin);
  const expected = ion.loadAll(bin);
  const actual = ion.loadAll(printed);
  assert.equal(actual.length, expected.length, printed);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(actual[i].ionEquals(expected[i]), `value ${i} differs:\n source  ${source}\n printed ${printed}`);
    // annotations are part of Ion equality only at the top in ion-js; compare the whole text form too
    assert.equal(ion.dumpText(actual[i]), ion.dumpText(expected[i]));
  }
  assert.equal(printed.split('\n').length, expected.length + 1, 'one value per line');
}

const CASES = [
  'null',
  'null.null null.bool null.int null.float null.decimal null.timestamp null.symbol null.string null.clob null.blob null.list null.sexp null.struct',
  'true false',
  '0 1 -1 127 128 255 256 -256 65535 281474976710655 281474976710656 -9007199254740993 123456789012345678901234567890 -123456789012345678901234567890',
  '0e0 -0e0 1.5e0 -2.25e-10 1e300 nan +inf -inf 0.1e0 123456789.125e0',
  '0. 0.0 -0. -0.00 1.50 -1.50 150d2 1d-20 0.001 123456789012345678901234567890.123456789 -7d-3 1d0',
  '2019T 2019-04T 2019-04-15 2019-04-15T10:30Z 2019-04-15T10:30:05Z 2019-04-15T10:30:05.123Z 2019-04-15T10:30:05.000Z',
  '2019-04-15T10:30:05.123456+05:30 2019-12-31T23:59:59.9-08:00 2019-01-01T00:00:00.000-00:00 2020-02-29T23:30+01:00 2000-01-01T00:00:00.1230Z 0001-01-01T00:00Z',
  "abc 'with space' 'null' 'true' 'nan' '$12' '' 'it''s' 'a\\\\b' $ion_1_0x 'é'",
  '"" "plain" "quote\\" backslash\\\\ nl\\n tab\\t cr\\r nul\\0 bell\\a del\\x7f" "unicode é 日本 😀"',
  '{{"clob \\" \\\\ \\x00 \\x7f \\xff text"}} {{}} {{aGVsbG8=}} {{AAECAwQFBgcICQ==}}',
  '[] [1, [2, [3]], "x"] () (a b + c (1 2)) (\'=\' 1)',
  '{} {a:1} {a:1, b:{c:[1,2,{d:null}]}, \'e f\':"g"} {a:1, a:2}',
  'ann::1 a::b::"x" \'weird ann\'::{x:y::2} ann::[1, k::2] ann::null.int',
  '{ledger:{strandId:"KmA3ZZca7vAIiJAK9S5Iwl", sequenceNo:100}, blockHash:{{3RFtPWVZLaU0Ddv1j8fu+8YR9rDs3ATEdUNasbafvLY=}}}',
];

for (const c of CASES) {
  test(`ION_TEXT round trip: ${c.slice(0, 60)}`, () => assertTextRoundTrip(c));
}

test('a long string and a large struct use the long length forms', () => {
  assertTextRoundTrip(`"${'x'.repeat(5000)}" {${Array.from({ length: 300 }, (_, i) => `f${i}:${i}`).join(',')}}`);
});

test('several symbol tables in one stream, appended and replaced', () => {
  const a = binaryOf('{first:one}');
  const b = binaryOf('{second:two}');
  const both = Buffer.concat([a, b]);
  assert.equal(text(both), '{first:one}\n{second:two}\n');
  // an appended table: $ion_symbol_table::{imports:$ion_symbol_table, symbols:[...]}
  const appended = binaryOf('$ion_symbol_table::{symbols:["p"]} p $ion_symbol_table::{imports:$ion_symbol_table, symbols:["q"]} {p:q}');
  assert.equal(text(appended), 'p\n{p:q}\n');
});

test('JSON down-conversion follows §4.4', () => {
  const j = (s: string) => json(binaryOf(s)).trimEnd();
  assert.equal(j('null.int'), 'null');
  assert.equal(j('null.struct'), 'null');
  assert.equal(j('true'), 'true');
  assert.equal(j('-42'), '-42');
  assert.equal(j('123456789012345678901234567890'), '123456789012345678901234567890');
  assert.equal(j('1.50'), '1.50');
  assert.equal(j('-0.00'), '-0.00');
  assert.equal(j('150d2'), '150e2');
  assert.equal(j('7.'), '7');
  assert.equal(j('1.5e0'), '1.5');
  assert.equal(j('nan'), 'null');
  assert.equal(j('+inf'), 'null');
  assert.equal(j('-inf'), 'null');
  assert.equal(j('2019-04-15T22:10:00.123Z'), '"2019-04-15T22:10:00.123Z"');
  assert.equal(j('2019-04-15T22:10:00.123+01:00'), '"2019-04-15T22:10:00.123+01:00"');
  assert.equal(j('sym'), '"sym"');
  assert.equal(j('"str\\n\\u0001\\"é"'), '"str\\n\\u0001\\"é"');
  assert.equal(j('{{3q2+7w==}}'), '"3q2+7w=="');
  assert.equal(j('{{"a\\xff\\x00"}}'), '"a\u00ff\\u0000"');
  assert.equal(j('[1, (a b)]'), '[1,["a","b"]]');
  assert.equal(j('ann::{a:b::1, c:[d::2]}'), '{"a":1,"c":[2]}');
  assert.equal(j('{a:1, b:2, a:3}'), '{"b":2,"a":3}');
  assert.equal(j('{\'x y\':1, "q\\"":2}'), '{"x y":1,"q\\"":2}');
  for (const line of json(binaryOf(CASES.join(' '))).trimEnd().split('\n')) JSON.parse(line);
});

test('real blocks: the genesis block and a block with revisions transcode to equal values', () => {
  const strandId = 'KmA3ZZca7vAIiJAK9S5Iwl';
  const g = genesisBlock(strandId, new Date('2024-01-01T00:00:00.000Z'));
  const doc = binaryOf('{name:"Alice", age:30, price:12.50, tags:["a", b], when:2024-01-01T10:00:00.5+02:00, raw:{{AQID}}}');
  const b = buildBlock({
    strandId,
    sequenceNo: 1,
    transactionId: 'Aaaaaaaaaaaaaaaaaaaaaa',
    blockTimestamp: new Date('2024-01-01T00:00:01.234Z'),
    previousBlockHash: g.blockHash,
    statements: [{ statement: 'INSERT INTO T ?', startTime: new Date('2024-01-01T00:00:01.000Z'), statementDigest: Buffer.alloc(32, 7) }],
    documents: { Dddddddddddddddddddddd: { tableName: 'T', tableId: 'Tttttttttttttttttttttt', statements: [0] } },
    revisions: [
      { data: doc, metadata: { id: 'Dddddddddddddddddddddd', version: 0, txTime: new Date('2024-01-01T00:00:01.100Z'), txId: 'Aaaaaaaaaaaaaaaaaaaaaa' } },
    ],
  });
  for (const blk of [g, b]) {
    const printed = text(blk.ion);
    assert.ok(ion.load(printed)!.ionEquals(ion.load(blk.ion)!));
    const parsed = JSON.parse(json(blk.ion));
    assert.equal(parsed.blockHash, blk.blockHash.toString('base64'));
    assert.equal(typeof parsed.blockTimestamp, 'string');
  }
  const parsed = JSON.parse(json(b.ion));
  assert.deepEqual(parsed.blockAddress, { strandId, sequenceNo: 1 });
  assert.equal(parsed.blockTimestamp, '2024-01-01T00:00:01.234Z');
  assert.deepEqual(parsed.revisions[0].data, { name: 'Alice', age: 30, price: 12.5, tags: ['a', 'b'], when: '2024-01-01T10:00:00.5+02:00', raw: 'AQID' });
  assert.match(json(b.ion), /"price":12\.50/);
});
