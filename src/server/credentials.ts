/**
 * The access keys `--auth strict` accepts, and the account each one belongs to.
 *
 * Two sources: a `--credentials-file` (JSON, several keys and accounts, optional temporary
 * credentials) or, for the one-key case, the environment
 * (OPENQLDB_ACCESS_KEY_ID / OPENQLDB_SECRET_ACCESS_KEY / OPENQLDB_ACCOUNT_ID).
 * Errors here stop the server at start-up: a strict server with a half-read key list would
 * refuse callers for reasons nobody could see. No message ever contains a secret.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config';

export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  /** Present for temporary credentials: a request must carry exactly this x-amz-security-token. */
  sessionToken?: string;
}

export interface CredentialStore {
  lookup(accessKeyId: string): Credential | undefined;
  /** Regions a credential scope may name, besides the server's own (`--region`). */
  readonly extraRegions: readonly string[];
  readonly size: number;
  /** the accounts the keys belong to, each once */
  readonly accounts: readonly string[];
}

const ACCOUNT_ID = /^\d{12}$/;
// AWS region names: lowercase words joined by dashes ending in a digit (us-east-1, us-gov-west-1).
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

function fail(source: string, message: string): never {
  throw new Error(`${source}: ${message}`);
}

function requireString(value: unknown, source: string, where: string): string {
  if (typeof value !== 'string' || value.length === 0) fail(source, `${where} must be a non-empty string`);
  return value;
}

/**
 * Parses the credentials file format:
 * `{"credentials": [{"accessKeyId", "secretAccessKey", "accountId", "sessionToken"?}, …], "regions"?: […]}`.
 */
export function parseCredentials(text: string, source = 'credentials file'): { credentials: Credential[]; regions: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    fail(source, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail(source, 'must be a JSON object with a "credentials" array');
  const root = doc as Record<string, unknown>;
  if (!Array.isArray(root.credentials)) fail(source, 'must have a "credentials" array');
  const credentials: Credential[] = [];
  const seen = new Set<string>();
  root.credentials.forEach((entry, i) => {
    const where = `credentials[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(source, `${where} must be an object`);
    const e = entry as Record<string, unknown>;
    const accessKeyId = requireString(e.accessKeyId, source, `${where}.accessKeyId`);
    // Key ids travel inside the Authorization header's `Credential=…/…, `: a key with a slash,
    // comma or blank could never be matched, so refuse it at start-up instead of every request.
    if (/[\s/,=]/.test(accessKeyId)) fail(source, `${where}.accessKeyId may not contain whitespace, '/', ',' or '='`);
    const secretAccessKey = requireString(e.secretAccessKey, source, `${where}.secretAccessKey`);
    const accountId = requireString(e.accountId, source, `${where}.accountId`);
    if (!ACCOUNT_ID.test(accountId)) fail(source, `${where}.accountId must be 12 digits`);
    let sessionToken: string | undefined;
    if (e.sessionToken !== undefined) sessionToken = requireString(e.sessionToken, source, `${where}.sessionToken`);
    // One key id naming two secrets would make the answer depend on file order.
    if (seen.has(accessKeyId)) fail(source, `${where}.accessKeyId ${accessKeyId} appears more than once`);
    seen.add(accessKeyId);
    credentials.push(sessionToken === undefined ? { accessKeyId, secretAccessKey, accountId } : { accessKeyId, secretAccessKey, accountId, sessionToken });
  });
  let regions: string[] = [];
  if (root.regions !== undefined) {
    if (!Array.isArray(root.regions) || !root.regions.every((r) => typeof r === 'string' && REGION.test(r))) {
      fail(source, '"regions" must be an array of region names such as "us-east-2"');
    }
    regions = root.regions as string[];
  }
  return { credentials, regions };
}

export function createCredentialStore(credentials: Credential[], extraRegions: string[] = []): CredentialStore {
  const byKey = new Map(credentials.map((c) => [c.accessKeyId, c]));
  return {
    lookup: (accessKeyId) => byKey.get(accessKeyId),
    extraRegions: [...extraRegions],
    size: byKey.size,
    accounts: [...new Set(credentials.map((c) => c.accountId))],
  };
}

/** The keys for `--auth strict`: the credentials file when given, else the single key from the environment. */
export function loadCredentials(config: Config, env: NodeJS.ProcessEnv = process.env): CredentialStore {
  if (config.credentialsFile) {
    let text: string;
    try {
      text = readFileSync(config.credentialsFile, 'utf8');
    } catch (e) {
      fail(`--credentials-file ${config.credentialsFile}`, (e as NodeJS.ErrnoException).code ?? (e as Error).message);
    }
    const { credentials, regions } = parseCredentials(text, `--credentials-file ${config.credentialsFile}`);
    if (credentials.length === 0) fail(`--credentials-file ${config.credentialsFile}`, 'lists no credentials');
    return createCredentialStore(credentials, regions);
  }
  const accessKeyId = env.OPENQLDB_ACCESS_KEY_ID;
  const secretAccessKey = env.OPENQLDB_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey) {
    const accountId = env.OPENQLDB_ACCOUNT_ID || config.accountId;
    if (!ACCOUNT_ID.test(accountId)) fail('OPENQLDB_ACCOUNT_ID', 'must be 12 digits');
    if (/[\s/,=]/.test(accessKeyId)) fail('OPENQLDB_ACCESS_KEY_ID', "may not contain whitespace, '/', ',' or '='");
    return createCredentialStore([{ accessKeyId, secretAccessKey, accountId }]);
  }
  if (accessKeyId || secretAccessKey) {
    fail('--auth strict', 'OPENQLDB_ACCESS_KEY_ID and OPENQLDB_SECRET_ACCESS_KEY must be set together');
  }
  fail('--auth strict', 'needs --credentials-file or OPENQLDB_ACCESS_KEY_ID and OPENQLDB_SECRET_ACCESS_KEY');
}
