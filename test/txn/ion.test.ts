import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dom, dumpBinary } from 'ion-js';
import { IonWriter, T_FLOAT } from '../../src/journal/ionBinary';
import { rememberLoadedFrom, toBinary } from '../../src/txn/ion';

/** A parameter as ExecuteStatement gets it: the bytes, and the DOM loaded from them. */
function parameter(bytes: Uint8Array) {
  const value = dom.load(bytes)!;
  rememberLoadedFrom(value, bytes);
  return value;
}

/** Bytes another Ion writer might send: a symbol table with an unused symbol, fields in its own order. */
function otherWriter(write: (w: IonWriter) => void): Uint8Array {
  const w = new IonWriter();
  w.sid('unused');
  write(w);
  return w.finish();
}

test('a whole-document parameter is stored as it was sent, not written out again by ion-js', () => {
  const sent = otherWriter((w) => w.struct().field('name').string('ann').field('tags').list().string('a').int(2).end().field('n').int(-7).end());
  const value = parameter(sent);
  assert.notDeepEqual(Buffer.from(dumpBinary(value)), Buffer.from(sent), 'ion-js would write other bytes');
  assert.deepEqual(toBinary(value), Buffer.from(sent));
  assert.ok(dom.load(toBinary(value))!.ionEquals(value));
});

test('encodings ion-js may read otherwise, and what is not one plain struct, are written out by ion-js', () => {
  const float32 = Buffer.alloc(4);
  float32.writeFloatBE(1.5);
  const cases: Record<string, Uint8Array> = {
    'NOP padding in a list (ion-js reads a null)': Uint8Array.of(0xe0, 0x01, 0x00, 0xea, 0xd5, 0x84, 0xb3, 0x00, 0x21, 0x01),
    'a 32-bit float': otherWriter((w) => w.struct().field('f').scalar(T_FLOAT, float32).end()),
    'an annotated struct': otherWriter((w) => w.annotations(['a']).struct().field('x').int(1).end().end()),
    'an int with a leading zero byte': Uint8Array.of(0xe0, 0x01, 0x00, 0xea, 0xd4, 0x84, 0x22, 0x00, 0x05),
    'two values': Buffer.concat([dumpBinary({ a: 1 }), dumpBinary({ b: 2 })]),
  };
  for (const [what, bytes] of Object.entries(cases)) {
    const values = dom.loadAll(bytes);
    const value = values[0];
    rememberLoadedFrom(value, bytes);
    assert.deepEqual(toBinary(value), Buffer.from(dumpBinary(value)), what);
  }
});
