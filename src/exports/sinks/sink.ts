/**
 * Where export objects land. Two implementations: the S3 API (any S3-compatible endpoint) and a
 * local directory laid out as `<root>/<bucket>/<key>` (control-plane.md §4.5).
 */
export type ObjectEncryptionType = 'SSE_KMS' | 'SSE_S3' | 'NO_ENCRYPTION';

export interface ObjectEncryption {
  type: ObjectEncryptionType;
  kmsKeyArn?: string;
}

export interface PutOptions {
  contentType: string;
  encryption: ObjectEncryption;
}

export interface Sink {
  readonly kind: 'local' | 's3';
  /** Refuses (throws SinkError) a bucket or key this sink must not write, before anything is written. */
  checkKey(bucket: string, key: string): void;
  put(bucket: string, key: string, body: Buffer, options: PutOptions): Promise<void>;
  /**
   * The object's bytes (journal imports read exports back through the sink that wrote them).
   * A missing object or bucket is SinkError `NoSuchKey` / `NoSuchBucket`.
   */
  get(bucket: string, key: string): Promise<Buffer>;
  /** Every key that begins with `prefix`, at any depth, in ascending order. A missing bucket is SinkError `NoSuchBucket`. */
  list(bucket: string, prefix: string): Promise<string[]>;
  close(): void;
}

/**
 * A failed put. `code` and `message` are what S3 said (or our equivalent), so that
 * ExportJournalToS3 can quote them (§4.1 step 9); `transient` says whether retrying may help.
 */
export class SinkError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Transient errors are retried with exponential backoff (with jitter); the last error is thrown. */
export async function putWithRetry(
  sink: Sink,
  bucket: string,
  key: string,
  body: Buffer,
  options: PutOptions,
  policy: RetryPolicy,
  onRetry?: (error: SinkError, attempt: number) => void,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await sink.put(bucket, key, body, options);
      return;
    } catch (e) {
      const err = e instanceof SinkError ? e : new SinkError('InternalError', String((e as Error)?.message ?? e), false);
      if (!err.transient || attempt >= policy.attempts) throw err;
      onRetry?.(err, attempt);
      const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * (delay / 2)));
    }
  }
}
