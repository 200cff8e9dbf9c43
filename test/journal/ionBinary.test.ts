import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load, makeBinaryWriter, makeReader } from 'ion-js';
import { IonWriter, firstValue, readStringBody } from '../../src/journal/ionBinary';
import { randomValue, seeded } from './randomIon';

/** ion-js's binary encoding of one value written in Ion text: what the journal's writer must match byte for byte. */
function ionJs(text: string): Buffer {
  const w = makeBinaryWriter();
  const r = makeReader(text);
  r.next();
  w.writeValue(r);
  w.close();
  return Buffer.from(w.getBytes());
}

const ours = (write: (w: IonWriter) => void) => {
  const w = new IonWriter();
  write(w);
  return Buffer.from(w.finish());
};

test('strings are encoded as ion-js encodes them: ASCII, lengths around the 14-byte boundary, Unicode, long ones', () => {
  const strings = ['', 'a', 'x'.repeat(13), 'x'.repeat(14), 'INSERT INTO Bench ?', 'ünïcødé ✓ 𝄞', 'a\u007f\u0080b', 'y'.repeat(256), 'z'.repeat(257), 'é'.repeat(300)];
  for (const s of strings) assert.deepEqual(ours((w) => w.string(s)), ionJs(JSON.stringify(s)), JSON.stringify(s).slice(0, 40));
});

test('strings are read back as UTF-8 decodes them, at every length around the short-ASCII path and with non-ASCII bytes anywhere', () => {
  const strings = ['', 'é', '𝄞x', 'abcdefgh', 'é'.repeat(16)];
  for (let n = 1; n <= 34; n++) {
    const ascii = Array.from({ length: n }, (_, i) => String.fromCharCode(32 + ((i * 7) % 95))).join('');
    strings.push(ascii, ascii.slice(0, -1) + 'é', 'ü' + ascii.slice(1));
  }
  for (const s of strings) {
    const bytes = Buffer.concat([Buffer.from([0xe0, 1]), Buffer.from(s, 'utf8'), Buffer.from([0xea])]);
    assert.equal(readStringBody(bytes, 2, bytes.length - 1), s, JSON.stringify(s));
  }
});

test('integers are encoded as ion-js encodes them, from 0 to 2^53 - 1, negative and big', () => {
  const ints = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 31, 2 ** 32, 2 ** 48 + 7, Number.MAX_SAFE_INTEGER, -1, -256];
  for (const n of ints) assert.deepEqual(ours((w) => w.int(n)), ionJs(String(n)), String(n));
  assert.deepEqual(ours((w) => w.int(2n ** 70n)), ionJs(String(2n ** 70n)));
});

test('millisecond timestamps are encoded as ion-js encodes them, whatever the milliseconds', () => {
  for (const ms of [0, 1, 9, 127, 128, 200, 255, 256, 512, 999]) {
    const text = `2026-12-07T01:02:03.${String(ms).padStart(3, '0')}Z`;
    assert.deepEqual(ours((w) => w.timestampMillis(new Date(text))), ionJs(text), text);
  }
});

/** `value` of `src` (an ion-js stream) embedded through `w` as a stream of its own. */
const embedded = (w: IonWriter, src: Buffer) => {
  const v = firstValue(src);
  return Buffer.from(w.reset().embed(src, v.pos, v.symbols).finish());
};

test('one writer re-encodes value after value, each from a stream with its own symbol table, into streams equal to their sources', () => {
  const rnd = seeded(11);
  const w = new IonWriter();
  for (let i = 0; i < 400; i++) {
    const text = randomValue(rnd, 0);
    const src = ionJs(text);
    assert.ok(load(embedded(w, src))!.ionEquals(load(src)!), text);
  }
});

test('values of two sources with different symbol tables, embedded into one stream and again into the next, keep their own symbols', () => {
  const a = ionJs('{name: x, id: y, extra: [z, name]}');
  const b = ionJs('{id: name, zeta: {x: id}}');
  // each read once: the same symbol tables again in each new stream
  const [va, vb] = [firstValue(a), firstValue(b)];
  const w = new IonWriter();
  for (let round = 0; round < 3; round++) {
    w.reset().list();
    for (const [src, v] of [[a, va], [b, vb], [a, va]] as const) w.embed(src, v.pos, v.symbols);
    w.end();
    const out = load(Buffer.from(w.finish()))!;
    assert.ok(out.ionEquals(load(ionJs('[{name: x, id: y, extra: [z, name]}, {id: name, zeta: {x: id}}, {name: x, id: y, extra: [z, name]}]'))!));
  }
});

test('a stream with more distinct symbols than the writer keeps between streams is still written whole', () => {
  const names = Array.from({ length: 10_050 }, (_, i) => `f${i}`);
  const text = '{' + names.map((n, i) => `${n}: ${n === 'f0' ? 'f10049' : i}`).join(', ') + '}';
  const w = new IonWriter();
  // the texts of an earlier stream are kept, so the limit is met in the middle of the next one
  embedded(w, ionJs('{' + names.slice(0, 9_990).map((n) => `${n}: 1`).join(', ') + '}'));
  assert.ok(load(embedded(w, ionJs(text)))!.ionEquals(load(ionJs(text))!));
});

test('a field name whose symbol id is past its table embeds as $0, with nothing sized by the id', () => {
  // {$268435455: 1}: the id comes from the bytes, as in a request's parameter
  const src = Buffer.from([0xe0, 0x01, 0x00, 0xea, 0xd6, 0x7f, 0x7f, 0x7f, 0xff, 0x21, 0x01]);
  const heapBefore = process.memoryUsage().arrayBuffers;
  const out = embedded(new IonWriter(), src);
  assert.ok(process.memoryUsage().arrayBuffers - heapBefore < 1 << 20, 'no buffer sized by the symbol id');
  const v = firstValue(out);
  assert.equal(v.h.type, 0xd);
  // one field, named by symbol 0, holding the int 1
  assert.deepEqual([...out.subarray(v.pos)], [0xd3, 0x80, 0x21, 0x01]);
});

test('a symbol value whose id is past its table embeds as $0, and one with text keeps it', () => {
  const noText = Buffer.from([0xe0, 0x01, 0x00, 0xea, 0x74, 0x0f, 0xff, 0xff, 0xff]);
  const out = embedded(new IonWriter(), noText);
  assert.deepEqual([...out.subarray(firstValue(out).pos)], [0x70]);
  const named = ionJs('[VIN, VIN, other]');
  assert.ok(load(embedded(new IonWriter(), named))!.ionEquals(load(named)!));
});
