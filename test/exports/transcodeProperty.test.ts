/**
 * The export transcoder against ion-js over thousands of generated values: every Ion type,
 * annotations, nesting, and containers long enough to need a VarUInt length (the case where a
 * length read once sat in front of its own bytes and cut the last element of long lists).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dom, dumpBinary, load } from 'ion-js';
import { IonTranscoder } from '../../src/exports/ionTranscode';
import { OutBuf } from '../../src/exports/outBuf';
import { randomValue, seeded } from '../journal/randomIon';

function generated(count: number, seed: number): string[] {
  const rnd = seeded(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    // a list of several values, ending in a short one, exercises long-container lengths
    const parts = Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => randomValue(rnd, 0));
    out.push(`[${parts.join(', ')}, a, 1, "x"]`);
    out.push(`{k: ${parts[0]}, tail: (${parts.join(' ')} b), last: sym}`);
  }
  return out;
}

describe('IonTranscoder matches ion-js on generated values', () => {
  const values = generated(1500, 20261126);

  it('Ion binary → Ion text reads back equal', () => {
    const t = new IonTranscoder();
    for (const text of values) {
      const original = load(text)!;
      const binary = Buffer.from(dumpBinary(original));
      const out = new OutBuf();
      assert.equal(t.toText(binary, out), 1);
      const back = out.view().toString('utf8');
      assert.ok(load(back)!.ionEquals(original), `${text}\n→ ${back}`);
    }
  });

  it('Ion binary → JSON parses and keeps every element', () => {
    const t = new IonTranscoder();
    for (const text of values) {
      const original = load(text)!;
      const out = new OutBuf();
      t.toJson(Buffer.from(dumpBinary(original)), out);
      const json = JSON.parse(out.view().toString('utf8'));
      if (original instanceof dom.List) {
        assert.ok(Array.isArray(json));
        assert.equal(json.length, original.length, text);
        assert.deepEqual(json.slice(-3), ['a', 1, 'x']);
      } else {
        assert.equal(json.last, 'sym', text);
        assert.equal(json.tail[json.tail.length - 1], 'b', text);
      }
    }
  });
});
