/**
 * Request authentication (SigV4). The front door calls `authenticate` once per request, before
 * any operation runs, and the Caller it returns decides which account's resources are visible.
 *
 * Strict mode recomputes the client's signature with the AWS SDK's own signer
 * (@smithy/signature-v4) over the request exactly as it arrived — raw path and query, only the
 * headers the client listed in SignedHeaders, the payload hash it declared — so that any client
 * that talks to AWS is accepted here unchanged, and anything else is refused with the error type,
 * status and message text AWS uses (clients and people match on those).
 */
import { createHash, createHmac, timingSafeEqual, type BinaryLike } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SignatureV4 } from '@smithy/signature-v4';
import type { Caller } from '../api/types';
import type { Config } from '../config';
import { ServiceError, authError } from './errors';
import { loadCredentials, type Credential, type CredentialStore } from './credentials';

export interface SignedRequest {
  method: string;
  /** the raw request target as received: path and query string, still percent-encoded */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Authenticator {
  authenticate(req: SignedRequest): Promise<Caller>;
  /**
   * Every check that needs no body (token present and well-formed, scope, clock skew, known key,
   * session token), so the front door can refuse a stranger before buffering up to
   * --max-body-bytes of their upload. `authenticate` repeats these checks; calling this first is
   * an optimisation, not a requirement.
   */
  precheck(req: Omit<SignedRequest, 'body'>): void;
  /** the accounts a caller can act as (what the start-up line reports) */
  readonly accounts: readonly string[];
}

export interface AuthOptions {
  /** Where the single-key variables are read from (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds since the epoch; tests move the clock to check the skew window. */
  now?: () => number;
  /** Use these keys instead of loading them from the config / environment. */
  credentials?: CredentialStore;
}

const SERVICE = 'qldb';
const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
/** AWS's clock-skew window for SigV4 requests. */
const MAX_SKEW_MS = 15 * 60_000;
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

// The four AWS error shapes a SigV4 check can end in; all are 403 on both QLDB APIs.
const missingToken = () => authError('MissingAuthenticationTokenException', 403, 'Missing Authentication Token');
const incomplete = (message: string) => authError('IncompleteSignatureException', 403, message);
const unrecognized = () => authError('UnrecognizedClientException', 403, 'The security token included in the request is invalid.');
const invalidSignature = (message = SIGNATURE_MISMATCH) => authError('InvalidSignatureException', 403, message);

/** The Node crypto behind the signer's `Checksum` interface: SHA-256, or HMAC-SHA256 when keyed. */
class NodeSha256 {
  private readonly key: BinaryLike | undefined;
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.key = secret instanceof ArrayBuffer ? Buffer.from(secret) : (secret as BinaryLike | undefined);
    this.hash = this.fresh();
  }
  private fresh() {
    return this.key === undefined ? createHash('sha256') : createHmac('sha256', this.key);
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(headers, name)) return undefined;
  const v = headers[name];
  // node:http keeps repeated set-cookie values as an array and joins other repeats with ', '.
  return Array.isArray(v) ? v.join(',') : v;
}

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` with AWS's error texts. */
function parseAuthorization(authorization: string, hasDate: boolean): ParsedAuthorization {
  const params = new Map<string, string>();
  if (authorization.startsWith(ALGORITHM + ' ')) {
    for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
      const item = part.trim();
      if (item === '') continue;
      const eq = item.indexOf('=');
      if (eq < 0) {
        throw incomplete(`'${item}' not a valid key=value pair (missing equal-sign) in Authorization header: '${authorization}'.`);
      }
      params.set(item.slice(0, eq), item.slice(eq + 1));
    }
  }
  const missing: string[] = [];
  for (const p of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!params.get(p)) missing.push(`Authorization header requires '${p}' parameter.`);
  }
  if (!hasDate) missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (missing.length) throw incomplete(`${missing.join(' ')} Authorization=${authorization}`);
  const credential = params.get('Credential')!;
  const scope = credential.split('/');
  if (scope.length !== 5) {
    throw incomplete(`Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`);
  }
  const [accessKeyId, date, region, service, terminator] = scope;
  return {
    accessKeyId,
    date,
    region,
    service,
    terminator,
    signedHeaders: params.get('SignedHeaders')!.split(';').map((h) => h.trim().toLowerCase()),
    signature: params.get('Signature')!,
  };
}

/** `YYYYMMDD'T'HHMMSS'Z'`, the only form SigV4 allows, to a Date (undefined when not a real instant). */
function parseAmzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 20261399 over into next year; a date that does not round-trip is not a date.
  return formatAmzDate(date) === text ? date : undefined;
}

function formatAmzDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/**
 * The query string as the signer wants it: decoded names and values, repeated names as arrays.
 * The signer re-encodes them the canonical way, which is how every AWS client encoded them, so a
 * client that sent a non-canonical form (e.g. `+` for space) simply fails the comparison.
 */
function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    } catch {
      // A malformed escape cannot be part of anything a real signer produced.
      throw invalidSignature();
    }
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  // Lengths are public (a SigV4 signature is always 64 hex digits); only contents must not leak.
  return x.length === y.length && timingSafeEqual(x, y);
}

function createStrictAuthenticator(config: Config, store: CredentialStore, now: () => number): Authenticator {
  // loaded now rather than on the first signed request, which should not wait for it
  signerClass();
  const regions = new Set([config.region, ...store.extraRegions]);

  interface HeaderChecks {
    auth: ParsedAuthorization;
    signingDate: Date;
    credential: Credential;
  }

  function checkHeaders(req: Omit<SignedRequest, 'body'>): HeaderChecks {
    const authorization = header(req.headers, 'authorization');
    if (authorization === undefined || authorization.trim() === '') throw missingToken();
    const amzDate = header(req.headers, 'x-amz-date');
    // AWS also accepts a Date header in SigV4 form; no QLDB client sends one, and the SDK signer
    // this check is built on always signs x-amz-date, so its absence is reported as AWS does.
    const auth = parseAuthorization(authorization.trim(), amzDate !== undefined);
    const signingDate = parseAmzDate(amzDate!.trim());
    if (!signingDate) {
      throw incomplete(`Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`);
    }
    const longDate = formatAmzDate(signingDate);
    if (auth.date !== longDate.slice(0, 8)) {
      throw invalidSignature(
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${longDate.slice(0, 8)}', from '${longDate}'.`,
      );
    }
    if (auth.service !== SERVICE) throw invalidSignature(`Credential should be scoped to correct service: '${SERVICE}'. `);
    if (!regions.has(auth.region)) throw invalidSignature(`Credential should be scoped to a valid region, not '${auth.region}'. `);
    if (auth.terminator !== TERMINATOR) {
      throw invalidSignature(`Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${auth.terminator}'. `);
    }
    if (!auth.signedHeaders.includes('host')) {
      throw invalidSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    }
    const t = now();
    if (signingDate.getTime() < t - MAX_SKEW_MS) {
      throw invalidSignature(
        `Signature expired: ${longDate} is now earlier than ${formatAmzDate(new Date(t - MAX_SKEW_MS))} (${formatAmzDate(new Date(t))} - 15 min.)`,
      );
    }
    if (signingDate.getTime() > t + MAX_SKEW_MS) {
      throw invalidSignature(
        `Signature not yet current: ${longDate} is still later than ${formatAmzDate(new Date(t + MAX_SKEW_MS))} (${formatAmzDate(new Date(t))} + 15 min.)`,
      );
    }

    const credential = store.lookup(auth.accessKeyId);
    if (!credential) throw unrecognized();
    const token = header(req.headers, 'x-amz-security-token');
    if (credential.sessionToken !== undefined || token !== undefined) {
      // Temporary credentials are only as good as their token, so a token that does not belong to
      // the key (or a token sent with a long-term key) is treated like an unknown key, as AWS does.
      if (token === undefined || credential.sessionToken === undefined || !constantTimeEqual(token, credential.sessionToken)) {
        throw unrecognized();
      }
      // An unsigned token could be swapped in transit without breaking the signature.
      if (!auth.signedHeaders.includes('x-amz-security-token')) throw invalidSignature();
    }
    return { auth, signingDate, credential };
  }

  async function authenticate(req: SignedRequest): Promise<Caller> {
    const { auth, signingDate, credential } = checkHeaders(req);
    // The payload hash a client declares is what it signed; without checking it against the body
    // a tampered body would pass under an intact signature. UNSIGNED-PAYLOAD is the client's own
    // explicit choice not to cover the body.
    const declaredHash = header(req.headers, 'x-amz-content-sha256');
    if (declaredHash !== undefined && declaredHash !== UNSIGNED_PAYLOAD) {
      const bodyHash = createHash('sha256').update(req.body).digest('hex');
      if (!constantTimeEqual(declaredHash.trim().toLowerCase(), bodyHash)) throw invalidSignature();
    }

    const expected = await recomputeSignature(req, auth, credential.accessKeyId, credential.secretAccessKey, signingDate);
    if (!constantTimeEqual(auth.signature, expected)) throw invalidSignature();
    return { accountId: credential.accountId, region: auth.region, accessKeyId: credential.accessKeyId };
  }

  // Anything the parsing or the signer chokes on (a hostile header value, say) is a bad
  // signature to the client, never an internal error.
  const asAuthError = (e: unknown): never => {
    if (e instanceof ServiceError) throw e;
    throw invalidSignature();
  };
  return {
    accounts: store.accounts,
    authenticate: (req) => authenticate(req).catch(asAuthError),
    precheck: (req) => {
      try {
        checkHeaders(req);
      } catch (e) {
        asAuthError(e);
      }
    },
  };
}

let loadedSigner: typeof SignatureV4 | undefined;

/**
 * The SDK's signer and the @smithy/core it pulls in take about 40 ms to load: only `--auth
 * strict` needs them, and loads them when it is set up, so `--auth off` never pays.
 */
function signerClass(): typeof SignatureV4 {
  return (loadedSigner ??= (require('@smithy/signature-v4') as typeof import('@smithy/signature-v4')).SignatureV4);
}

async function recomputeSignature(
  req: SignedRequest,
  auth: ParsedAuthorization,
  accessKeyId: string,
  secretAccessKey: string,
  signingDate: Date,
): Promise<string> {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? {} : parseQuery(req.url.slice(q + 1));
  const signed = new Set(auth.signedHeaders);
  const entries: [string, string][] = [];
  for (const name of signed) {
    const value = header(req.headers, name);
    if (value !== undefined) entries.push([name, value]);
  }
  // The signer takes the payload hash from this header whenever it is present, signed or not
  // (its value was checked against the body already); it joins the signed headers only if the
  // client listed it.
  const declaredHash = header(req.headers, 'x-amz-content-sha256');
  if (declaredHash !== undefined && !signed.has('x-amz-content-sha256')) entries.push(['x-amz-content-sha256', declaredHash]);
  const Signer = signerClass();
  const signer = new Signer({
    service: SERVICE,
    region: auth.region,
    credentials: { accessKeyId, secretAccessKey },
    sha256: NodeSha256,
    // Never add headers the client did not send: the recomputation must see only what it signed.
    applyChecksum: false,
    // Non-S3 services canonicalise the path by normalising and URI-encoding it again.
    uriEscapePath: true,
  });
  const result = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: header(req.headers, 'host') ?? '',
      path,
      query,
      // fromEntries, not assignment: a header named __proto__ must stay a plain key.
      headers: Object.fromEntries(entries),
      body: req.body,
    },
    {
      signingDate,
      signableHeaders: signed,
      unsignableHeaders: signed.has('x-amz-content-sha256') ? undefined : new Set(['x-amz-content-sha256']),
    },
  );
  const produced = String(result.headers.authorization ?? '');
  const m = /SignedHeaders=([^,]*), Signature=([0-9a-f]+)$/.exec(produced);
  // The signed-header list is itself part of what was signed: a list naming headers the request
  // does not carry (or in another order) is not the request the client signed.
  if (!m || m[1] !== auth.signedHeaders.join(';')) return '';
  return m[2];
}

/**
 * With auth off every caller is the server's default account and region, whatever it signed
 * with (or without). With `--auth strict` the keys are loaded now, so a bad credentials file stops
 * the server at start-up.
 */
export function createAuthenticator(config: Config, options: AuthOptions = {}): Authenticator {
  if (config.auth === 'strict') {
    const store = options.credentials ?? loadCredentials(config, options.env ?? process.env);
    return createStrictAuthenticator(config, store, options.now ?? Date.now);
  }
  const caller: Caller = { accountId: config.accountId, region: config.region };
  return { accounts: [config.accountId], authenticate: async () => caller, precheck: () => undefined };
}
