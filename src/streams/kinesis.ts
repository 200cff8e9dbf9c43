/**
 * Where stream records go: any Kinesis-compatible API (`--kinesis-endpoint`), through
 * @aws-sdk/client-kinesis's PutRecords. Entries are sent in order, at most 500 and 5 MiB a call
 * (Kinesis's limits); a call that took some entries and refused others is resent from the first
 * refused one, so an entry never overtakes one before it (the ones after it that were taken are
 * sent again: delivery is at least once).
 *
 * Over HTTP/1.1: the client's default HTTP/2 handler (made for SubscribeToShard) is refused by
 * Kinesis-compatible servers that speak only HTTP/1.1 (kinesalite), and PutRecords gains nothing
 * from it.
 */
import { DescribeStreamCommand, KinesisClient, ListShardsCommand, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisEntry, ShardRange } from './aggregation';

/** Why a stream is IMPAIRED (the ErrorCause enum). */
export type ErrorCause = 'KINESIS_STREAM_NOT_FOUND' | 'IAM_PERMISSION_REVOKED';

/** A put that did not go through; `cause` when the destination itself is the problem (the stream turns IMPAIRED). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly errorCause: ErrorCause | undefined,
  ) {
    super(message);
  }
}

export interface KinesisOptions {
  endpoint: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

/**
 * How long a stream's shard map is used before it is listed again: a reshard is seen this late at
 * most (ListShards is also limited to a few calls a second per stream).
 */
const SHARD_MAP_MS = 10_000;

const MAX_ENTRIES = 500;
const MAX_REQUEST_BYTES = 5 * 1024 * 1024;
/** resends of a call's refused entries (throttling) before the put gives up for now */
const PARTIAL_ATTEMPTS = 5;

const NOT_FOUND = new Set(['ResourceNotFoundException', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const NOT_PERMITTED = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'ExpiredTokenException',
  'MissingAuthenticationToken',
  'KMSAccessDeniedException',
  // no credential at all for the endpoint: as refused as a revoked one
  'CredentialsProviderError',
]);

/**
 * A failed call as the stream reports it. A destination that cannot be reached at all is
 * KINESIS_STREAM_NOT_FOUND (the enum has no other word for it), a refused credential
 * IAM_PERMISSION_REVOKED; throttling and server errors are retried without impairing the stream.
 */
export function toDeliveryError(e: unknown): DeliveryError {
  const err = e as { name?: string; code?: string; message?: string; errors?: { code?: string }[] };
  // a refused connection to every address of a host comes as an AggregateError of them
  const code = err.code ?? err.errors?.[0]?.code;
  const name = err.name && err.name !== 'Error' && err.name !== 'AggregateError' ? err.name : (code ?? 'Error');
  const message = `${name}: ${err.message || String(e)}`;
  if (NOT_FOUND.has(name) || (code && NOT_FOUND.has(code))) return new DeliveryError(message, 'KINESIS_STREAM_NOT_FOUND');
  if (NOT_PERMITTED.has(name)) return new DeliveryError(message, 'IAM_PERMISSION_REVOKED');
  return new DeliveryError(message, undefined);
}

/** Splits entries into PutRecords calls within Kinesis's limits, in order. */
export function batches(entries: readonly KinesisEntry[]): KinesisEntry[][] {
  const out: KinesisEntry[][] = [];
  let current: KinesisEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    const size = e.Data.length + Buffer.byteLength(e.PartitionKey);
    if (current.length && (current.length === MAX_ENTRIES || bytes + size > MAX_REQUEST_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length) out.push(current);
  return out;
}

export class KinesisWriter {
  private readonly client: KinesisClient;
  private readonly shardMaps = new Map<string, { ranges: ShardRange[]; until: number }>();

  constructor(options: KinesisOptions) {
    this.client = new KinesisClient({
      endpoint: options.endpoint,
      region: options.region,
      // flags win; otherwise the SDK's default chain reads AWS_ACCESS_KEY_ID & co.
      credentials:
        options.accessKeyId && options.secretAccessKey
          ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
          : undefined,
      // the stream owns retries and backoff: it reports an impairment after the first failed round
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 30_000 }),
    });
  }

  /**
   * Throws DeliveryError unless the stream exists and the credentials are taken. DescribeStream,
   * not DescribeStreamSummary: it is among the permissions QLDB asked of a stream's role.
   */
  async check(streamName: string): Promise<void> {
    try {
      await this.client.send(new DescribeStreamCommand({ StreamName: streamName, Limit: 1 }));
    } catch (e) {
      throw toDeliveryError(e);
    }
  }

  /**
   * The hash key ranges of the stream's open shards, listed at most every SHARD_MAP_MS
   * (ListShards: one of the permissions QLDB asked of a stream's role); throws DeliveryError.
   */
  async shardRanges(streamName: string, now = Date.now()): Promise<ShardRange[]> {
    const known = this.shardMaps.get(streamName);
    if (known && now < known.until) return known.ranges;
    const ranges: ShardRange[] = [];
    try {
      let next: string | undefined;
      do {
        const out = await this.client.send(new ListShardsCommand(next ? { NextToken: next } : { StreamName: streamName }));
        for (const shard of out.Shards ?? []) {
          if (shard.SequenceNumberRange?.EndingSequenceNumber || !shard.HashKeyRange) continue; // closed by a reshard
          ranges.push({ start: BigInt(shard.HashKeyRange.StartingHashKey!), end: BigInt(shard.HashKeyRange.EndingHashKey!) });
        }
        next = out.NextToken;
      } while (next);
    } catch (e) {
      throw toDeliveryError(e);
    }
    this.shardMaps.set(streamName, { ranges, until: now + SHARD_MAP_MS });
    return ranges;
  }

  /** Puts every entry, in order; throws DeliveryError when the destination refuses or cannot be reached. */
  async put(streamName: string, entries: readonly KinesisEntry[], sleep: (ms: number) => Promise<void>): Promise<void> {
    for (const batch of batches(entries)) {
      let pending: PutRecordsRequestEntry[] = batch;
      for (let attempt = 1; ; attempt++) {
        let failedAt = -1;
        let reason = '';
        try {
          const out = await this.client.send(new PutRecordsCommand({ StreamName: streamName, Records: pending }));
          if (out.FailedRecordCount) {
            failedAt = out.Records?.findIndex((r) => r.ErrorCode) ?? 0;
            const r = out.Records?.[failedAt];
            reason = `${r?.ErrorCode}: ${r?.ErrorMessage}`;
          }
        } catch (e) {
          throw toDeliveryError(e);
        }
        if (failedAt < 0) break;
        if (attempt >= PARTIAL_ATTEMPTS) throw new DeliveryError(reason, undefined);
        pending = pending.slice(failedAt);
        await sleep(Math.min(2_000, 100 * 2 ** attempt));
      }
    }
  }

  close(): void {
    this.client.destroy();
  }
}
