/**
 * A real Kinesis-compatible server for the stream tests: kinesalite (in memory, on 127.0.0.1),
 * read back the way a consumer reads it — GetRecords over every shard from TRIM_HORIZON with
 * @aws-sdk/client-kinesis, KPL-aggregated records de-aggregated by `aws-kinesis-agg` (what
 * Lambda consumers use), every user record decoded from Ion binary with ion-js.
 *
 * The server under test reaches kinesalite through a TCP relay: `down()` closes the relay and
 * drops its connections (keep-alive sockets included), so Kinesis is unreachable for the server
 * while kinesalite keeps its streams in memory (closing kinesalite itself discards them); `up()`
 * relays again on the same port. `refuse()` keeps the relay up but has it answer every request
 * as Kinesis answers a credential it does not accept (400 UnrecognizedClientException), until
 * `accept()`. The test reads kinesalite directly, down, refusing or not.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import * as ion from 'ion-js';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const kinesalite = require('kinesalite') as (options: Record<string, unknown>) => http.Server;
// its own typings import aws-sdk v2 and aws-lambda, which are not installed
// eslint-disable-next-line @typescript-eslint/no-var-requires
const agg = require('aws-kinesis-agg') as {
  deaggregateSync(
    record: { partitionKey: string; sequenceNumber: string; data: string; explicitHashKey?: string },
    computeChecksums: boolean,
    done: (err: Error | null, records?: { partitionKey: string; data: string }[]) => void,
  ): void;
};

export const KPL_MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);

/** One stream record as a consumer gets it. */
export interface ConsumedRecord {
  partitionKey: string;
  /** the Kinesis record it came in was a KPL aggregate */
  aggregated: boolean;
  bytes: Buffer;
  /** the record as an Ion DOM value */
  value: ion.dom.Value;
  recordType: string;
  /** the Kinesis record it came in (several user records share one when aggregated) */
  sequenceNumber: string;
  /** the shard it was read from, and that shard's hash key range */
  shardId: string;
  shardRange: readonly [bigint, bigint];
}

export interface TestKinesis {
  /** what the server under test is given: the relay */
  readonly endpoint: string;
  readonly client: KinesisClient;
  createStream(name: string, shards?: number): Promise<string>;
  /** Every record in the stream, shard by shard in order (one shard: the stream's order). */
  read(name: string): Promise<ConsumedRecord[]>;
  down(): Promise<void>;
  up(): Promise<void>;
  refuse(): void;
  accept(): void;
  /** The access key ids of the SigV4 signatures on the requests relayed so far (kinesalite checks none). */
  signers(): Set<string>;
  close(): Promise<void>;
}

export const kinesisArn = (name: string) => `arn:aws:kinesis:us-east-1:123456789012:stream/${name}`;

export async function startKinesis(): Promise<TestKinesis> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const direct = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sockets = new Set<net.Socket>();
  let refusing = false;
  const signers = new Set<string>();
  const relay = net.createServer((inbound) => {
    if (refusing) return answerRefused(inbound, sockets);
    // requests come whole in a chunk here; a header split across two would go unseen, not misread
    inbound.on('data', (c: Buffer) => {
      for (const m of c.toString('latin1').matchAll(/Credential=([^/\s,]+)\//g)) signers.add(m[1]);
    });
    const outbound = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const port = (relay.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  const closeRelay = () =>
    new Promise<void>((resolve) => {
      if (!relay.listening) return resolve();
      relay.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  const client = new KinesisClient({
    endpoint: direct,
    region: 'us-east-1',
    credentials: { accessKeyId: 'kinesalite', secretAccessKey: 'kinesalite' },
    // a connection per request: a kept-alive socket idle for kinesalite's 5 s keep-alive timeout
    // (a server restart in between, on a busy machine) can be closed by kinesalite just as a
    // request is sent on it, and the read fails with ECONNRESET though nothing is wrong
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: false }) }),
    maxAttempts: 1,
  });
  return {
    endpoint,
    client,
    async createStream(name, shards = 1) {
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
      for (;;) {
        const d = await client.send(new DescribeStreamCommand({ StreamName: name }));
        if (d.StreamDescription?.StreamStatus === 'ACTIVE') return kinesisArn(name);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async read(name) {
      const d = await client.send(new DescribeStreamCommand({ StreamName: name }));
      const out: ConsumedRecord[] = [];
      for (const shard of d.StreamDescription!.Shards!) {
        let iterator = (
          await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))
        ).ShardIterator;
        while (iterator) {
          const got = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
          const shardRange = [BigInt(shard.HashKeyRange!.StartingHashKey!), BigInt(shard.HashKeyRange!.EndingHashKey!)] as const;
          for (const r of got.Records ?? []) {
            for (const c of consume(r.PartitionKey!, r.SequenceNumber!, Buffer.from(r.Data!))) out.push({ ...c, shardId: shard.ShardId!, shardRange });
          }
          if (!got.Records?.length) break;
          iterator = got.NextShardIterator;
        }
      }
      return out;
    },
    down: closeRelay,
    // the connections open now were relayed: closed, the server's next request comes on a new one
    refuse() {
      refusing = true;
      for (const s of sockets) s.destroy();
    },
    accept() {
      refusing = false;
      for (const s of sockets) s.destroy();
    },
    signers: () => signers,
    async up() {
      await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
    },
    async close() {
      client.destroy();
      await closeRelay();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Answers each HTTP request on `socket` as Kinesis answers an unknown credential. */
function answerRefused(socket: net.Socket, sockets: Set<net.Socket>): void {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => {});
  const body = JSON.stringify({ __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/^content-length:\s*(\d+)/im.exec(pending.subarray(0, end).toString('latin1'))?.[1] ?? 0);
      // the whole request is read before the answer, as a server would
      if (pending.length < end + 4 + length) return;
      pending = pending.subarray(end + 4 + length);
      socket.write(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: refused\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
  });
}

/** The user records of one Kinesis record, de-aggregated with aws-kinesis-agg when they are a KPL aggregate. */
export function consume(partitionKey: string, sequenceNumber: string, data: Buffer): Omit<ConsumedRecord, 'shardId' | 'shardRange'>[] {
  const aggregated = data.subarray(0, 4).equals(KPL_MAGIC);
  let users: { partitionKey: string; bytes: Buffer }[] = [{ partitionKey, bytes: data }];
  if (aggregated) {
    agg.deaggregateSync({ partitionKey, sequenceNumber, data: data.toString('base64') }, true, (err, records) => {
      if (err) throw err;
      users = records!.map((u) => ({ partitionKey: u.partitionKey, bytes: Buffer.from(u.data, 'base64') }));
    });
  }
  return users.map((u) => {
    const value = ion.load(u.bytes)!;
    return { ...u, aggregated, value, recordType: String(value.get('recordType')), sequenceNumber };
  });
}
