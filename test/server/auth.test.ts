import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthenticator, type Authenticator, type SignedRequest } from '../../src/server/auth';
import { createCredentialStore } from '../../src/server/credentials';
import { loadConfig } from '../../src/config';
import { ServiceError } from '../../src/server/errors';
import { sign, type SignInput } from '../helpers/sign';
import { rng } from '../helpers/fuzz';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const HOST = '127.0.0.1:8000';
const A = { accessKeyId: 'AKIDALICE', secretAccessKey: 'alice-secret', accountId: '111111111111' };
const B = { accessKeyId: 'AKIDBOB', secretAccessKey: 'bob-secret', accountId: '222222222222' };
const TEMP = { accessKeyId: 'ASIATEMP', secretAccessKey: 'temp-secret', accountId: '333333333333', sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN' };

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function strict(now = NOW, extraRegions: string[] = []): Authenticator {
  const config = loadConfig(['--auth', 'strict', '--region', 'us-east-1'], {});
  return createAuthenticator(config, { credentials: createCredentialStore([A, B, TEMP], extraRegions), now: () => now });
}

const base = (over: Partial<SignInput> = {}): SignInput => ({
  method: 'POST',
  host: HOST,
  path: '/ledgers',
  headers: { 'content-type': 'application/json' },
  body: '{"Name":"my-ledger","PermissionsMode":"STANDARD"}',
  ...A,
  date: new Date(NOW),
  ...over,
});

/** The request exactly as the server would receive it (SignedRequest). */
async function signed(over: Partial<SignInput> = {}): Promise<SignedRequest> {
  const r = await sign(base(over));
  return { method: r.method, url: r.url, headers: r.headers, body: r.body };
}

async function rejects(auth: Authenticator, req: SignedRequest, type: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(auth.authenticate(req), (e: unknown) => {
    assert.ok(e instanceof ServiceError, `expected a ServiceError, got ${String(e)}`);
    assert.equal(e.type, type, e.message);
    assert.equal(e.status, 403);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return true;
  });
}

test('a request signed like the JS SDK (x-amz-content-sha256 and amz-sdk headers signed) is accepted as its account', async () => {
  const req = await signed({ headers: { 'content-type': 'application/json', 'amz-sdk-invocation-id': 'c0ffee', 'amz-sdk-request': 'attempt=1; max=3' } });
  assert.ok(req.headers['x-amz-content-sha256']);
  assert.match(String(req.headers.authorization), /SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-type;host;x-amz-content-sha256;x-amz-date,/);
  assert.deepEqual(await strict().authenticate(req), { accountId: A.accountId, region: 'us-east-1', accessKeyId: A.accessKeyId });
});

test('a request signed like botocore (host;x-amz-date;content-type;x-amz-target only, body hashed) is accepted', async () => {
  const req = await signed({
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'QLDBSession.SendCommand' },
    body: '{"StartSession": {"LedgerName": "my-ledger"}}',
    contentSha256: false,
    ...B,
  });
  assert.equal(req.headers['x-amz-content-sha256'], undefined);
  // headers added after signing, as botocore's HTTP layer does, are not part of the signature
  req.headers['user-agent'] = 'aws-cli/2.9.19';
  req.headers['content-length'] = String(req.body.length);
  assert.deepEqual(await strict().authenticate(req), { accountId: B.accountId, region: 'us-east-1', accessKeyId: B.accessKeyId });
});

test('a GET with an encoded path label and a query string that needs escaping verifies', async () => {
  const req = await signed({
    method: 'GET',
    path: '/ledgers/my%2Dledger/journal-s3-exports',
    query: { max_results: '5', next_token: 'a+b/c=d e~' },
    headers: {},
    body: '',
  });
  assert.match(req.url, /next_token=a%2Bb%2Fc%3Dd%20e~/);
  assert.equal((await strict().authenticate(req)).accountId, A.accountId);
});

test('a wrong secret, a tampered body, path, query or signed header each fail with the mismatch message', async () => {
  const auth = strict();
  await rejects(auth, await signed({ secretAccessKey: 'not-alice-secret' }), 'InvalidSignatureException', MISMATCH);

  const body = await signed();
  body.body = Buffer.from('{"Name":"other-ledger","PermissionsMode":"STANDARD"}');
  await rejects(auth, body, 'InvalidSignatureException', MISMATCH);

  // without x-amz-content-sha256 (botocore) the body is hashed by the server instead
  const bodyBoto = await signed({ contentSha256: false });
  bodyBoto.body = Buffer.from('{"Name":"other-ledger","PermissionsMode":"ALLOW_ALL"}');
  await rejects(auth, bodyBoto, 'InvalidSignatureException', MISMATCH);

  const path = await signed({ method: 'DELETE', path: '/ledgers/alice-ledger', body: '' });
  path.url = '/ledgers/bob-ledger';
  await rejects(auth, path, 'InvalidSignatureException', MISMATCH);

  const query = await signed({ method: 'GET', path: '/ledgers', query: { max_results: '1' }, body: '' });
  query.url = '/ledgers?max_results=100';
  await rejects(auth, query, 'InvalidSignatureException', MISMATCH);

  const hdr = await signed();
  hdr.headers['content-type'] = 'text/plain';
  await rejects(auth, hdr, 'InvalidSignatureException', MISMATCH);

  const short = await signed();
  short.headers.authorization = String(short.headers.authorization).replace(/Signature=\w+/, 'Signature=abc');
  await rejects(auth, short, 'InvalidSignatureException', MISMATCH);
});

test('a signed header the request no longer carries fails the comparison', async () => {
  const req = await signed({ headers: { 'content-type': 'application/json', 'x-amz-target': 'x' } });
  delete req.headers['x-amz-target'];
  await rejects(strict(), req, 'InvalidSignatureException', MISMATCH);
});

test('the 15-minute skew window: 14 minutes either way passes, 16 minutes fails with AWS wording', async () => {
  const auth = strict();
  assert.ok(await auth.authenticate(await signed({ date: new Date(NOW - 14 * 60_000) })));
  assert.ok(await auth.authenticate(await signed({ date: new Date(NOW + 14 * 60_000) })));
  await rejects(
    auth,
    await signed({ date: new Date(NOW - 16 * 60_000) }),
    'InvalidSignatureException',
    'Signature expired: 20261124T114400Z is now earlier than 20261124T114500Z (20261124T120000Z - 15 min.)',
  );
  await rejects(
    auth,
    await signed({ date: new Date(NOW + 16 * 60_000) }),
    'InvalidSignatureException',
    'Signature not yet current: 20261124T121600Z is still later than 20261124T121500Z (20261124T120000Z + 15 min.)',
  );
});

test('credential scope: wrong region, wrong service, wrong terminator and a date not matching x-amz-date', async () => {
  const auth = strict();
  await rejects(auth, await signed({ region: 'us-west-2' }), 'InvalidSignatureException', "Credential should be scoped to a valid region, not 'us-west-2'. ");
  await rejects(auth, await signed({ service: 'dynamodb' }), 'InvalidSignatureException', "Credential should be scoped to correct service: 'qldb'. ");
  const term = await signed();
  term.headers.authorization = String(term.headers.authorization).replace('/aws4_request', '/aws5_request');
  await rejects(auth, term, 'InvalidSignatureException', "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ");
  const day = await signed();
  day.headers.authorization = String(day.headers.authorization).replace('/20261124/', '/20261123/');
  await rejects(
    auth,
    day,
    'InvalidSignatureException',
    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261123' != '20261124', from '20261124T120000Z'.",
  );
});

test('regions listed in the credentials file are accepted and become the caller region', async () => {
  const caller = await strict(NOW, ['eu-west-1']).authenticate(await signed({ region: 'eu-west-1' }));
  assert.deepEqual(caller, { accountId: A.accountId, region: 'eu-west-1', accessKeyId: A.accessKeyId });
});

test('an unknown access key is UnrecognizedClientException', async () => {
  await rejects(strict(), await signed({ accessKeyId: 'AKIDMALLORY' }), 'UnrecognizedClientException', 'The security token included in the request is invalid.');
});

test('no Authorization header is MissingAuthenticationTokenException', async () => {
  const req = await signed();
  delete req.headers.authorization;
  await rejects(strict(), req, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
});

test('malformed Authorization headers are IncompleteSignatureException with AWS wording', async () => {
  const auth = strict();
  const bearer = await signed();
  bearer.headers.authorization = 'Bearer abc.def';
  await rejects(
    auth,
    bearer,
    'IncompleteSignatureException',
    "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=Bearer abc.def",
  );
  const noDate = await signed();
  delete noDate.headers['x-amz-date'];
  await rejects(auth, noDate, 'IncompleteSignatureException', /^Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header\. Authorization=AWS4-HMAC-SHA256 /);
  const noEq = await signed();
  noEq.headers.authorization = String(noEq.headers.authorization).replace('Credential=', 'Credential ');
  await rejects(auth, noEq, 'IncompleteSignatureException', /^'Credential AKIDALICE\/20261124\/us-east-1\/qldb\/aws4_request' not a valid key=value pair \(missing equal-sign\)/);
  const four = await signed();
  four.headers.authorization = String(four.headers.authorization).replace('/qldb/', '/');
  await rejects(
    auth,
    four,
    'IncompleteSignatureException',
    "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDALICE/20261124/us-east-1/aws4_request'",
  );
  const badDate = await signed();
  badDate.headers['x-amz-date'] = '2026-11-24T12:00:00Z';
  await rejects(auth, badDate, 'IncompleteSignatureException', "Date must be in ISO-8601 'basic format'. Got '2026-11-24T12:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601");
  const notADay = await signed();
  notADay.headers['x-amz-date'] = '20261324T120000Z';
  await rejects(auth, notADay, 'IncompleteSignatureException', /^Date must be in ISO-8601 'basic format'/);
});

test('host must be among the signed headers', async () => {
  const req = await signed();
  req.headers.authorization = String(req.headers.authorization).replace(';host;', ';');
  await rejects(strict(), req, 'InvalidSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
});

test('temporary credentials: the signed session token must match; missing, wrong or unsigned tokens are refused', async () => {
  const auth = strict();
  const ok = await signed({ ...TEMP });
  assert.equal(ok.headers['x-amz-security-token'], TEMP.sessionToken);
  assert.match(String(ok.headers.authorization), /x-amz-security-token/);
  assert.equal((await auth.authenticate(ok)).accountId, TEMP.accountId);

  await rejects(auth, await signed({ ...TEMP, sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEX' }), 'UnrecognizedClientException');
  await rejects(auth, await signed({ ...TEMP, sessionToken: undefined }), 'UnrecognizedClientException');
  // a token presented with a long-term key is not that key's
  await rejects(auth, await signed({ sessionToken: TEMP.sessionToken }), 'UnrecognizedClientException');

  const unsigned = await signed({ ...TEMP, sessionToken: undefined });
  unsigned.headers['x-amz-security-token'] = TEMP.sessionToken;
  await rejects(auth, unsigned, 'InvalidSignatureException', MISMATCH);
});

test('UNSIGNED-PAYLOAD is honoured, and a declared hash that is not the body hash is refused', async () => {
  const auth = strict();
  const unsigned = await signed({ headers: { 'content-type': 'application/json', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
  assert.ok(await auth.authenticate(unsigned));

  const lying = await signed({ headers: { 'content-type': 'application/json', 'x-amz-content-sha256': '0'.repeat(64) } });
  await rejects(auth, lying, 'InvalidSignatureException', MISMATCH);
});

test('hostile input never escapes as anything but an auth error', async () => {
  const auth = strict();
  const badEscape = await signed({ method: 'GET', path: '/ledgers', query: { max_results: '1' }, body: '' });
  badEscape.url = '/ledgers?max_results=%E0%A4%A';
  await rejects(auth, badEscape, 'InvalidSignatureException');

  const proto = await signed();
  proto.headers.authorization = String(proto.headers.authorization).replace('SignedHeaders=', 'SignedHeaders=__proto__;constructor;');
  await rejects(auth, proto, 'InvalidSignatureException', MISMATCH);

  const dots = await signed({ method: 'GET', path: '/ledgers/../ledgers/./x%2F..%2Fy', body: '' });
  assert.ok(await auth.authenticate(dots), 'dot segments are normalised the way the SDK signer does');

  const huge = await signed();
  huge.headers.authorization = 'AWS4-HMAC-SHA256 ' + 'Credential=x,'.repeat(10_000);
  await rejects(auth, huge, 'IncompleteSignatureException');
});

test('auth off: signed, unsigned and garbage-signed requests are all the default account', async () => {
  const config = loadConfig(['--account-id', '123456789012', '--region', 'eu-central-1'], {});
  const auth = createAuthenticator(config);
  const expected = { accountId: '123456789012', region: 'eu-central-1' };
  const req = await signed({ region: 'us-west-2' });
  assert.deepEqual(await auth.authenticate(req), expected);
  delete req.headers.authorization;
  assert.deepEqual(await auth.authenticate(req), expected);
  req.headers.authorization = 'garbage';
  assert.deepEqual(await auth.authenticate(req), expected);
});

test('auth strict without any keys refuses to start; a single key can come from the environment', async () => {
  const config = loadConfig(['--auth', 'strict'], {});
  assert.throws(() => createAuthenticator(config, { env: {} }), /needs --credentials-file or OPENQLDB_ACCESS_KEY_ID/);
  assert.throws(() => createAuthenticator(config, { env: { OPENQLDB_ACCESS_KEY_ID: 'AKID' } }), /must be set together/);
  const auth = createAuthenticator(config, {
    env: { OPENQLDB_ACCESS_KEY_ID: 'AKIDENV', OPENQLDB_SECRET_ACCESS_KEY: 'env-secret', OPENQLDB_ACCOUNT_ID: '444444444444' },
    now: () => NOW,
  });
  const caller = await auth.authenticate(await signed({ accessKeyId: 'AKIDENV', secretAccessKey: 'env-secret' }));
  assert.deepEqual(caller, { accountId: '444444444444', region: 'us-east-1', accessKeyId: 'AKIDENV' });
  await rejects(auth, await signed(), 'UnrecognizedClientException');
});

test('precheck refuses what it can without the body, and leaves the signature to authenticate', async () => {
  const auth = strict();
  const ok = await signed();
  const { body: _body, ...headersOnly } = ok;
  assert.doesNotThrow(() => auth.precheck(headersOnly));

  const refused = (req: Omit<SignedRequest, 'body'>, type: string) =>
    assert.throws(
      () => auth.precheck(req),
      (e: unknown) => e instanceof ServiceError && e.type === type && e.status === 403,
    );
  refused({ ...headersOnly, headers: { ...ok.headers, authorization: undefined } }, 'MissingAuthenticationTokenException');
  refused({ ...headersOnly, headers: { ...ok.headers, authorization: 'Bearer x' } }, 'IncompleteSignatureException');
  const { body: _b2, ...stranger } = await signed({ accessKeyId: 'AKIDMALLORY' });
  refused(stranger, 'UnrecognizedClientException');
  const { body: _b3, ...stale } = await signed({ date: new Date(NOW - 20 * 60_000) });
  refused(stale, 'InvalidSignatureException');

  // a wrong secret only shows in the signature, which needs the whole request
  const { body: _b4, ...wrongSecret } = await signed({ secretAccessKey: 'nope' });
  assert.doesNotThrow(() => auth.precheck(wrongSecret));
  await rejects(auth, { ...wrongSecret, body: ok.body }, 'InvalidSignatureException', MISMATCH);

  const off = createAuthenticator(loadConfig([], {}));
  assert.doesNotThrow(() => off.precheck({ method: 'GET', url: '/', headers: {} }));
});

test('3,000 seeded mutations of a signed request: only auth errors come out, and nothing is accepted as anyone else', async (t) => {
  const auth = strict();
  const r = rng(99);
  const base = await signed({ method: 'GET', path: '/ledgers/my-ledger', query: { max_results: '5' }, headers: { 'content-type': 'application/json', 'x-amz-target': 'x' }, body: '' });
  const junk = ['', ' ', ',', '=', '/', ';', '\u0000', '\u00ff', '💩', 'AWS4-HMAC-SHA256', 'Credential=', 'SignedHeaders=host', 'Signature=00', '%', '%zz', '\r\n'];
  const splice = (s: string) => {
    const at = r.int(0, s.length);
    const cut = r.int(0, 3);
    return s.slice(0, at) + r.pick(junk) + s.slice(at + cut);
  };
  const types = new Map<string, number>();
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const req: SignedRequest = { ...base, headers: { ...base.headers }, body: Buffer.from(base.body) };
    for (let k = r.int(1, 3); k > 0; k--) {
      const target = r.pick(['authorization', 'authorization', 'x-amz-date', 'host', 'content-type', 'x-amz-content-sha256', 'url', 'body', 'x-amz-security-token']);
      if (target === 'url') req.url = splice(req.url);
      else if (target === 'body') req.body = Buffer.from(splice(req.body.toString('latin1')), 'latin1');
      else req.headers[target] = splice(String(req.headers[target] ?? ''));
    }
    try {
      const caller = await auth.authenticate(req);
      accepted++;
      // a mutation the canonical form absorbs (blanks, separators, case) may pass, but only as Alice
      assert.deepEqual(caller, { accountId: A.accountId, region: 'us-east-1', accessKeyId: A.accessKeyId });
    } catch (e) {
      assert.ok(e instanceof ServiceError, `mutation ${i} escaped as ${String(e)}`);
      assert.equal(e.status, 403);
      types.set(e.type, (types.get(e.type) ?? 0) + 1);
    }
  }
  assert.deepEqual(
    [...types.keys()].filter((t) => !['MissingAuthenticationTokenException', 'IncompleteSignatureException', 'UnrecognizedClientException', 'InvalidSignatureException'].includes(t)),
    [],
  );
  t.diagnostic(`accepted ${accepted}; refused ${JSON.stringify(Object.fromEntries(types))}`);
  assert.ok(accepted < 300, `${accepted} of 3000 mutated requests were accepted`);
});
