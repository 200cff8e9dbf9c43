/**
 * What `openqldb shell` says when it cannot work: one line naming the cause (AWS's error type
 * for a refusal), no stack trace, exit code 1, before any statement runs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closedPort } from '../../helpers/net';
import { startServer, testCredentials, type TestServer } from '../../helpers/server';
import { createLedger } from '../../clients/sessionHelpers';
import { shell, shellEnv, type Run } from './helpers';

function assertOneLineError(r: Run, pattern: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('openqldb: no AWS credentials found'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], pattern);
}

describe('a ledger that does not exist, an endpoint that does not answer', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer(['--log-requests', 'false']);
  });
  after(() => server.dispose());

  it('a missing ledger is named, with the server’s error', async () => {
    const r = await shell(['--ledger', 'no-such-ledger', '--endpoint', server.endpoint], 'SELECT * FROM T;');
    assertOneLineError(r, /^openqldb shell: cannot open ledger no-such-ledger: BadRequestException: Ledger no-such-ledger does not exist$/);
  });

  it('an endpoint nothing listens on: "cannot reach <endpoint>"', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const r = await shell(['--ledger', 'any', '--endpoint', endpoint], 'SELECT * FROM T;');
    assertOneLineError(r, new RegExp(`^openqldb shell: cannot reach ${endpoint} \\(connection refused\\)$`));
  });
});

describe('--auth strict', () => {
  const LEDGER = 'strict-shell';
  let server: TestServer;
  before(async () => {
    server = await startServer(['--auth', 'strict', '--log-requests', 'false'], {
      env: { OPENQLDB_ACCESS_KEY_ID: testCredentials.accessKeyId, OPENQLDB_SECRET_ACCESS_KEY: testCredentials.secretAccessKey, OPENQLDB_ACCOUNT_ID: '111122223333' },
    });
    await createLedger(server.endpoint, LEDGER);
  });
  after(() => server.dispose());

  it('a wrong secret key is refused with AWS’s error type and message', async () => {
    const r = await shell(['--ledger', LEDGER, '--endpoint', server.endpoint], 'SELECT 1 FROM T;', shellEnv({ AWS_SECRET_ACCESS_KEY: 'not-the-secret' }));
    assertOneLineError(r, new RegExp(`^openqldb shell: cannot open ledger ${LEDGER}: InvalidSignatureException: The request signature we calculated does not match`));
  });

  it('an unknown access key is refused with AWS’s error type and message', async () => {
    const r = await shell(['--ledger', LEDGER, '--endpoint', server.endpoint], 'SELECT 1 FROM T;', shellEnv({ AWS_ACCESS_KEY_ID: 'AKIDUNKNOWN' }));
    assertOneLineError(r, new RegExp(`^openqldb shell: cannot open ledger ${LEDGER}: UnrecognizedClientException: `));
  });

  it('with the right key every statement works, in both auto-commit and an explicit transaction', async () => {
    const r = await shell(
      ['--ledger', LEDGER, '--endpoint', server.endpoint, '--format', 'json'],
      "CREATE TABLE T;\nBEGIN;\nINSERT INTO T {'a': 1};\nCOMMIT;\nSELECT VALUE a FROM T;\n",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\n\[1\]\n$/);
  });
});
