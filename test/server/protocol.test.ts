/** The wire codecs: what a JSON body may hold, on both APIs. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonBody } from '../../src/server/protocol';
import { ServiceError } from '../../src/server/errors';
import { startServer, type TestServer } from '../helpers/server';
import { raw } from '../helpers/raw';

const refused = (text: string) =>
  assert.throws(
    () => parseJsonBody(Buffer.from(text)),
    (e: unknown) => e instanceof ServiceError && e.type === 'SerializationException',
    text,
  );

describe('parseJsonBody', () => {
  it('refuses strings with unpaired surrogates, in values and keys, at any depth', () => {
    refused('{"a":"\\ud800"}');
    refused('{"a":"x\\uDC00"}');
    refused('{"\\udbff":1}');
    refused('{"a":[1,{"b":"\\ud800z"}]}');
  });

  it('accepts paired surrogates and ordinary text', () => {
    assert.deepEqual(parseJsonBody(Buffer.from('{"a":"\\ud83d\\ude00"}')), { a: '😀' });
    assert.deepEqual(parseJsonBody(Buffer.from('{"a":"\\\\ud800"}')), { a: '\\ud800' });
    assert.deepEqual(parseJsonBody(Buffer.from('')), {});
  });
});

describe('unpaired surrogates against a live server', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.dispose());

  it('are a SerializationException on the control plane and nothing is stored', async () => {
    const arn = encodeURIComponent('arn:aws:qldb:us-east-1:000000000000:ledger/surrogates');
    assert.equal((await raw(server.endpoint, 'POST', '/ledgers', { Name: 'surrogates', PermissionsMode: 'ALLOW_ALL' })).status, 200);
    const r = await raw(server.endpoint, 'POST', `/tags/${arn}`, '{"Tags":{"k":"\\ud800"}}');
    assert.equal(r.status, 400);
    assert.equal(r.errorType, 'SerializationException');
    assert.deepEqual((await raw(server.endpoint, 'GET', `/tags/${arn}`)).json, { Tags: {} });
  });

  it('are a 400, not a 500, on the session API', async () => {
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'QLDBSession.SendCommand' };
    const start = await raw(server.endpoint, 'POST', '/', { StartSession: { LedgerName: 'surrogates' } }, headers);
    const token = start.json.StartSession.SessionToken;
    const tx = await raw(server.endpoint, 'POST', '/', { SessionToken: token, StartTransaction: {} }, headers);
    const r = await raw(
      server.endpoint,
      'POST',
      '/',
      `{"SessionToken":"${token}","ExecuteStatement":{"TransactionId":"${tx.json.StartTransaction.TransactionId}","Statement":"SELECT '\\ud800' FROM T"}}`,
      headers,
    );
    assert.equal(r.status, 400);
    assert.equal(r.errorType, 'SerializationException');
    assert.equal(r.json.__type, 'com.amazonaws.qldbsession#SerializationException');
  });
});
