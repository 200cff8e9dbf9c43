import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { dom, load, makeBinaryWriter, makeReader, makeTextWriter } from 'ion-js';
import { cryptoHasherProvider, makeHashReader } from 'ion-hash-js';
import { ionHash, ionHashString } from '../../src/journal/ionHash';
import { MalformedIonError, UnsupportedIonError } from '../../src/journal/ionBinary';
import { randomValue, seeded } from './randomIon';

/** The reference: exactly what the QLDB driver does (QldbHash.toQldbHash). */
function reference(bytes: Uint8Array): Buffer {
  const r = makeHashReader(makeReader(bytes), cryptoHasherProvider('sha256'));
  r.next();
  r.next();
  return Buffer.from(r.digest());
}

function binary(text: string): Uint8Array {
  const w = makeBinaryWriter();
  const r = makeReader(text);
  r.next();
  w.writeValue(r);
  w.close();
  return w.getBytes();
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('TV-6: small Ion hash vectors', () => {
  const cases: [string, string][] = [
    ['"hello"', '2b04b4828341281978fe1e2e82915b797a664ff00b8df7ebf557cdf495c2bfa8'],
    ['hello', 'a0206b5d79c90f6a7fccb0c7cace0baec959ad5ea48760e603a8bb68dd9b9e4b'],
    ['{a:1}', 'f5d2d95c18463b4e3b9e5cf7d8e167299e31627c82c15b5e0b822b83ddadc4eb'],
    ['null', '0fb06b6183c21379529fdd45d6af4aba731ac6f081ef9e6c1c94b1fb26177304'],
    ['2020-01-01T00:00:00.000Z', '8585caa9191363627b0f100488da2d78365f3cfe322bbc8a87299f2fe413ccd0'],
    ['2020-01-01T00:00:00.000+00:00', '8585caa9191363627b0f100488da2d78365f3cfe322bbc8a87299f2fe413ccd0'],
    ['2020-01-01T00:00:00Z', 'b1c78fb1974cc52d09cdfd2d9b0b22afb22b9eaad5b6d62137b4ac670f9e8ab9'],
    ['2020-01-01T00:00:00.000-00:00', 'af7f626a20483dee363cfee0857a136b6b84385c674a2ca8865b9a0ada5399b8'],
  ];
  for (const [text, expected] of cases) {
    assert.equal(hex(ionHash(binary(text))), expected, `binary ${text}`);
    assert.equal(hex(ionHash(Buffer.from(text))), expected, `text ${text}`);
    assert.equal(hex(ionHash(load(text)!)), expected, `dom ${text}`);
  }
  assert.equal(hex(ionHashString('hello')), '2b04b4828341281978fe1e2e82915b797a664ff00b8df7ebf557cdf495c2bfa8');
});

/** Hand-picked values where ion-js normalises the representation, or the hash rules bite. */
const corner = [
  '0', '-0', '1', '-1', '255', '-256', '18446744073709551616', '-18446744073709551617',
  '0e0', '-0e0', '1.5e0', '-2.25e-10', 'nan', '+inf', '-inf', '1e300',
  '0d0', '-0d0', '0.0', '0.00', '-0.0', '1.0', '1.00', '90.25', '-1d-5', '12345678901234567890.123', '1d10', '0d-3',
  '2017-08-21', '2017T', '2017-08T', '2017-08-21T10:15Z', '2017-08-21T10:15-00:00', '2017-08-21T10:15:30+05:30',
  '2019-09-16T19:37:05.344Z', '2019-09-16T19:37:05.000Z', '2019-09-16T19:37:05.3440Z', '2019-09-16T19:37:05.123456789-08:00',
  '"with \\x0b \\x0c \\x0e marker bytes"', '"ünïcødé 😀"', "''", '""',
  'sym', "'sym with space'", '$ion', 'a::b::7', 'a::{x:1}', "'':: 1",
  '{{}}', '{{ CwwO }}', '{{"clob \\x0b"}}', '{{aGVsbG8=}}',
  'null.null', 'null.bool', 'null.int', 'null.float', 'null.decimal', 'null.timestamp', 'null.symbol',
  'null.string', 'null.clob', 'null.blob', 'null.list', 'null.sexp', 'null.struct', 'true', 'false',
  '[]', '()', '{}', '[1, [2, [3]], {a: [b::c]}]', '(+ 1 2 a::(x))', '{a:1, a:1}', '{a:1, a:2}', '{b:1, a:2}',
  '{"": 1}', '{x: null.struct, y: [null.list], z: {w: {}}}',
  "{VIN:\"1N4AL11D75C109151\",PendingPenaltyTicketAmount:90.25,ValidFromDate:2017-08-21,Owners:{PrimaryOwner:{PersonId:\"BFJKdXhnLRT27sXBnojNGW\"},SecondaryOwners:[{PersonId:\"CMVdR77XP8zAglmmFDGTvt\"}]}}",
];

test('ionHash equals ion-hash-js on corner-case values (binary, text and DOM inputs)', () => {
  for (const text of corner) {
    const bin = binary(text);
    const expected = hex(reference(bin));
    assert.equal(hex(ionHash(bin)), expected, `binary ${text}`);
    assert.equal(hex(ionHash(Buffer.from(text))), expected, `text ${text}`);
    assert.equal(hex(reference(Buffer.from(text))), expected, `reference text ${text}`);
  }
});

/** Non-canonical binary encodings other Ion writers may send as parameters. */
test('ionHash normalises non-canonical binary encodings the way ion-js reads them', () => {
  const ivm = [0xe0, 0x01, 0x00, 0xea];
  const cases: number[][] = [
    [0x22, 0x00, 0x05], // int 5 with a leading zero byte
    [0x31, 0x00], // negative zero int
    [0x44, 0x3f, 0xc0, 0x00, 0x00], // float32 1.5
    [0x44, 0x00, 0x00, 0x00, 0x00], // float32 +0
    [0x48, 0, 0, 0, 0, 0, 0, 0, 0], // float64 +0 written out
    [0x52, 0x80, 0x00], // decimal 0d0 with an explicit zero coefficient
    [0x53, 0xc1, 0x00, 0x05], // decimal 0.5 with a padded coefficient
    [0x69, 0x80, 0x0f, 0xe4, 0x81, 0x81, 0x80, 0x80, 0x80, 0x80], // timestamp 2020-01-01T00:00:00Z with d0 fraction
    [0x6a, 0x80, 0x0f, 0xe4, 0x81, 0x81, 0x80, 0x80, 0x80, 0xc3, 0x00], // .000 with explicit zero coefficient
    [0x53, 0xc1, 0x80, 0x05], // decimal -0.5: a padded negative coefficient
    [0x53, 0xc1, 0x00, 0xc8], // decimal 20.0: a coefficient whose first byte needs a sign byte
    [0x54, 0xc1, 0x80, 0x00, 0xc8], // decimal -20.0 with a padded coefficient
    [0x52, 0xc1, 0x80], // decimal -0.0: a negative zero coefficient
    [0x6b, 0x80, 0x0f, 0xe4, 0x81, 0x81, 0x80, 0x80, 0x80, 0xc3, 0x00, 0x7b], // .123 with a padded coefficient
    [0x6b, 0x80, 0x0f, 0xe4, 0x81, 0x81, 0x80, 0x80, 0x80, 0xc3, 0x00, 0xc8], // .200: a sign byte is needed
    [0xd3, 0x84, 0x21, 0x01], // struct {name: 1} via the system symbol 'name' (SID 4)
    [0xde, 0x83, 0x84, 0x21, 0x02], // struct with VarUInt length form
  ];
  for (const c of cases) {
    const bytes = new Uint8Array([...ivm, ...c]);
    assert.equal(hex(ionHash(bytes)), hex(reference(bytes)), `bytes ${Buffer.from(c).toString('hex')}`);
  }
});

test('NOP padding is not a value (Ion spec; ion-js 5.2 misreads 0x00 inside a list as null)', () => {
  const padded = new Uint8Array([0xe0, 0x01, 0x00, 0xea, 0xb4, 0x00, 0x00, 0x21, 0x01]);
  assert.equal(hex(ionHash(padded)), hex(reference(binary('[1]'))));
});

test('ionHash equals ion-hash-js on 2,000 random values', () => {
  const rnd = seeded(42);
  for (let i = 0; i < 2000; i++) {
    const text = randomValue(rnd, 0);
    const bin = binary(text);
    assert.equal(hex(ionHash(bin)), hex(reference(bin)), text);
    // a DOM round trip must not change the hash either
    const v = load(bin) as dom.Value;
    assert.equal(hex(ionHash(v)), hex(reference(bin)), `dom ${text}`);
  }
});

test('only the first value of a multi-value stream is hashed, as the drivers do', () => {
  assert.equal(hex(ionHash(Buffer.from('1 2'))), hex(ionHash(Buffer.from('1'))));
  const w = makeTextWriter();
  w.writeInt(7);
  w.close();
  assert.equal(hex(ionHash(w.getBytes())), hex(reference(binary('7'))));
});

test('structs of many fields and of few, one after the other at the same depth, hash as ion-hash-js does', () => {
  const struct = (n: number, seed: number) => '{' + Array.from({ length: n }, (_, i) => `f${(i * 7 + seed) % 97}: ${i * seed}`).join(', ') + '}';
  const values = [
    `[${struct(40, 1)}, ${struct(2, 2)}, ${struct(17, 3)}, ${struct(3, 4)}, ${struct(16, 5)}]`,
    `{a: ${struct(33, 6)}, b: ${struct(1, 7)}, c: {d: ${struct(25, 8)}}, e: ${struct(0, 9)}}`,
    struct(60, 10),
    struct(5, 11),
  ];
  for (const text of values) {
    const bin = binary(text);
    assert.equal(hex(ionHash(bin)), hex(reference(bin)), text.slice(0, 60));
  }
});

test('a symbol id past the symbol table is malformed Ion, refused as ion-js refuses it, not hashed as $0', () => {
  const ivm = [0xe0, 0x01, 0x00, 0xea];
  const cases: [string, number[]][] = [
    // {$127: 1}, with only the system symbols in the table
    ['a field name', [...ivm, 0xd3, 0xff, 0x21, 0x01]],
    // $127::1
    ['an annotation', [...ivm, 0xe4, 0x81, 0xff, 0x21, 0x01]],
    // {a: $127}: `name` ($4) names the field, the value is the symbol $127
    ['a symbol value', [...ivm, 0xd3, 0x84, 0x71, 0x7f]],
    // {$268435455: 1}: an id as large as four VarUInt bytes hold
    ['a field name of 2^28 - 1', [...ivm, 0xd6, 0x7f, 0x7f, 0x7f, 0xff, 0x21, 0x01]],
  ];
  for (const [what, bytes] of cases) {
    const b = new Uint8Array(bytes);
    assert.throws(() => load(b), /greater than maxID/, `ion-js refuses ${what}`);
    assert.throws(() => ionHash(b), /symbol id \d+ is beyond the symbol table \(its largest id is 9\)/, what);
  }
  // {name: $0}: $0 is within every table, a symbol of unknown text, which the Ion Hash spec
  // serializes as a symbol with no text (ion-js cannot read it back, so the test spells it out)
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest();
  const esc = (b: Uint8Array) => [...b].flatMap((x) => (x === 0x0b || x === 0x0c || x === 0x0e ? [0x0c, x] : [x]));
  const field = sha(new Uint8Array([0x0b, 0x70, ...Buffer.from('name'), 0x0e, 0x0b, 0x70, 0x0e]));
  const expected = sha(new Uint8Array([0x0b, 0xd0, ...esc(field), 0x0e]));
  assert.equal(hex(ionHash(new Uint8Array([...ivm, 0xd2, 0x84, 0x70]))), hex(expected));
});

test('a VarInt that runs past its value is malformed Ion: refused, never read on past the value or its buffer', () => {
  const ivm = [0xe0, 0x01, 0x00, 0xea];
  const cases: [string, number[]][] = [
    // a decimal whose exponent's only byte does not end it: ion-js loads it leniently, as 0E+255
    ['a decimal at the end of its buffer', [...ivm, 0x51, 0x01]],
    ['a decimal of two such bytes', [...ivm, 0x52, 0x01, 0x01]],
    // {name: that decimal, name: 1}: the exponent would run on into the next field
    ['a decimal inside a struct', [...ivm, 0xd6, 0x84, 0x51, 0x01, 0x84, 0x21, 0x01]],
    // a timestamp: offset 0, then a year whose VarUInt does not end within the value
    ['a timestamp year', [...ivm, 0xd7, 0x84, 0x62, 0x80, 0x0f, 0x84, 0x21, 0x01]],
    // a timestamp whose offset does not end
    ['a timestamp offset', [...ivm, 0x61, 0x01]],
  ];
  for (const [what, bytes] of cases) {
    assert.throws(() => ionHash(new Uint8Array(bytes)), /truncated VarU?Int/, what);
  }
});

test('a timestamp with fractional seconds of more than 306 digits is refused at once, as ion-js refuses it after long work', () => {
  const varInt = (v: number) => {
    let m = Math.abs(v);
    const out = [(m & 0x7f) | 0x80];
    for (m = Math.floor(m / 128); m > 0; m = Math.floor(m / 128)) out.unshift(m & 0x7f);
    if (out[0] & 0x40) out.unshift(0);
    if (v < 0) out[0] |= 0x40;
    return out;
  };
  // 1970-10-29T20:03:29 UTC, then the fraction's exponent and a coefficient of 1
  const timestamp = (exponent: number) => {
    const body = [0x80, 0x0f, 0xb2, 0x8a, 0x9d, 0x94, 0x83, 0x9d, ...varInt(exponent), 0x01];
    return new Uint8Array([0xe0, 0x01, 0x00, 0xea, 0x6e, 0x80 | body.length, ...body]);
  };
  for (const exponent of [-3, -9]) {
    const b = timestamp(exponent);
    assert.equal(hex(ionHash(b)), hex(reference(b)), `exponent ${exponent}`);
  }
  // up to 306 digits ion-js reads them, and so does the hasher (ion-js's own re-encoding of so
  // fine a fraction is not exact at every exponent, so its hash is not compared here)
  assert.ok(load(timestamp(-306)));
  assert.equal(ionHash(timestamp(-306)).length, 32);
  for (const exponent of [-307, -1000]) {
    assert.throws(() => load(timestamp(exponent)), /Year NaN/, `ion-js refuses exponent ${exponent}`);
    assert.throws(() => ionHash(timestamp(exponent)), /fractional seconds of \d+ digits \(ion-js reads at most 306\)/);
  }
  // ion-js would work at these for minutes and hours: the hasher refuses them without reading on
  for (const exponent of [-885_101, -(2 ** 27 - 1)]) {
    assert.throws(() => ionHash(timestamp(exponent)), new RegExp(`fractional seconds of ${-exponent} digits`));
  }
});

test('ionHash over 5,000 randomly damaged values: each gives a hash or a reading error, and none reads on for ever', () => {
  const rnd = seeded(11);
  const kinds = new Map<string, number>();
  for (let i = 0; i < 5_000; i++) {
    const b = Buffer.from(binary(randomValue(rnd, 0)));
    // one or two bytes after the version marker: set at random, or one bit flipped
    for (let k = 1 + Math.floor(rnd() * 2); k > 0; k--) {
      const at = 4 + Math.floor(rnd() * (b.length - 4));
      b[at] = rnd() < 0.5 ? Math.floor(rnd() * 256) : b[at] ^ (1 << Math.floor(rnd() * 8));
    }
    let kind = 'hash';
    try {
      assert.equal(ionHash(b).length, 32);
    } catch (e) {
      // what ion-js is asked to re-encode (what the reader does not support) fails in its own words
      kind = e instanceof MalformedIonError ? 'malformed' : e instanceof UnsupportedIonError ? 'unsupported' : (e as Error).name;
    }
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  for (const kind of kinds.keys()) assert.ok(['hash', 'malformed', 'unsupported', 'Error'].includes(kind), kind);
  assert.ok(kinds.get('hash')! > 1_000 && kinds.get('malformed')! > 1_000, JSON.stringify([...kinds]));
});

test('timestamps outside what Ion allows are refused, where ion-js refuses them or moves them to another instant', () => {
  const ts = (body: number[]) =>
    new Uint8Array([0xe0, 0x01, 0x00, 0xea, ...(body.length < 14 ? [0x60 | body.length] : [0x6e, 0x80 | body.length]), ...body]);
  // offset 0 (80), year 2020 (0f e4) or 2021 (0f e5), then month, day, hour, minute, second (80 | v)
  const refused: [string, number[], RegExp][] = [
    ['year 0', [0x80, 0x80], /year 0 is out of range/],
    ['year 10000', [0x80, 0x4e, 0x90], /year 10000 is out of range/],
    ['month 13 (ion-js: January of the next year)', [0x80, 0x0f, 0xe4, 0x8d], /month 13 is out of range/],
    ['month 0', [0x80, 0x0f, 0xe4, 0x80], /month 0 is out of range/],
    ['30 February 2021 (ion-js: 2 March)', [0x80, 0x0f, 0xe5, 0x82, 0x9e], /day 30 is out of range/],
    ['29 February 2021', [0x80, 0x0f, 0xe5, 0x82, 0x9d], /day 29 is out of range/],
    ['day 0', [0x80, 0x0f, 0xe4, 0x81, 0x80], /day 0 is out of range/],
    ['hour 24 (ion-js: the next day)', [0x80, 0x0f, 0xe4, 0x81, 0x82, 0x98, 0x80], /hour 24 is out of range/],
    ['minute 60', [0x80, 0x0f, 0xe4, 0x81, 0x82, 0x83, 0xbc], /minute 60 is out of range/],
    ['second 60', [0x80, 0x0f, 0xe4, 0x81, 0x82, 0x83, 0x84, 0xbc], /second 60 is out of range/],
    ['29 August 2020 at offset -00:16 (ion-js: 28 August)', [0xd0, 0x0f, 0xe4, 0x88, 0x9d], /a date \(no time of day\) with an offset of -16 minutes/],
    ['2020 at offset +01:00', [0xbc, 0x0f, 0xe4], /a date \(no time of day\) with an offset of 60 minutes/],
    ['an hour without a minute', [0x80, 0x0f, 0xe4, 0x81, 0x82, 0x83], /with an hour must have a minute/],
    ['offset +24:00', [0x0b, 0xa0, 0x0f, 0xe4, 0x81, 0x82, 0x83, 0x84], /offset of 1440 minutes is out of range/],
    ['offset -24:00', [0x4b, 0xa0, 0x0f, 0xe4, 0x81, 0x82, 0x83, 0x84], /offset of -1440 minutes is out of range/],
    ['0001-01-01T00:30Z at -01:00: local year 0', [0xfc, 0x81, 0x81, 0x81, 0x80, 0x9e], /year 0 is out of range/],
    ['9999-12-31T23:30Z at +01:00: local year 10000', [0xbc, 0x4e, 0x8f, 0x8c, 0x9f, 0x97, 0x9e], /year 10000 is out of range/],
    ['fractional seconds of 4.660 (ion-js drops them)', [0x80, 0x0f, 0xe4, 0x81, 0x82, 0x83, 0x84, 0x85, 0xc3, 0x12, 0x34], /are 1 or more/],
    ['fractional seconds of 1d2', [0x80, 0x0f, 0xe4, 0x81, 0x82, 0x83, 0x84, 0x85, 0x82, 0x01], /are 1 or more/],
    ['fractional seconds of -0.001', [0x80, 0x0f, 0xe4, 0x81, 0x82, 0x83, 0x84, 0x85, 0xc3, 0x81], /are negative/],
    ['fractional seconds of 1.000…0 (20 digits)', [0x80, 0x0f, 0xe4, 0x81, 0x82, 0x83, 0x84, 0x85, 0xd4, 0x05, 0x6b, 0xc7, 0x5e, 0x2d, 0x63, 0x10, 0x00, 0x00], /are 1 or more/],
  ];
  for (const [what, body, message] of refused) {
    assert.throws(() => ionHash(ts(body)), (e: Error) => e instanceof MalformedIonError && message.test(e.message), what);
  }
  // at the edges of those ranges: hashed as ion-hash-js hashes them
  const accepted: [string, number[]][] = [
    ['29 February 2020', [0xc0, 0x0f, 0xe4, 0x82, 0x9d]],
    // a date has no offset: ion-js reads 0 as unknown (-0)
    ['29 February 2020 at offset 0', [0x80, 0x0f, 0xe4, 0x82, 0x9d]],
    ['offset +23:59', [0x0b, 0x9f, 0x0f, 0xe4, 0x81, 0x82, 0x83, 0x84]],
    ['0001-01-01T00:30Z at +01:00', [0xbc, 0x81, 0x81, 0x81, 0x80, 0x9e]],
    ['9999-12-31T23:30Z at -01:00', [0xfc, 0x4e, 0x8f, 0x8c, 0x9f, 0x97, 0x9e]],
    ['fractional seconds of 0.999', [0x80, 0x0f, 0xe4, 0x81, 0x82, 0x83, 0x84, 0x85, 0xc3, 0x03, 0xe7]],
    ['fractional seconds of 0.99999999999999999999 (20 digits)', [0x80, 0x0f, 0xe4, 0x81, 0x82, 0x83, 0x84, 0x85, 0xd4, 0x05, 0x6b, 0xc7, 0x5e, 0x2d, 0x63, 0x0f, 0xff, 0xff]],
    // zero at an exponent of 0 or more: whole seconds to ion-js
    ['fractional seconds of 0d2', [0x80, 0x0f, 0xe4, 0x81, 0x82, 0x83, 0x84, 0x85, 0x82]],
    ['fractional seconds of 0d1 with a zero byte', [0x80, 0x0f, 0xe4, 0x81, 0x82, 0x83, 0x84, 0x85, 0x81, 0x00]],
    ['fractional seconds of -0d-3', [0x80, 0x0f, 0xe4, 0x81, 0x82, 0x83, 0x84, 0x85, 0xc3, 0x80]],
  ];
  for (const [what, body] of accepted) assert.equal(hex(ionHash(ts(body))), hex(reference(ts(body))), what);
});

test('a bool with a length code other than 0, 1 or 15 is refused: ion-js reads it as false, the hasher took it for true', () => {
  for (let low = 2; low < 15; low++) {
    assert.throws(() => ionHash(new Uint8Array([0xe0, 0x01, 0x00, 0xea, 0x10 | low])), /a bool with length code/, `length code ${low}`);
  }
  for (const text of ['false', 'true', 'null.bool', '{a:true,b:false}']) assert.equal(hex(ionHash(binary(text))), hex(reference(binary(text))), text);
});

test('a string or a symbol that is not valid UTF-8 is refused; ion-js reads some such as other characters', () => {
  const value = (bytes: number[]) => new Uint8Array([0xe0, 0x01, 0x00, 0xea, 0x80 | bytes.length, ...bytes]);
  const invalid: [string, number[]][] = [
    ['a lone surrogate (ion-js: \\ud800)', [0xed, 0xa0, 0x80]],
    ['an overlong "/" (ion-js: "/")', [0xc0, 0xaf]],
    ['a byte no UTF-8 has', [0xff]],
    ['a truncated sequence', [0xe2, 0x82]],
  ];
  for (const [what, bytes] of invalid) {
    assert.throws(() => ionHash(value(bytes)), /a string that is not valid UTF-8/, what);
    // inside a struct: {name: "…"}
    const inStruct = new Uint8Array([0xe0, 0x01, 0x00, 0xea, 0xd0 | (bytes.length + 2), 0x84, 0x80 | bytes.length, ...bytes]);
    assert.throws(() => ionHash(inStruct), /a string that is not valid UTF-8/, `${what}, as a field`);
  }
  // a symbol whose text in the local symbol table is an overlong "/"
  const symbol = Buffer.from(binary('$ion_symbol_table::{symbols:["ab"]} $10'));
  const at = symbol.indexOf(Buffer.from('ab'));
  symbol[at] = 0xc0;
  symbol[at + 1] = 0xaf;
  assert.throws(() => ionHash(symbol), /a string that is not valid UTF-8/);
  for (const text of ['"é"', '"€uro"', '"𝄞"', '{"naïve":"café"}', "'ünïcödé'"]) assert.equal(hex(ionHash(binary(text))), hex(reference(binary(text))), text);
});
