/**
 * A client of openqldb's journal-import extension operations (ImportJournalFromS3,
 * DescribeJournalS3Import, ListJournalS3Imports). They are not in AWS's service model, so no SDK
 * client has them: requests are signed here with the SDK's own SigV4 signer and credential chain
 * (clientOptions.ts), in the control plane's REST-JSON conventions, and errors come back as the
 * AWS-shaped error the server answered (name = x-amzn-ErrorType).
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Agent } from 'node:https';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type * as SigV4 from '@smithy/signature-v4';
import type { ImportDescriptionOf } from '../../imports/types';

export interface ImportJournalInput {
  Name: string;
  S3ImportConfiguration: { Bucket: string; Prefix: string; ExportIds?: string[] };
  /** base64 */
  Digest?: string;
  DigestTipAddress?: { IonText: string };
  PermissionsMode: 'ALLOW_ALL' | 'STANDARD';
  DeletionProtection?: boolean;
  KmsKey?: string;
  Tags?: Record<string, string>;
}

/** As the server describes an import: times in epoch seconds. */
export type ImportDescription = ImportDescriptionOf<number>;

/** An error the server answered: `name` is its x-amzn-ErrorType. */
export class ImportApiError extends Error {
  constructor(
    readonly name: string,
    message: string,
    readonly statusCode: number,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The signer's SHA-256 (and HMAC with a secret) over node:crypto. */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {}
}

function toBytes(d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof d === 'string') return d;
  if (ArrayBuffer.isView(d)) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  return new Uint8Array(d);
}

export class ImportClient {
  private readonly url: URL;

  constructor(
    private readonly config: { endpoint: string; region: string | (() => Promise<string>); credentials: AwsCredentialIdentityProvider },
    private readonly httpsAgent?: Agent,
  ) {
    this.url = new URL(config.endpoint);
  }

  async importJournal(input: ImportJournalInput): Promise<{ ImportId: string }> {
    return (await this.send('POST', '/journal-s3-imports', {}, input)) as { ImportId: string };
  }

  async describe(importId: string): Promise<ImportDescription> {
    const out = (await this.send('GET', `/journal-s3-imports/${encodeURIComponent(importId)}`)) as { ImportDescription: ImportDescription };
    return out.ImportDescription;
  }

  async list(maxResults?: number, nextToken?: string): Promise<{ JournalS3Imports: ImportDescription[]; NextToken?: string }> {
    const query: Record<string, string> = {};
    if (maxResults !== undefined) query.max_results = String(maxResults);
    if (nextToken !== undefined) query.next_token = nextToken;
    return (await this.send('GET', '/journal-s3-imports', query)) as { JournalS3Imports: ImportDescription[]; NextToken?: string };
  }

  private async send(method: string, path: string, query: Record<string, string> = {}, body?: unknown): Promise<unknown> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { SignatureV4 } = require('@smithy/signature-v4') as typeof SigV4;
    const region = typeof this.config.region === 'string' ? this.config.region : await this.config.region();
    const signer = new SignatureV4({ service: 'qldb', region, credentials: this.config.credentials, sha256: Sha256, uriEscapePath: true });
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const base = this.url.pathname.replace(/\/$/, '');
    const headers: Record<string, string> = { host: this.url.host };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const signed = await signer.sign({ method, protocol: this.url.protocol, hostname: this.url.hostname, port: this.url.port ? Number(this.url.port) : undefined, path: base + path, query, headers, body: payload });
    const qs = new URLSearchParams(query).toString();
    const transport = this.url.protocol === 'https:' ? https : http;
    const { status, text, errorType } = await new Promise<{ status: number; text: string; errorType?: string }>((resolve, reject) => {
      const req = transport.request(
        { method, host: this.url.hostname, port: this.url.port || undefined, path: base + path + (qs ? `?${qs}` : ''), headers: signed.headers, agent: this.httpsAgent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          const type = res.headers['x-amzn-errortype'];
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), errorType: type ? String(type).split(':')[0] : undefined }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { Message: text };
    }
    if (status >= 300) {
      const name = errorType ?? String(parsed.__type ?? parsed.code ?? 'UnknownError');
      throw new ImportApiError(name, String(parsed.Message ?? parsed.message ?? `HTTP ${status}`), status, parsed);
    }
    return parsed;
  }
}
