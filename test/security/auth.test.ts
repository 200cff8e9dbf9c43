/**
 * `--auth strict` as the real clients see it: @aws-sdk/client-qldb(+session), /usr/bin/aws and
 * boto3 with good keys get through; a wrong secret, a stale or future date, a tampered body, a
 * wrong region scope, an unknown key or no signature at all come back as AWS's error shapes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { CreateLedgerCommand, ListLedgersCommand, ListTagsForResourceCommand, QLDBClient, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-qldb';
import { QLDBSessionClient, SendCommandCommand } from '@aws-sdk/client-qldb-session';
import { startServer, type TestServer } from '../helpers/server';
import { aws } from '../helpers/awscli';
import { boto } from '../helpers/boto';
import { send, sign } from '../helpers/sign';

const ALICE = { accessKeyId: 'AKIDALICE0000001', secretAccessKey: 'alice/secret+key', accountId: '111111111111' };
const TEMP = { accessKeyId: 'ASIATEMP00000001', secretAccessKey: 'temp-secret', accountId: '111111111111', sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//token==' };
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

async function sdkRejects(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  try {
    await p;
  } catch (e: any) {
    assert.equal(e.name, name, e.message);
    assert.equal(e.$metadata?.httpStatusCode, 403);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return;
  }
  assert.fail(`expected ${name}`);
}

const keys = (k: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => ({
  AWS_ACCESS_KEY_ID: k.accessKeyId,
  AWS_SECRET_ACCESS_KEY: k.secretAccessKey,
  ...(k.sessionToken ? { AWS_SESSION_TOKEN: k.sessionToken } : {}),
});

describe('--auth strict with a credentials file', () => {
  let server: TestServer;
  const clients: { destroy(): void }[] = [];
  const qldb = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, extra: Record<string, unknown> = {}) => {
    const c = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials, maxAttempts: 1, ...extra });
    clients.push(c);
    return c;
  };

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openqldb-auth-'));
    const file = join(dir, 'credentials.json');
    writeFileSync(file, JSON.stringify({ credentials: [ALICE, TEMP] }));
    server = await startServer(['--auth', 'strict', '--credentials-file', file]);
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server.dispose();
  });

  it('accepts valid keys from the JS SDK, the AWS CLI and boto3 as the key’s account', async () => {
    const created = await qldb(ALICE).send(new CreateLedgerCommand({ Name: 'alice-ledger', PermissionsMode: 'STANDARD' }));
    assert.equal(created.Arn, `arn:aws:qldb:us-east-1:${ALICE.accountId}:ledger/alice-ledger`);

    const cli = await aws(server.endpoint, ['qldb', 'describe-ledger', '--name', 'alice-ledger'], keys(ALICE));
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.json.Arn, created.Arn);

    const py = await boto({ endpoint: server.endpoint, ...ALICE, op: 'list_ledgers' });
    assert.equal(py.ok, true, py.message);
    assert.deepEqual(py.result.Ledgers.map((l: any) => l.Name), ['alice-ledger']);
  });

  it('verifies signatures over encoded ARN labels and repeated query keys from every client', async () => {
    // The tag operations put a whole ARN (':' and '/') in one path label and a list in the query:
    // the two places where client and server canonicalisation could drift apart.
    const arn = `arn:aws:qldb:us-east-1:${ALICE.accountId}:ledger/alice-ledger`;
    const sdk = qldb(ALICE);
    await sdk.send(new TagResourceCommand({ ResourceArn: arn, Tags: { 'team/a b': 'x+y=z', env: 'test' } }));
    const cli = await aws(server.endpoint, ['qldb', 'tag-resource', '--resource-arn', arn, '--tags', 'cli=1,other=2'], keys(ALICE));
    assert.equal(cli.code, 0, cli.stderr);
    const py = await boto({ endpoint: server.endpoint, ...ALICE, op: 'untag_resource', params: { ResourceArn: arn, TagKeys: ['other', 'env'] } });
    assert.equal(py.ok, true, py.message);
    const cliUntag = await aws(server.endpoint, ['qldb', 'untag-resource', '--resource-arn', arn, '--tag-keys', 'cli'], keys(ALICE));
    assert.equal(cliUntag.code, 0, cliUntag.stderr);
    await sdk.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['nothing-here', 'team/a b'] }));
    await sdk.send(new TagResourceCommand({ ResourceArn: arn, Tags: { kept: 'yes' } }));
    const listed = await boto({ endpoint: server.endpoint, ...ALICE, op: 'list_tags_for_resource', params: { ResourceArn: arn } });
    assert.deepEqual(listed.result?.Tags, { kept: 'yes' });
    assert.deepEqual((await sdk.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags, { kept: 'yes' });
  });

  it('signs the session API (JSON 1.0) the same way: driver-style SDK calls, the AWS CLI and boto3 get sessions', async () => {
    const session = new QLDBSessionClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: ALICE, maxAttempts: 1 });
    clients.push(session);
    const started = await session.send(new SendCommandCommand({ StartSession: { LedgerName: 'alice-ledger' } }));
    assert.ok(started.StartSession?.SessionToken);
    const cli = await aws(server.endpoint, ['qldb-session', 'send-command', '--start-session', 'LedgerName=alice-ledger'], keys(TEMP));
    assert.equal(cli.code, 0, cli.stderr);
    assert.ok(cli.json.StartSession.SessionToken);
    const py = await boto({ endpoint: server.endpoint, ...ALICE, service: 'qldb-session', op: 'send_command', params: { StartSession: { LedgerName: 'alice-ledger' } } });
    assert.equal(py.ok, true, py.message);
    const pyWrong = await boto({ endpoint: server.endpoint, ...ALICE, secretAccessKey: 'wrong', service: 'qldb-session', op: 'send_command', params: { StartSession: { LedgerName: 'alice-ledger' } } });
    assert.deepEqual(pyWrong, { ok: false, code: 'InvalidSignatureException', message: MISMATCH, status: 403 });
  });

  it('accepts temporary credentials with their session token from all three clients', async () => {
    const listed = await qldb(TEMP).send(new ListLedgersCommand({}));
    assert.deepEqual(listed.Ledgers?.map((l) => l.Name), ['alice-ledger']);
    const cli = await aws(server.endpoint, ['qldb', 'list-ledgers'], keys(TEMP));
    assert.equal(cli.code, 0, cli.stderr);
    const py = await boto({ endpoint: server.endpoint, ...TEMP, op: 'list_ledgers' });
    assert.equal(py.ok, true, py.message);
  });

  it('refuses a wrong secret with InvalidSignatureException (403) in every client', async () => {
    const wrong = { accessKeyId: ALICE.accessKeyId, secretAccessKey: 'not-the-secret' };
    await sdkRejects(qldb(wrong).send(new ListLedgersCommand({})), 'InvalidSignatureException', MISMATCH);

    const session = new QLDBSessionClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: wrong, maxAttempts: 1 });
    clients.push(session);
    await sdkRejects(session.send(new SendCommandCommand({ StartSession: { LedgerName: 'alice-ledger' } })), 'InvalidSignatureException', MISMATCH);

    const cli = await aws(server.endpoint, ['qldb', 'list-ledgers'], keys(wrong));
    assert.notEqual(cli.code, 0);
    assert.equal(cli.errorCode, 'InvalidSignatureException', cli.stderr);
    assert.ok(cli.stderr.includes(MISMATCH), cli.stderr);

    const py = await boto({ endpoint: server.endpoint, ...wrong, op: 'list_ledgers' });
    assert.deepEqual(py, { ok: false, code: 'InvalidSignatureException', message: MISMATCH, status: 403 });
  });

  it('refuses an unknown key with UnrecognizedClientException, and a wrong session token likewise', async () => {
    const stranger = { accessKeyId: 'AKIDSTRANGER0001', secretAccessKey: 'whatever' };
    await sdkRejects(qldb(stranger).send(new ListLedgersCommand({})), 'UnrecognizedClientException', INVALID_TOKEN);
    const cli = await aws(server.endpoint, ['qldb', 'list-ledgers'], keys(stranger));
    assert.equal(cli.errorCode, 'UnrecognizedClientException', cli.stderr);
    const py = await boto({ endpoint: server.endpoint, ...stranger, op: 'list_ledgers' });
    assert.deepEqual(py, { ok: false, code: 'UnrecognizedClientException', message: INVALID_TOKEN, status: 403 });

    const badToken = { ...TEMP, sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//forged==' };
    await sdkRejects(qldb(badToken).send(new ListLedgersCommand({})), 'UnrecognizedClientException', INVALID_TOKEN);
    const noToken = { accessKeyId: TEMP.accessKeyId, secretAccessKey: TEMP.secretAccessKey };
    const cli2 = await aws(server.endpoint, ['qldb', 'list-ledgers'], keys(noToken));
    assert.equal(cli2.errorCode, 'UnrecognizedClientException', cli2.stderr);
  });

  it('refuses a credential scope for another region with AWS’s scope message', async () => {
    const message = "Credential should be scoped to a valid region, not 'eu-west-1'. ";
    await sdkRejects(qldb(ALICE, { region: 'eu-west-1' }).send(new ListLedgersCommand({})), 'InvalidSignatureException', message);
    const cli = await aws(server.endpoint, ['qldb', 'list-ledgers', '--region', 'eu-west-1'], keys(ALICE));
    assert.equal(cli.errorCode, 'InvalidSignatureException', cli.stderr);
    assert.ok(cli.stderr.includes("not 'eu-west-1'"), cli.stderr);
    const py = await boto({ endpoint: server.endpoint, ...ALICE, region: 'eu-west-1', op: 'list_ledgers' });
    assert.deepEqual(py, { ok: false, code: 'InvalidSignatureException', message, status: 403 });
  });

  it('refuses a clock 20 minutes off in either direction (SDK clock offset, and a pre-signed request)', async () => {
    await sdkRejects(
      qldb(ALICE, { systemClockOffset: -20 * 60_000 }).send(new ListLedgersCommand({})),
      'InvalidSignatureException',
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
    );
    await sdkRejects(
      qldb(ALICE, { systemClockOffset: 20 * 60_000 }).send(new ListLedgersCommand({})),
      'InvalidSignatureException',
      /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/,
    );
    const host = new URL(server.endpoint).host;
    const stale = await sign({ method: 'GET', host, path: '/ledgers', ...ALICE, date: new Date(Date.now() - 3600_000) });
    const res = await send(server.endpoint, stale);
    assert.equal(res.status, 403);
    assert.equal(res.headers['x-amzn-errortype'], 'InvalidSignatureException');
    assert.match(JSON.parse(res.body).Message, /^Signature expired: /);
  });

  it('refuses a request whose body was changed after signing', async () => {
    const host = new URL(server.endpoint).host;
    const body = JSON.stringify({ Name: 'signed-name', PermissionsMode: 'STANDARD' });
    const req = await sign({ method: 'POST', host, path: '/ledgers', headers: { 'content-type': 'application/json' }, body, ...ALICE });
    const tampered = JSON.stringify({ Name: 'other-name', PermissionsMode: 'STANDARD' });
    for (const sha of [true, false]) {
      const r = await sign({ method: 'POST', host, path: '/ledgers', headers: { 'content-type': 'application/json' }, body, ...ALICE, contentSha256: sha });
      const res = await send(server.endpoint, { ...r, body: tampered });
      assert.equal(res.status, 403);
      assert.equal(res.headers['x-amzn-errortype'], 'InvalidSignatureException');
      assert.equal(JSON.parse(res.body).Message, MISMATCH);
    }
    // the untampered request goes through, so the refusals above were about the body alone
    const ok = await send(server.endpoint, req);
    assert.equal(ok.status, 200, ok.body);
    const names = (await qldb(ALICE).send(new ListLedgersCommand({}))).Ledgers?.map((l) => l.Name).sort();
    assert.deepEqual(names, ['alice-ledger', 'signed-name']);
  });

  it('refuses an unsigned request with MissingAuthenticationTokenException on both APIs', async () => {
    const control = await send(server.endpoint, { method: 'GET', url: '/ledgers', headers: {} });
    assert.equal(control.status, 403);
    assert.equal(control.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException');
    assert.equal(JSON.parse(control.body).Message, 'Missing Authentication Token');
    const session = await send(server.endpoint, {
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'QLDBSession.SendCommand' },
      body: JSON.stringify({ StartSession: { LedgerName: 'alice-ledger' } }),
    });
    assert.equal(session.status, 403);
    assert.equal(session.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException');
  });

  it('refuses an unsigned upload before reading its body', async () => {
    // Headers promise 8 MB that never come: only a server that checks the signature's headers
    // before buffering the body can answer at all.
    const u = new URL(server.endpoint);
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(u.port), u.hostname, () =>
        socket.write(`POST /ledgers HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: 8000000\r\n\r\n{"Name":`),
      );
      let got = '';
      socket.on('data', (c: Buffer) => {
        got += c.toString('latin1');
        if (got.includes('\r\n\r\n')) socket.destroy();
      });
      socket.on('close', () => resolve(got));
      socket.on('error', () => undefined);
      socket.setTimeout(3000, () => socket.destroy());
    });
    assert.match(answer, /^HTTP\/1\.1 403 /, 'no answer within 3 s: the body is being read before authentication');
    assert.match(answer, /x-amzn-ErrorType: MissingAuthenticationTokenException/i);
  });

  it('never writes a secret to the server log', () => {
    const log = server.output();
    for (const secret of [ALICE.secretAccessKey, TEMP.secretAccessKey, TEMP.sessionToken, 'not-the-secret']) {
      assert.ok(!log.includes(secret), `server output contains ${secret}`);
    }
  });
});

describe('--auth strict from the environment, and without any keys', () => {
  it('takes a single key from OPENQLDB_ACCESS_KEY_ID / OPENQLDB_SECRET_ACCESS_KEY / OPENQLDB_ACCOUNT_ID', async () => {
    const server = await startServer(['--auth', 'strict'], {
      env: { OPENQLDB_ACCESS_KEY_ID: 'AKIDFROMENV00001', OPENQLDB_SECRET_ACCESS_KEY: 'env/secret', OPENQLDB_ACCOUNT_ID: '333333333333' },
    });
    const good = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDFROMENV00001', secretAccessKey: 'env/secret' }, maxAttempts: 1 });
    const other = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: ALICE, maxAttempts: 1 });
    try {
      const created = await good.send(new CreateLedgerCommand({ Name: 'env-ledger', PermissionsMode: 'STANDARD' }));
      assert.equal(created.Arn, 'arn:aws:qldb:us-east-1:333333333333:ledger/env-ledger');
      await sdkRejects(other.send(new ListLedgersCommand({})), 'UnrecognizedClientException', INVALID_TOKEN);
      assert.ok(!server.output().includes('env/secret'));
    } finally {
      good.destroy();
      other.destroy();
      await server.dispose();
    }
  });

  it('refuses to start with --auth strict and no credentials, saying what is missing', async () => {
    const env = { OPENQLDB_ACCESS_KEY_ID: '', OPENQLDB_SECRET_ACCESS_KEY: '', OPENQLDB_CREDENTIALS_FILE: '' };
    await assert.rejects(startServer(['--auth', 'strict'], { env }), /needs --credentials-file or OPENQLDB_ACCESS_KEY_ID/);
    const dir = mkdtempSync(join(tmpdir(), 'openqldb-auth-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify({ credentials: [{ accessKeyId: 'AKID', secretAccessKey: 'do-not-print-me', accountId: 'nope' }] }));
    await assert.rejects(startServer(['--auth', 'strict', '--credentials-file', file], { env }), (e: Error) => {
      assert.match(e.message, /credentials\[0\]\.accountId must be 12 digits/);
      assert.doesNotMatch(e.message, /do-not-print-me/);
      return true;
    });
  });
});
