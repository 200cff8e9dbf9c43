/**
 * Every request the console makes: to its own origin, signed with SigV4 by the AWS SDK's signer
 * when a key was entered, and its AWS-shaped errors turned into ApiError (type from
 * x-amzn-ErrorType, as the SDKs read it).
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { loadCredentials } from './credentials';

export class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The SDK's query encoding: RFC 3986 unreserved characters only, as the signer expects. */
function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export interface Request {
  method: string;
  /** the wire path, segments already percent-encoded */
  path: string;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  body?: string;
}

export async function send(req: Request): Promise<Response> {
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) query[k] = v;
  let headers: Record<string, string> = { ...(req.headers ?? {}) };
  const credentials = loadCredentials();
  if (credentials) {
    const signer = new SignatureV4({
      service: 'qldb',
      region: credentials.region,
      credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken || undefined },
      sha256: Sha256,
    });
    const signed = await signer.sign({
      method: req.method,
      protocol: location.protocol,
      hostname: location.hostname,
      port: location.port ? Number(location.port) : undefined,
      path: req.path,
      query,
      // the browser sends this Host itself; it is signed here and left out of fetch below
      headers: { host: location.host, ...headers },
      body: req.body,
    });
    headers = {};
    for (const [k, v] of Object.entries(signed.headers)) if (k.toLowerCase() !== 'host') headers[k] = String(v);
  }
  const qs = Object.keys(query)
    .map((k) => `${escapeUri(k)}=${escapeUri(query[k])}`)
    .join('&');
  try {
    return await fetch(req.path + (qs ? `?${qs}` : ''), { method: req.method, headers, body: req.body, credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    throw new ApiError('NetworkError', `the server cannot be reached (${(e as Error).message})`, 0);
  }
}

/** The answer's JSON, or an ApiError built from an AWS-shaped error answer. */
export async function sendJson(req: Request): Promise<any> {
  const res = await send(req);
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { Message: text };
  }
  if (!res.ok) {
    const header = res.headers.get('x-amzn-errortype');
    const type = (header ?? String(body.__type ?? body.code ?? 'Error')).split(':')[0].split('#').pop()!;
    throw new ApiError(type, String(body.Message ?? body.message ?? res.statusText), res.status);
  }
  return body;
}
