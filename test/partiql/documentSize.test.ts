/** The cheap document-size bound must never claim a document fits when its encoding does not. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dom } from 'ion-js';
import { certainlyWithin, ionBinarySize, MAX_NESTING_DEPTH, nestingExceeds } from '../../src/partiql/documentSize';
import { ion } from './fixtures';

const SAMPLES = [
  '{}',
  '{a: 1, b: "two", c: 3.0, d: 4e0, e: 2024-01-01T00:00:00.123456Z, f: {{aGVsbG8=}}, g: {{"clob"}}}',
  'x::y::{f: ann::[1, (sexp sym), null.int, true, "é😀"]}',
  '{n: -123456789012345678901234567890, d: -1.000000000000000000001d-30}',
  '{a: {b: {c: {d: {e: [[[[]]]]}}}}}',
  '{dup: 1, dup: 2, dup: 3}',
];

describe('document size bound', () => {
  for (const text of SAMPLES) {
    it(`bounds ${text.slice(0, 40)} from above`, () => {
      const value = ion(text);
      const size = ionBinarySize(value);
      assert.equal(certainlyWithin(value, size - 1), false, 'claims to fit below its real size');
      assert.ok(certainlyWithin(value, size * 10 + 200), 'bound is uselessly loose');
    });
  }

  it('never accepts a document over the limit, whatever its shape', () => {
    const limit = 4096;
    for (let n = 0; n < 600; n += 7) {
      const many = new dom.Struct(Array.from({ length: n }, (_, i) => [`field${i}`, new dom.String('ü'.repeat(i % 9))] as [string, dom.Value]));
      if (ionBinarySize(many) > limit) assert.equal(certainlyWithin(many, limit), false, `n=${n}`);
    }
  });
});

describe('nesting depth', () => {
  it('counts containers on the deepest path, the document itself as 1', () => {
    assert.equal(nestingExceeds(ion('{a: 1, b: "x"}'), 1), false);
    assert.equal(nestingExceeds(ion('{a: []}'), 1), true);
    assert.equal(nestingExceeds(ion('{a: [(s {b: 1})], c: {}}'), 4), false);
    assert.equal(nestingExceeds(ion('{a: [(s {b: 1})], c: {}}'), 3), true);
    assert.equal(nestingExceeds(ion('{a: [null.list, null.struct]}'), 2), false, 'a null container holds nothing');
  });

  it('measures values far deeper than the stack allows recursion', () => {
    let deep: dom.Value = new dom.List([]);
    for (let i = 0; i < 100_000; i++) deep = new dom.List([deep]);
    assert.equal(nestingExceeds(new dom.Struct([['a', deep]]), MAX_NESTING_DEPTH), true);
  });
});
