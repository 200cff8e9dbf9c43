import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBinaryWriter, makeReader } from 'ion-js';
import { IonWriter, readStringBody } from '../../src/journal/ionBinary';

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
