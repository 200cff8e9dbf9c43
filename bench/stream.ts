/**
 * Journal stream throughput to kinesalite, with and without aggregation, against a bare
 * PutRecords client carrying the same bytes in the same run.
 *
 *   npm run bench:stream -- [--blocks 100000] [--dir <cache dir>] [--rebuild]
 *
 * 1. build (once, cached in --dir): a ledger of `blocks` blocks (bench/lib/journal.ts), each with
 *    one INSERT and one ~1 KB revision: two stream records per block.
 * 2. kinesalite in a process of its own (in memory), one shard per Kinesis stream.
 * 3. in a child process, so that its peak RSS is the streaming's own: a stream of the whole
 *    journal (start at the ledger's creation, end after its last block) with aggregation on,
 *    then off, each timed from StreamJournalToKinesis's handler to COMPLETED; its peak RSS is
 *    read then. Afterwards, the baseline in the same process: the same records, encoded and
 *    aggregated beforehand, sent by a bare @aws-sdk/client-kinesis PutRecords loop (500 entries /
 *    5 MiB a call, one call at a time, as the stream sends) to a fresh Kinesis stream.
 * Prints stream records per second of each, the ratio (target ≥ 0.5) and the peak RSS.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStreamCommand, DeleteStreamCommand, DescribeStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { loadConfig } from '../src/config';
import { App } from '../src/app';
import { silentLogger } from '../src/server/log';
import { aggregate, unaggregated, type KinesisEntry } from '../src/streams/aggregation';
import { batches } from '../src/streams/kinesis';
import { blockRecords, controlRecord, type StreamRecord } from '../src/streams/records';
import { cachedJournal } from './lib/journal';

const caller = { accountId: '000000000000', region: 'us-east-1' };
const LEDGER = 'bench-stream';
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

function appFor(dir: string, kinesisEndpoint?: string): Promise<App> {
  const config = loadConfig([], {}, {
    dataDir: dir,
    ledgerStateDelayMs: 0,
    logRequests: false,
    kinesisEndpoint,
    kinesisAccessKeyId: CREDENTIALS.accessKeyId,
    kinesisSecretAccessKey: CREDENTIALS.secretAccessKey,
  });
  return App.open(config, silentLogger);
}

function kinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS, requestHandler: new NodeHttpHandler(), maxAttempts: 3 });
}

async function createKinesisStream(client: KinesisClient, name: string): Promise<string> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  while ((await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription?.StreamStatus !== 'ACTIVE') {
    await new Promise((r) => setTimeout(r, 10));
  }
  return `arn:aws:kinesis:us-east-1:123456789012:stream/${name}`;
}

/** kinesalite keeps everything in memory: a stream is deleted once measured. */
async function deleteKinesisStream(client: KinesisClient, name: string): Promise<void> {
  await client.send(new DeleteStreamCommand({ StreamName: name }));
}

interface Result {
  mode: string;
  records: number;
  kinesisRecords: number;
  bytes: number;
  seconds: number;
}

/** The child: the two streams, then the bare client with the same entries. */
async function streamPhase(dir: string, endpoint: string): Promise<void> {
  const built = JSON.parse(readFileSync(join(dir, 'built.json'), 'utf8')) as { blocks: number; lastTs: number };
  while (Date.now() <= built.lastTs + 1) await new Promise((r) => setTimeout(r, 10));
  const app = await appFor(dir, endpoint);
  const client = kinesisClient(endpoint);
  const streams: Result[] = [];
  const end = new Date(built.lastTs + 1);
  for (const aggregation of [true, false]) {
    const name = `bench-${aggregation ? 'agg' : 'plain'}-${Date.now()}`;
    const arn = await createKinesisStream(client, name);
    const t = process.hrtime.bigint();
    const id = await app.streams.create(caller, LEDGER, {
      RoleArn: 'arn:aws:iam::123456789012:role/bench',
      InclusiveStartTime: new Date(0),
      ExclusiveEndTime: end,
      KinesisConfiguration: { StreamArn: arn, AggregationEnabled: aggregation },
      StreamName: 'bench',
    });
    await app.streams.whenIdle(id);
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    const job = (await app.store.jobs.get('stream', id))!;
    if (job.status !== 'COMPLETED') throw new Error(`the stream ended ${job.status}`);
    await deleteKinesisStream(client, name);
    streams.push({ mode: aggregation ? 'stream, aggregated' : 'stream, one per record', records: 0, kinesisRecords: 0, bytes: 0, seconds });
  }
  const maxRssKb = process.resourceUsage().maxRSS;

  // the same records the streams sent, made before the clock starts
  const ledger = app.ledgers.find(caller, LEDGER)!;
  const tip = (await app.store.journal.strand(ledger.ledgerId))!.tipSequenceNo;
  const arnOf = (id: string) => `arn:aws:qldb:us-east-1:000000000000:stream/${LEDGER}/${id}`;
  // grouped as the stream delivers them: CREATED, each batch of 1,000 blocks, COMPLETED
  const groups: StreamRecord[][] = [[controlRecord(arnOf('0'.repeat(22)), '0'.repeat(22), 'CREATED')]];
  for (let from = 0; from <= tip; from += 1_000) {
    const group: StreamRecord[] = [];
    for (const b of await app.store.journal.blocks(ledger.ledgerId, from, Math.min(tip, from + 999), 1_000)) {
      for (const r of blockRecords(arnOf('0'.repeat(22)), b.ion).records) group.push(r);
    }
    groups.push(group);
  }
  groups.push([controlRecord(arnOf('0'.repeat(22)), '0'.repeat(22), 'COMPLETED')]);
  const records = groups.reduce((n, g) => n + g.length, 0);
  await app.close();

  const bare: Result[] = [];
  for (const aggregation of [true, false]) {
    // cut as the stream cuts: aggregates and calls within each batch
    const perGroup: KinesisEntry[][] = groups.map((g) => (aggregation ? aggregate(g, 1_000_000) : unaggregated(g)));
    const entries = perGroup.flat();
    const calls = perGroup.flatMap((g) => batches(g));
    const name = `bare-${aggregation ? 'agg' : 'plain'}-${Date.now()}`;
    await createKinesisStream(client, name);
    const t = process.hrtime.bigint();
    for (const call of calls) {
      const out = await client.send(new PutRecordsCommand({ StreamName: name, Records: call }));
      if (out.FailedRecordCount) throw new Error(`the bare client had ${out.FailedRecordCount} records refused`);
    }
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    await deleteKinesisStream(client, name);
    const bytes = entries.reduce((n, e) => n + e.Data.length, 0);
    bare.push({ mode: aggregation ? 'bare, aggregated' : 'bare, one per record', records, kinesisRecords: entries.length, bytes, seconds });
    streams[aggregation ? 0 : 1].records = records;
    streams[aggregation ? 0 : 1].kinesisRecords = entries.length;
    streams[aggregation ? 0 : 1].bytes = bytes;
  }
  client.destroy();
  process.stdout.write('RESULT ' + JSON.stringify({ streams, bare, maxRssKb }) + '\n');
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  const blocks = Number(arg('blocks', '100000'));
  const dir = arg('dir', join(tmpdir(), `openqldb-bench-stream-${blocks}`));
  if (process.argv.includes('--phase-stream')) return streamPhase(dir, arg('endpoint', ''));

  await cachedJournal(dir, LEDGER, blocks, (d) => appFor(d), process.argv.includes('--rebuild'));

  const port = await freePort();
  const kinesalite = spawn(process.execPath, [require.resolve('kinesalite/cli.js'), '--port', String(port), '--createStreamMs', '0', '--deleteStreamMs', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      kinesalite.stdout!.on('data', (c: Buffer) => /Listening/.test(c.toString()) && resolve());
      kinesalite.once('exit', (code) => reject(new Error(`kinesalite exited (${code})`)));
    });
    const out = execFileSync(process.execPath, [__filename, '--phase-stream', '--blocks', String(blocks), '--dir', dir, '--endpoint', `http://127.0.0.1:${port}`], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`the stream phase printed no result:\n${out}`);
    const { streams, bare, maxRssKb } = JSON.parse(line.slice(7)) as { streams: Result[]; bare: Result[]; maxRssKb: number };
    process.stdout.write(`\n${blocks} blocks → kinesalite (one shard); baseline = a bare PutRecords client sending the same records, same run\n`);
    process.stdout.write('mode                       records  Kinesis records     MB   seconds  records/s  ratio  target\n');
    let ok = true;
    for (let i = 0; i < 2; i++) {
      const ratio = streams[i].seconds > 0 ? bare[i].seconds / streams[i].seconds : 0;
      ok &&= ratio >= 0.5;
      for (const r of [bare[i], streams[i]]) {
        const isStream = r === streams[i];
        process.stdout.write(
          `${r.mode.padEnd(25)} ${String(r.records).padStart(8)}  ${String(r.kinesisRecords).padStart(15)}  ${(r.bytes / 1e6).toFixed(1).padStart(5)}  ` +
            `${r.seconds.toFixed(2).padStart(8)}  ${Math.round(r.records / r.seconds).toString().padStart(9)}` +
            (isStream ? `  ${ratio.toFixed(2).padStart(5)}  ≥ 0.5` : '') +
            '\n',
        );
      }
    }
    const rssMb = maxRssKb / 1024;
    process.stdout.write(`peak RSS of the streaming process: ${rssMb.toFixed(0)} MB\n`);
    process.stdout.write(ok ? 'target met\n' : 'TARGET MISSED\n');
    if (!ok) process.exitCode = 1;
  } finally {
    kinesalite.kill();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
