import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ion from 'ion-js';
import { BlockEncoder, FORMATS } from '../../src/exports/encoders';
import { OutBuf } from '../../src/exports/outBuf';
import { verifyBlock } from '../../src/journal/verify';
import { makeBlocks } from './fixtures';

const blocks = makeBlocks(6);

function encodeAll(format: 'ION_TEXT' | 'ION_BINARY' | 'JSON'): Buffer {
  const enc = new BlockEncoder(format);
  const out = new OutBuf(8);
  for (const b of blocks) enc.encode(b.ion, out);
  return Buffer.from(out.view());
}

function toBinary(v: ion.dom.Value): Uint8Array {
  const w = ion.makeBinaryWriter();
  v.writeTo(w);
  w.close();
  return w.getBytes();
}

/** Every exported block re-hashes to its blockHash and chains to the one before. */
function assertChain(values: ion.dom.Value[]): void {
  assert.equal(values.length, blocks.length);
  let prev: Uint8Array | undefined;
  values.forEach((v, i) => {
    const r = verifyBlock(toBinary(v), prev);
    assert.ok(r.ok, `block ${i}: ${!r.ok && r.message}`);
    if (r.ok) {
      assert.equal(r.block.sequenceNo, i);
      prev = r.block.blockHash;
    }
  });
}

test('formats: extensions and content types of §4.3', () => {
  assert.deepEqual(FORMATS.ION_TEXT, { ext: 'ion', dataContentType: 'text/x-amzn-ion', manifestContentType: 'text/x-amzn-ion' });
  assert.deepEqual(FORMATS.ION_BINARY, {
    ext: 'ion',
    dataContentType: 'application/x-amzn-ion',
    manifestContentType: 'application/x-amzn-ion',
  });
  assert.deepEqual(FORMATS.JSON, { ext: 'json', dataContentType: 'application/x-ndjson', manifestContentType: 'application/json' });
});

test('ION_BINARY: one stream starting with an IVM, the stored bytes of each block in order', () => {
  const bytes = encodeAll('ION_BINARY');
  assert.deepEqual([...bytes.subarray(0, 4)], [0xe0, 0x01, 0x00, 0xea]);
  assert.ok(bytes.equals(Buffer.concat(blocks.map((b) => b.ion))));
  assertChain(ion.loadAll(bytes));
});

test('ION_TEXT: one block per line, each an Ion struct equal to the stored block', () => {
  const text = encodeAll('ION_TEXT').toString('utf8');
  const lines = text.split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, blocks.length);
  lines.forEach((line, i) => {
    const v = ion.load(line)!;
    assert.equal(v.getType(), ion.IonTypes.STRUCT);
    assert.ok(v.ionEquals(ion.load(blocks[i].ion)!), `line ${i}`);
  });
  assertChain(ion.loadAll(text));
});

test('JSON: JSON Lines, one block per line, down-converted', () => {
  const lines = encodeAll('JSON').toString('utf8').trimEnd().split('\n');
  assert.equal(lines.length, blocks.length);
  lines.forEach((line, i) => {
    const o = JSON.parse(line);
    const stored = ion.load(blocks[i].ion) as any;
    assert.deepEqual(o.blockAddress, { strandId: stored.blockAddress.strandId.stringValue(), sequenceNo: i });
    assert.equal(o.blockHash, Buffer.from(stored.blockHash.uInt8ArrayValue()).toString('base64'));
    assert.equal(o.blockTimestamp, new Date(blocks[i].timestampMs).toISOString());
    if (i > 0) {
      const data = o.revisions[0].data;
      assert.equal(data.Price, Number(`${i}.5`));
      assert.match(line, new RegExp(`"Price":${i}\\.50[,}]`));
      assert.deepEqual(data.tags, ['a', 'b']);
      assert.equal(data.when, '2024-01-01T10:00:00.5+02:00');
      assert.equal(data.note, 'line\nbreak é');
    }
  });
});
