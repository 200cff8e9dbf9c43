/**
 * The S3 sink: any S3-compatible endpoint through @aws-sdk/client-s3.
 *
 * Request checksums only when required: with the SDK's newer default a Buffer/stream body may go
 * out `aws-chunked` with a checksum trailer, which s3rver and some S3-compatible stores store
 * literally (clients.md). The SDK's own retries are off; putWithRetry owns the backoff so that
 * the job can log each retry and cancel after the last.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { checkBucketName } from './bucketName';
import { SinkError, type PutOptions, type Sink } from './sink';

export interface S3SinkOptions {
  endpoint: string;
  region: string;
  forcePathStyle: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
}

const TRANSIENT_CODES = new Set([
  'InternalError',
  'ServiceUnavailable',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

export class S3Sink implements Sink {
  readonly kind = 's3' as const;
  private readonly client: S3Client;

  constructor(options: S3SinkOptions) {
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      // flags win; otherwise the SDK's default chain reads AWS_ACCESS_KEY_ID & co.
      credentials:
        options.accessKeyId && options.secretAccessKey
          ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
          : undefined,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
    });
  }

  checkKey(bucket: string, _key: string): void {
    // S3 keys are opaque strings: nothing to escape from. Bucket names are checked here too,
    // since S3-compatible stores do not all apply S3's rules.
    checkBucketName(bucket);
  }

  async put(bucket: string, key: string, body: Buffer, options: PutOptions): Promise<void> {
    const input: PutObjectCommandInput = {
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentLength: body.length,
      ContentType: options.contentType,
    };
    if (options.encryption.type === 'SSE_S3') input.ServerSideEncryption = 'AES256';
    else if (options.encryption.type === 'SSE_KMS') {
      input.ServerSideEncryption = 'aws:kms';
      input.SSEKMSKeyId = options.encryption.kmsKeyArn;
    }
    try {
      await this.client.send(new PutObjectCommand(input));
    } catch (e) {
      throw toSinkError(e);
    }
  }

  async get(bucket: string, key: string): Promise<Buffer> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!r.Body) return Buffer.alloc(0);
      const bytes = await r.Body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (e) {
      throw toSinkError(e);
    }
  }

  // no Delimiter: walking CommonPrefixes level by level would cost a request per directory,
  // and s3rver (3.7) drops the prefixes of keys two or more levels down
  async list(bucket: string, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const r = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      throw toSinkError(e);
    }
    return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  close(): void {
    this.client.destroy();
  }
}

export function toSinkError(e: unknown): SinkError {
  const err = e as { name?: string; code?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  const code = err.Code ?? (err.name && err.name !== 'Error' ? err.name : undefined) ?? err.code ?? 'UnknownError';
  const message = err.message ?? String(e);
  const transient =
    TRANSIENT_CODES.has(code) ||
    (err.code !== undefined && TRANSIENT_CODES.has(err.code)) ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    (status === undefined && /socket hang up|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE/.test(message));
  return new SinkError(code, message, transient);
}
