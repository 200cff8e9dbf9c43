import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCredentials, parseCredentials } from '../../src/server/credentials';
import { loadConfig } from '../../src/config';

const good = {
  credentials: [
    { accessKeyId: 'AKIDALICE', secretAccessKey: 's1', accountId: '111111111111' },
    { accessKeyId: 'ASIABOB', secretAccessKey: 's2', accountId: '222222222222', sessionToken: 'tok' },
  ],
  regions: ['eu-west-1'],
};

test('a credentials file is loaded with its accounts, session tokens and extra regions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openqldb-creds-'));
  const file = join(dir, 'creds.json');
  writeFileSync(file, JSON.stringify(good));
  const store = loadCredentials(loadConfig(['--auth', 'strict', '--credentials-file', file], {}), {});
  assert.equal(store.size, 2);
  assert.deepEqual(store.lookup('AKIDALICE'), good.credentials[0]);
  assert.deepEqual(store.lookup('ASIABOB'), good.credentials[1]);
  assert.equal(store.lookup('AKIDNOBODY'), undefined);
  assert.deepEqual(store.extraRegions, ['eu-west-1']);
});

test('the file wins over the single-key environment variables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openqldb-creds-'));
  const file = join(dir, 'creds.json');
  writeFileSync(file, JSON.stringify(good));
  const store = loadCredentials(loadConfig(['--credentials-file', file], {}), { OPENQLDB_ACCESS_KEY_ID: 'AKIDENV', OPENQLDB_SECRET_ACCESS_KEY: 'x' });
  assert.equal(store.lookup('AKIDENV'), undefined);
});

test('broken credentials files stop start-up with a message naming the problem and no secret', () => {
  const cases: [unknown, RegExp][] = [
    [{}, /must have a "credentials" array/],
    [[], /must be a JSON object/],
    [{ credentials: [{ accessKeyId: 'A', secretAccessKey: 'topsecret', accountId: '12' }] }, /credentials\[0\]\.accountId must be 12 digits/],
    [{ credentials: [{ accessKeyId: 'A', accountId: '111111111111' }] }, /credentials\[0\]\.secretAccessKey must be a non-empty string/],
    [{ credentials: [{ accessKeyId: 'A/B', secretAccessKey: 'topsecret', accountId: '111111111111' }] }, /may not contain whitespace/],
    [
      {
        credentials: [
          { accessKeyId: 'A', secretAccessKey: 'topsecret', accountId: '111111111111' },
          { accessKeyId: 'A', secretAccessKey: 'other', accountId: '222222222222' },
        ],
      },
      /credentials\[1\]\.accessKeyId A appears more than once/,
    ],
    [{ credentials: [{ accessKeyId: 'A', secretAccessKey: 'topsecret', accountId: '111111111111', sessionToken: 5 }] }, /sessionToken must be a non-empty string/],
    [{ credentials: [], regions: ['Mars'] }, /"regions" must be an array of region names/],
  ];
  for (const [doc, message] of cases) {
    assert.throws(
      () => parseCredentials(JSON.stringify(doc), 'f.json'),
      (e: Error) => {
        assert.match(e.message, message);
        assert.doesNotMatch(e.message, /topsecret/);
        return true;
      },
    );
  }
  assert.throws(() => parseCredentials('{"credentials": [', 'f.json'), /f\.json: not valid JSON/);
});

test('a missing or empty file is a start-up error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openqldb-creds-'));
  assert.throws(() => loadCredentials(loadConfig(['--credentials-file', join(dir, 'nope.json')], {}), {}), /ENOENT/);
  const empty = join(dir, 'empty.json');
  writeFileSync(empty, '{"credentials": []}');
  assert.throws(() => loadCredentials(loadConfig(['--credentials-file', empty], {}), {}), /lists no credentials/);
});

test('the single environment key belongs to OPENQLDB_ACCOUNT_ID, else the server account', () => {
  const config = loadConfig(['--account-id', '999999999999'], {});
  const store = loadCredentials(config, { OPENQLDB_ACCESS_KEY_ID: 'AKIDENV', OPENQLDB_SECRET_ACCESS_KEY: 'x' });
  assert.equal(store.lookup('AKIDENV')?.accountId, '999999999999');
  assert.throws(() => loadCredentials(config, { OPENQLDB_ACCESS_KEY_ID: 'AKIDENV', OPENQLDB_SECRET_ACCESS_KEY: 'x', OPENQLDB_ACCOUNT_ID: 'abc' }), /12 digits/);
});
