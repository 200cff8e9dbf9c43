/**
 * Signs requests the way the real clients do, with the AWS SDK's own signer, and turns the result
 * into what a server receives (raw URL + lowercase headers). Used to check the verifier against
 * requests no client library would send on its own: past dates, tampered bodies, odd scopes.
 */
import { createHash, createHmac, type BinaryLike } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';

/** SHA-256 / HMAC-SHA256 for the signer, kept apart from the server's own so the two are independent. */
export class Sha256 {
  private readonly key: BinaryLike | undefined;
  private h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.key = secret instanceof ArrayBuffer ? Buffer.from(secret) : (secret as BinaryLike | undefined);
    this.h = this.fresh();
  }
  private fresh() {
    return this.key === undefined ? createHash('sha256') : createHmac('sha256', this.key);
  }
  update(d: Uint8Array): void {
    this.h.update(d);
  }
  async digest(): Promise<Uint8Array> {
    return this.h.digest();
  }
  reset(): void {
    this.h = this.fresh();
  }
}

export interface SignInput {
  method: string;
  host: string;
  /** the wire path, already percent-encoded as a client sends it */
  path: string;
  /** decoded query parameters */
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region?: string;
  service?: string;
  date?: Date;
  /** sign x-amz-content-sha256 like the JS SDK (default) or leave it out like botocore */
  contentSha256?: boolean;
}

export interface Received {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** The SDK's query encoding: RFC 3986 unreserved characters only. */
export function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export async function sign(input: SignInput): Promise<Received> {
  const body = Buffer.from(input.body ?? '');
  const headers: Record<string, string> = { host: input.host, ...(input.headers ?? {}) };
  const signer = new SignatureV4({
    service: input.service ?? 'qldb',
    region: input.region ?? 'us-east-1',
    credentials: { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey, sessionToken: input.sessionToken },
    sha256: Sha256,
    applyChecksum: input.contentSha256 ?? true,
  });
  const signed = await signer.sign(
    { method: input.method, protocol: 'http:', hostname: input.host, path: input.path, query: input.query ?? {}, headers, body },
    { signingDate: input.date ?? new Date() },
  );
  const qs = Object.keys(input.query ?? {})
    .map((k) => `${escapeUri(k)}=${escapeUri(input.query![k])}`)
    .join('&');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) out[k.toLowerCase()] = String(v);
  return { method: input.method, url: input.path + (qs ? `?${qs}` : ''), headers: out, body };
}

/** Sends a pre-built request with node:http exactly as given; resolves status, headers and body. */
export function send(
  endpoint: string,
  req: { method: string; url: string; headers: Record<string, string>; body?: Buffer | string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      { host: u.hostname, port: u.port, method: req.method, path: req.url, headers: req.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body ?? undefined);
  });
}
