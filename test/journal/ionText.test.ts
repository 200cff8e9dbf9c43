import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dumpText, load, makeBinaryWriter, makeReader } from 'ion-js';
import { ionHash } from '../../src/journal/ionHash';
import { MalformedIonError, forEachTopLevel } from '../../src/journal/ionBinary';
import { ionHashAt } from '../../src/journal/ionHash';
import { ionTextToBinary } from '../../src/journal/ionText';
import { randomValue, seeded } from './randomIon';

/** Hashes of every top-level value: the Ion data model, whatever the encoding. */
function hashes(binary: Uint8Array): string[] {
  const out: string[] = [];
  forEachTopLevel(binary, (_pos, h, syms) => out.push(ionHashAt(binary, h, syms).toString('hex')));
  return out;
}

function viaIonJs(text: string): Uint8Array {
  const w = makeBinaryWriter();
  w.writeValues(makeReader(text));
  w.close();
  return w.getBytes();
}

function same(text: string) {
  assert.deepEqual(hashes(ionTextToBinary(Buffer.from(text))), hashes(viaIonJs(text)), text);
}

test('the text grammar journal blocks and documents use, value for value as ion-js reads it', () => {
  const corpus = [
    '0', '-0', '123', '-123', '0x1F', '-0xff', '18446744073709551616',
    '1.5e0', '-0e0', '0e0', '1e300', '2.5E-3', 'nan', '+inf', '-inf',
    '0.', '0.0', '-0.0', '1.50', '90.25', '1d3', '1.23d-5', '-0d0', '0d-2', '12345678901234567890.123',
    '2019T', '2019-09T', '2019-09-16', '2019-09-16T', '2019-09-16T19:37Z', '2019-09-16T19:37:05Z',
    '2019-09-16T19:37:05.360Z', '2019-09-16T19:37:05.000Z', '2019-09-16T19:37:05.3600Z',
    '2019-12-31T23:30:00-01:00', '2020-01-01T00:15:00+05:30', '2019-09-16T19:37:05.123-00:00', '0001-01-01T00:00Z',
    '"plain"', '"esc \\" \\\\ \\/ \\n \\t \\r \\0 \\a \\b \\f \\v \\? \\\' \\x41 \\u00e9 \\U0001F600 \\ud83d\\ude00"', '"ünïcødé 😀"', '""',
    "'''long'''", "'''a''' '''b'''", "'''multi\nline'''",
    'sym', "'quoted sym'", "''", '$ion', '$foo_1', 'a::b', 'a::b::7', "'x y'::{a:1}", "a :: 1",
    '{{}}', '{{ aGVsbG8= }}', '{{aGVs\n bG8=}}', '{{"clob \\x00 text"}}', "{{'''long clob'''}}",
    'null', 'null.null', 'null.bool', 'null.int', 'null.float', 'null.decimal', 'null.timestamp', 'null.symbol',
    'null.string', 'null.clob', 'null.blob', 'null.list', 'null.sexp', 'null.struct', 'true', 'false',
    '[]', '[1,2,]', '[ 1 , [2, [3]], {a: [b::c]} ]', '()', '(+ 1 2)', '(a.b c::d - -- "s" [x])',
    '{}', '{a:1,}', '{"quoted field": 1, \'sym field\': 2, \'\'\'long field\'\'\': 3}', '{a:1, a:2}', '{a:{b:{c:[{}]}}}',
    '/* lead */ 1 // trail\n 2 /* a */ 3',
    '{blockAddress:{strandId:"KmA3ZZca7vAIiJAK9S5Iwl",sequenceNo:100},blockHash:{{NoChM92yKRuJAb/jeLd1VnYn4DHiWIf071ACfic9uHc=}},n:-5}',
  ];
  for (const text of corpus) same(text);
  same(corpus.join('\n'));
  // forms ion-js 5.2 cannot read, checked against their plain equivalents
  const eq = (a: string, b: string) => assert.deepEqual(hashes(ionTextToBinary(Buffer.from(a))), hashes(viaIonJs(b)), a);
  eq('1_000_000', '1000000');
  eq('0b1010', '10');
  eq('-0b1_1', '-3');
  eq('0xF_F', '255');
  eq('{{//8=}}', '{{//8=}}');
  eq('{b: {{ //8= }} }', '{b: {{//8=}}}');
  // the Ion spec lets comments separate long-string segments; ion-js 5.2 drops the second one
  eq("'''a''' /* c */ '''b''' // x\n", '"ab"');
});

test('2,000 random values, as generated and as ion-js writes them back', () => {
  const rnd = seeded(99);
  for (let i = 0; i < 2000; i++) {
    const text = randomValue(rnd, 0);
    same(text);
    same(dumpText(load(text)));
  }
});

test('what the fast path does not handle still parses, through ion-js', () => {
  for (const text of ['{$4: 1}', '$ion_1_0 1', '$ion_symbol_table::{symbols:["a"]} $10']) {
    assert.deepEqual(hashes(ionTextToBinary(Buffer.from(text))), hashes(viaIonJs(text)), text);
  }
  assert.throws(() => ionTextToBinary(Buffer.from('{a:')));
  assert.equal(ionHash(ionTextToBinary(Buffer.from('{a:1}'))).toString('hex'), 'f5d2d95c18463b4e3b9e5cf7d8e167299e31627c82c15b5e0b822b83ddadc4eb');
});

test('a timestamp outside what Ion allows is malformed, as ion-js refuses it, never carried over to another date', () => {
  const refused: [string, RegExp][] = [
    ['2021-02-30T', /day 30 is out of range/],
    ['2021-02-29T10:00Z', /day 29 is out of range/],
    ['2020-13-01T', /month 13 is out of range/],
    ['0000T', /year 0 is out of range/],
    ['2020-01-01T24:00Z', /hour 24 is out of range/],
    ['2020-01-01T10:60Z', /minute 60 is out of range/],
    ['2020-01-01T10:00:60Z', /second 60 is out of range/],
    ['2020-01-01T10:00+24:00', /offset of 1440 minutes is out of range/],
    ['2020-01-01T10:00-00:60', /offset -00:60 is out of range/],
  ];
  for (const [text, message] of refused) {
    assert.throws(() => load(text), Error, `ion-js refuses ${text}`);
    assert.throws(() => ionTextToBinary(Buffer.from(`{at:${text}}`)), (e: Error) => e instanceof MalformedIonError && message.test(e.message), text);
  }
  for (const text of ['2020-02-29T', '2020-01-01T23:59:59.999+23:59', '0001-01-01T00:00Z', '9999-12-31T23:59:59.999Z']) {
    assert.deepEqual(hashes(ionTextToBinary(Buffer.from(text))), hashes(viaIonJs(text)), text);
  }
  // Ion allows these, but their UTC year is 0 or 10000, which ion-js (the server's reader and the
  // drivers') refuses: they are refused as soon as they are read in binary
  for (const text of ['0001-01-01T00:00+01:00', '9999-12-31T23:59-01:00']) {
    assert.throws(() => viaIonJs(text), /Year (0|10000) must be between 1 and 9999/, `ion-js refuses ${text}`);
    assert.throws(() => hashes(ionTextToBinary(Buffer.from(text))), /year (0|10000) is out of range/, text);
  }
});
