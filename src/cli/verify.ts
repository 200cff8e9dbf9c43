/**
 * `openqldb verify`: re-verifies a journal export as an auditor would, from a local directory
 * laid out like the export sink (`<dir>/<bucket>/<key>`) or from any S3-compatible endpoint.
 * Wiring only: the checks are src/journal/exportVerifier.ts.
 *
 * Exit codes: 0 every export verified; 1 a check failed (the first broken block is named);
 * 2 nothing could be verified (usage, no completed manifest, JSON exports, unreadable store).
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as S3 from '@aws-sdk/client-s3';
import { loadAll } from 'ion-js';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ExportVerifier, verifyObject, type ExportFailure, type ObjectSummary } from '../journal/exportVerifier';
import type { VerifyJob } from './verifyWorker';

export const VERIFY_USAGE = `Usage: openqldb verify --bucket <bucket> [--prefix <prefix>] (--dir <root> | --s3-endpoint <url>) [options]

Verifies a journal export: every revision hash, transactionInfo hash, entriesHash and blockHash,
the hash chain across objects, and consecutive sequence numbers.

  --dir <root>                  local export root: objects are files <root>/<bucket>/<key>
  --s3-endpoint <url>           S3-compatible endpoint (path-style addressing)
  --s3-access-key-id <id>       S3 credentials (else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)
  --s3-secret-access-key <key>
  --region <region>             S3 region (default us-east-1)
  --bucket <bucket>             the export's bucket
  --prefix <prefix>             the export's prefix, exactly as given to ExportJournalToS3
  --export-id <id>              verify only this export (default: every completed export under the prefix)
  --digest <base64> --tip <n>   also check that blocks 0..n of the export fold into this digest
                                (from GetDigest; its DigestTipAddress gives n)
  --threads <n>                 objects verified in parallel (default: one per core)
`;

export interface VerifyIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: VerifyIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

interface ObjectStore {
  /** keys directly under `prefix` (not inside deeper "directories") */
  list(prefix: string): Promise<string[]>;
  get(key: string): Promise<Uint8Array>;
  exists(key: string): Promise<boolean>;
}

class UsageError extends Error {}

/** A key must stay inside its bucket directory, as the export sink itself requires. */
function safeKey(key: string): string {
  if (!key || key.includes('\\') || key.includes('\0') || key.startsWith('/') || key.split('/').some((s) => s === '..' || s === '.')) {
    throw new UsageError(`refusing object key ${JSON.stringify(key)}: it would leave the bucket directory`);
  }
  return key;
}

function localStore(root: string, bucket: string): ObjectStore {
  const base = join(root, safeKey(bucket));
  if (!existsSync(base)) throw new UsageError(`no bucket directory ${base}`);
  return {
    async list(prefix) {
      const dir = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
      const start = prefix.slice(dir.length);
      const path = dir ? join(base, safeKey(dir)) : base;
      if (!existsSync(path)) return [];
      return readdirSync(path, { withFileTypes: true })
        .filter((e) => e.isFile() && e.name.startsWith(start) && !e.name.startsWith('.'))
        .map((e) => dir + e.name);
    },
    async get(key) {
      return readFileSync(join(base, safeKey(key)));
    },
    async exists(key) {
      return existsSync(join(base, safeKey(key)));
    },
  };
}

function s3Store(endpoint: string, bucket: string, region: string, accessKeyId?: string, secretAccessKey?: string): ObjectStore {
  // loaded only for S3: the SDK costs a few hundred ms of start-up that a local verify skips
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { GetObjectCommand, ListObjectsV2Command, S3Client } = require('@aws-sdk/client-s3') as typeof S3;
  const client = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
    // checksums only when required: several S3-compatible stores mishandle the newer default
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
        for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    async get(key) {
      const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!r.Body) throw new Error(`empty body for ${key}`);
      return r.Body.transformToByteArray();
    },
    async exists(key) {
      try {
        await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: 'bytes=0-0' }));
        return true;
      } catch {
        return false;
      }
    },
  };
}

interface Args {
  dir?: string;
  s3Endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  region: string;
  bucket: string;
  prefix: string;
  exportId?: string;
  digest?: Buffer;
  tip?: number;
  threads: number;
}

function parseArgs(argv: string[]): Args | 'help' {
  const flags: Record<string, string> = {};
  const known = ['--dir', '--s3-endpoint', '--s3-access-key-id', '--s3-secret-access-key', '--region', '--bucket', '--prefix', '--export-id', '--digest', '--tip', '--threads'];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return 'help';
    const eq = a.indexOf('=');
    const [flag, inline] = eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    if (!known.includes(flag)) throw new UsageError(`unknown option ${a}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    flags[flag] = value;
  }
  if (!flags['--bucket']) throw new UsageError('--bucket is required');
  if (!!flags['--dir'] === !!flags['--s3-endpoint']) throw new UsageError('give exactly one of --dir and --s3-endpoint');
  if (!!flags['--digest'] !== (flags['--tip'] !== undefined)) throw new UsageError('--digest and --tip go together');
  let digest: Buffer | undefined;
  let tip: number | undefined;
  if (flags['--digest']) {
    digest = Buffer.from(flags['--digest'], 'base64');
    if (digest.length !== 32 || digest.toString('base64') !== flags['--digest']) throw new UsageError('--digest must be 32 bytes in base64, as GetDigest returns it');
    if (!/^\d+$/.test(flags['--tip'])) throw new UsageError('--tip must be a sequence number');
    tip = Number(flags['--tip']);
  }
  if (flags['--threads'] !== undefined && !/^[1-9]\d*$/.test(flags['--threads'])) throw new UsageError('--threads must be a positive number');
  return {
    threads: flags['--threads'] ? Number(flags['--threads']) : availableParallelism(),
    dir: flags['--dir'],
    s3Endpoint: flags['--s3-endpoint'],
    accessKeyId: flags['--s3-access-key-id'] ?? process.env.AWS_ACCESS_KEY_ID,
    secretAccessKey: flags['--s3-secret-access-key'] ?? process.env.AWS_SECRET_ACCESS_KEY,
    region: flags['--region'] ?? process.env.AWS_REGION ?? 'us-east-1',
    bucket: flags['--bucket'],
    prefix: flags['--prefix'] ?? '',
    exportId: flags['--export-id'],
    digest,
    tip,
  };
}

const COMPLETED = /^([0-9A-Za-z]{22})\.([0-9A-Za-z]{22})\.completed\.manifest$/;

function manifestKeys(bytes: Uint8Array, key: string): string[] {
  let values;
  try {
    values = loadAll(bytes);
  } catch (e) {
    throw new UsageError(`${key}: not a readable manifest: ${(e as Error).message}`);
  }
  const keys = values.length === 1 ? values[0].get('keys') : null;
  if (!keys || keys.getType().name !== 'list') throw new UsageError(`${key}: a completed manifest holds {keys: [...]}`);
  return keys.elements().map((k) => {
    const s = k.stringValue();
    if (s === null) throw new UsageError(`${key}: a key is not a string`);
    return s;
  });
}

export async function runVerify(argv: string[], io: VerifyIo = defaultIo): Promise<number> {
  let args: Args | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`openqldb verify: ${e.message}\n\n${VERIFY_USAGE}`);
    return 2;
  }
  if (args === 'help') {
    io.out(VERIFY_USAGE);
    return 0;
  }
  try {
    const store = args.dir
      ? localStore(args.dir, args.bucket)
      : s3Store(args.s3Endpoint!, args.bucket, args.region, args.accessKeyId, args.secretAccessKey);
    return await verifyExports(store, args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`openqldb verify: ${e.message}\n`);
      return 2;
    }
    io.err(`openqldb verify: cannot read the export: ${(e as Error).message}\n`);
    return 2;
  }
}

async function verifyExports(store: ObjectStore, args: Args, io: VerifyIo): Promise<number> {
  const manifests = (await store.list(args.prefix))
    .map((key) => ({ key, m: COMPLETED.exec(key.slice(args.prefix.length)) }))
    .filter((x) => x.m && (!args.exportId || x.m[1] === args.exportId))
    .map((x) => ({ key: x.key, exportId: x.m![1], strandId: x.m![2] }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  if (!manifests.length) {
    const started = args.exportId && (await store.exists(`${args.prefix}${args.exportId}.started.manifest`));
    throw new UsageError(
      started
        ? `export ${args.exportId} has a started manifest but no completed one: it is still IN_PROGRESS, or was CANCELLED`
        : `no completed manifest (<prefix><exportId>.<strandId>.completed.manifest) under s3://${args.bucket}/${args.prefix}`,
    );
  }
  let failed = false;
  for (const manifest of manifests) {
    const keys = manifestKeys(await store.get(manifest.key), manifest.key);
    const label = `export ${manifest.exportId} (strand ${manifest.strandId})`;
    if (keys.some((k) => k.endsWith('.json'))) {
      io.err(
        `${label}: cannot be verified: it is a JSON export. JSON keeps no Ion types (timestamps and blobs ` +
          `become strings, ints and decimals plain numbers, symbols strings, annotations are dropped), so the ` +
          `Ion hashes of its blocks cannot be recomputed. Export the journal as ION_TEXT or ION_BINARY to verify it.\n`,
      );
      return 2;
    }
    const failure = await verifyOne(store, manifest.strandId, keys, args, io, label);
    if (failure) {
      io.out(`${label}: FAILED\n  ${failure.message}\n  check: ${failure.check}${failure.sequenceNo !== undefined ? `, sequenceNo ${failure.sequenceNo}` : ''}, object ${failure.key}\n`);
      failed = true;
      break;
    }
  }
  return failed ? 1 : 0;
}

/** Verifies objects on worker threads; results come back in submission order. */
class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: { job: VerifyJob; resolve: (s: ObjectSummary) => void; reject: (e: Error) => void }[] = [];
  private readonly running = new Map<number, { resolve: (s: ObjectSummary) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(join(__dirname, 'verifyWorker.js'));
      w.on('message', (m: { id: number; summary?: ObjectSummary; error?: string }) => {
        const r = this.running.get(m.id)!;
        this.running.delete(m.id);
        if (m.summary) r.resolve(revive(m.summary));
        else r.reject(new Error(m.error));
        this.dispatch(w);
      });
      w.on('error', (e) => {
        for (const r of this.running.values()) r.reject(e);
        this.running.clear();
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  run(key: string, bytes: Uint8Array, strandId: string | undefined, hashesUpTo: number): Promise<ObjectSummary> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ job: { id: this.nextId++, key, bytes, strandId, hashesUpTo }, resolve, reject });
      const w = this.idle.pop();
      if (w) this.dispatch(w);
    });
  }

  private dispatch(w: Worker): void {
    const next = this.waiting.shift();
    if (!next) {
      this.idle.push(w);
      return;
    }
    this.running.set(next.job.id, next);
    w.postMessage(next.job);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Buffers cross the thread boundary as plain Uint8Arrays. */
function revive(s: ObjectSummary): ObjectSummary {
  const buf = (u?: Uint8Array) => (u ? Buffer.from(u.buffer, u.byteOffset, u.byteLength) : undefined);
  return { ...s, firstPreviousHash: buf(s.firstPreviousHash), lastBlockHash: buf(s.lastBlockHash), blockHashes: s.blockHashes.map((h) => buf(h)!) };
}

async function verifyOne(
  store: ObjectStore,
  strandId: string,
  keys: string[],
  args: Args,
  io: VerifyIo,
  label: string,
): Promise<ExportFailure | undefined> {
  const verifier = new ExportVerifier(strandId, args.tip);
  const hashesUpTo = args.tip ?? -1;
  const started = Date.now();
  let lastProgress = started;
  const threads = Math.min(args.threads, keys.length);
  const pool = threads > 1 ? new WorkerPool(threads) : undefined;
  // objects in flight: fetched and being verified, linked strictly in manifest order
  const window = Math.max(2, threads * 2);
  const inFlight: { key: string; summary: Promise<ObjectSummary> }[] = [];
  let submitted = 0;
  const submit = () => {
    const key = keys[submitted++];
    const summary = store.get(key).then(
      (bytes) => (pool ? pool.run(key, bytes, strandId, hashesUpTo) : verifyObject(key, bytes, strandId, hashesUpTo)),
      (e: Error): ObjectSummary => ({
        key,
        blocks: 0,
        blockHashes: [],
        failure: { key, check: 'format', message: `${key}: listed in the manifest but cannot be read: ${e.message}` },
      }),
    );
    // a result we stop waiting for (after a failure) must not become an unhandled rejection
    summary.catch(() => undefined);
    inFlight.push({ key, summary });
  };
  try {
    for (let linked = 0; linked < keys.length; linked++) {
      while (submitted < keys.length && inFlight.length < window) submit();
      const failure = verifier.link(await inFlight.shift()!.summary);
      if (failure) return failure;
      const now = Date.now();
      if (now - lastProgress >= 2000) {
        lastProgress = now;
        const rate = Math.round((verifier.blocks * 1000) / (now - started));
        io.err(`verify: ${label}: ${verifier.blocks} blocks, ${linked + 1}/${keys.length} objects, ${rate} blocks/s\n`);
      }
    }
  } finally {
    await pool?.close();
  }
  if (args.digest && args.tip !== undefined) {
    const failure = verifier.checkDigest(args.digest);
    if (failure) return failure;
  }
  const seconds = (Date.now() - started) / 1000;
  const range = verifier.blocks ? `blocks ${verifier.firstSeq}..${verifier.lastSequenceNo}` : 'no blocks (an empty time range)';
  const rate = seconds > 0 ? `, ${Math.round(verifier.blocks / seconds)} blocks/s` : '';
  io.out(`${label}: OK — ${range} in ${keys.length} objects verified${rate}\n`);
  if (args.digest) io.out(`${label}: blocks 0..${args.tip} fold into the given digest\n`);
  return undefined;
}

