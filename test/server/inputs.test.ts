/**
 * Route matches and validated inputs are kept for requests that are all path: a repeat must get
 * exactly what a first request gets, and nothing that depends on a query, a body or a refusal
 * may be kept.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { controlInput } from '../../src/server/inputs';
import { matchRoute, pathKnown } from '../../src/server/router';
import { ServiceError } from '../../src/server/errors';

const empty = Buffer.alloc(0);
const refusedAs = (type: string) => (e: unknown) => e instanceof ServiceError && e.type === type;

describe('kept route matches and inputs', () => {
  it('a repeated path-only request gets the same frozen input, as validated the first time', () => {
    const first = matchRoute('GET', '/ledgers/kept-ledger/journal-s3-exports/AAAAAAAAAAAAAAAAAAAAAA')!;
    assert.equal(matchRoute('GET', '/ledgers/kept-ledger/journal-s3-exports/AAAAAAAAAAAAAAAAAAAAAA'), first);
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.labels));
    const input = controlInput(first, undefined, empty);
    assert.deepEqual(input, { Name: 'kept-ledger', ExportId: 'AAAAAAAAAAAAAAAAAAAAAA' });
    assert.equal(controlInput(first, undefined, empty), input);
    assert.ok(Object.isFrozen(input));
  });

  it('a query string or a body is decoded and validated every time', () => {
    const list = matchRoute('GET', '/ledgers')!;
    assert.deepEqual(controlInput(list, 'max_results=5', empty), { MaxResults: 5 });
    assert.deepEqual(controlInput(list, 'max_results=7', empty), { MaxResults: 7 });
    assert.throws(() => controlInput(list, 'max_results=0', empty), refusedAs('InvalidParameterException'));
    assert.deepEqual(controlInput(list, undefined, empty), {});
    const update = matchRoute('PATCH', '/ledgers/books')!;
    assert.deepEqual(controlInput(update, undefined, Buffer.from('{"DeletionProtection":false}')), { Name: 'books', DeletionProtection: false });
    assert.deepEqual(controlInput(update, undefined, Buffer.from('{"DeletionProtection":true}')), { Name: 'books', DeletionProtection: true });
  });

  it('a refused path is refused every time, and a percent-encoding error is never kept', () => {
    const bad = matchRoute('GET', '/ledgers/bad--name')!;
    for (let i = 0; i < 2; i++) assert.throws(() => controlInput(bad, undefined, empty), refusedAs('InvalidParameterException'));
    for (let i = 0; i < 2; i++) assert.throws(() => matchRoute('GET', '/ledgers/%E0%A4%A'), refusedAs('SerializationException'));
    assert.equal(matchRoute('PUT', '/ledgers'), undefined);
    assert.ok(pathKnown('/ledgers'));
  });

  it('a long path (a tag ARN) is matched afresh each time rather than held', () => {
    const arn = encodeURIComponent(`arn:aws:qldb:us-east-1:000000000000:ledger/${'x'.repeat(520)}`);
    const a = matchRoute('GET', `/tags/${arn}`)!;
    const b = matchRoute('GET', `/tags/${arn}`)!;
    assert.notEqual(a, b);
    assert.deepEqual(a, b);
  });
});
