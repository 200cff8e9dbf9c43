/**
 * `openqldb verify`: re-verifies a journal export as an auditor would, from a local directory
 * laid out like the export sink (`<dir>/<bucket>/<key>`) or from any S3-compatible endpoint.
 * Wiring only: the checks are src/journal/exportVerifier.ts.
 *
 * Exit codes: 0 every Ion export verified (JSON exports are skipped, saying why); 1 a check of
 * some export failed (its first broken block is named); 2 nothing could be verified (usage, no
 * completed manifest, only JSON exports, unreadable store).
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as S3 from '@aws-sdk/client-s3';
import { loadAll } from 'ion-js';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  ExportVerifier,
  OBJECT_NAME,
  findOmittedBlock,
  verifyObject,
  type ExportFailure,
  type ExportRange,
  type ObjectSummary,
} from '../journal/exportVerifier';
import type { VerifyJob } from './verifyWorker';

export const VERIFY_USAGE = `Usage: openqldb verify --bucket <bucket> [--prefix <prefix>] (--dir <root> | --s3-endpoint <url>) [options]

Verifies a journal export: every revision hash, transactionInfo hash, entriesHash and blockHash,
the hash chain across objects, consecutive sequence numbers, block timestamps that never
decrease and lie in the export's [InclusiveStartTime, ExclusiveEndTime) (from its started
manifest), and that no data object of that range was left out of the completed manifest.
JSON exports cannot be re-hashed and are skipped.

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
  /** every key under `prefix`, at any depth */
  listTree(prefix: string): Promise<string[]>;
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
    async listTree(prefix) {
      const dir = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
      const start = prefix.slice(dir.length);
      const path = dir ? join(base, safeKey(dir)) : base;
      const keys: string[] = [];
      const walk = (rel: string) => {
        for (const e of readdirSync(join(path, rel), { withFileTypes: true })) {
          if (e.name.startsWith('.') || (!rel && !e.name.startsWith(start))) continue;
          if (e.isDirectory()) walk(`${rel}${e.name}/`);
          else if (e.isFile()) keys.push(`${dir}${rel}${e.name}`);
        }
      };
      if (existsSync(path)) walk('');
      return keys;
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
    // no Delimiter: walking CommonPrefixes level by level would cost a request per directory,
    // and s3rver (3.7) drops the prefixes of keys two or more levels down
    async listTree(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
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

type Started = { range: ExportRange; json: boolean } | { problem: string };

/** The started manifest gives the time range the completeness check needs, and the format. */
async function readStarted(store: ObjectStore, key: string): Promise<Started> {
  let bytes: Uint8Array;
  try {
    bytes = await store.get(key);
  } catch (e) {
    return { problem: `cannot be read: ${(e as Error).message}` };
  }
  let values;
  try {
    values = loadAll(bytes);
  } catch (e) {
    return { problem: `not a readable manifest: ${(e as Error).message}` };
  }
  const m = values.length === 1 && values[0].getType().name === 'struct' ? values[0] : null;
  if (!m) return { problem: 'not a struct' };
  // a JSON export's manifest is one JSON object, whose times are strings
  const time = (name: string): number => {
    const v = m.get(name);
    const type = v?.getType().name;
    if (type === 'timestamp') return v!.timestampValue()!.getDate().getTime();
    if (type === 'string') return Date.parse(v!.stringValue()!);
    return NaN;
  };
  const start = time('inclusiveStartTime');
  const end = time('exclusiveEndTime');
  if (!Number.isFinite(start) || !Number.isFinite(end)) return { problem: 'holds no inclusiveStartTime and exclusiveEndTime timestamps' };
  return { range: { start, end }, json: m.get('outputFormat')?.stringValue() === 'JSON' };
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
  let verified = 0;
  for (const manifest of manifests) {
    const keys = manifestKeys(await store.get(manifest.key), manifest.key);
    const label = `export ${manifest.exportId} (strand ${manifest.strandId})`;
    const started = await readStarted(store, `${args.prefix}${manifest.exportId}.started.manifest`);
    // an empty JSON export lists no key to tell it by: its started manifest names the format
    if (keys.some((k) => k.endsWith('.json')) || ('json' in started && started.json)) {
      io.err(
        `${label}: cannot be verified: it is a JSON export. JSON keeps no Ion types (timestamps and blobs ` +
          `become strings, ints and decimals plain numbers, symbols strings, annotations are dropped), so the ` +
          `Ion hashes of its blocks cannot be recomputed. Export the journal as ION_TEXT or ION_BINARY to verify it. Skipped.\n`,
      );
      continue;
    }
    verified++;
    // every export gets its verdict: one broken export says nothing about the others
    const failure = await verifyOne(store, manifest, keys, started, args, io, label);
    if (failure) {
      io.out(`${label}: FAILED\n  ${failure.message}\n  check: ${failure.check}${failure.sequenceNo !== undefined ? `, sequenceNo ${failure.sequenceNo}` : ''}, object ${failure.key}\n`);
      failed = true;
    }
  }
  if (failed) return 1;
  if (!verified) {
    io.err(`openqldb verify: nothing could be verified under s3://${args.bucket}/${args.prefix}: every completed export there is a JSON export\n`);
    return 2;
  }
  return 0;
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

  run(key: string, bytes: Uint8Array, strandId: string | undefined, hashesUpTo: number, range: ExportRange | undefined): Promise<ObjectSummary> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ job: { id: this.nextId++, key, bytes, strandId, hashesUpTo, range }, resolve, reject });
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
  manifest: { key: string; exportId: string; strandId: string },
  keys: string[],
  startedManifest: Started,
  args: Args,
  io: VerifyIo,
  label: string,
): Promise<ExportFailure | undefined> {
  const strandId = manifest.strandId;
  // without a readable started manifest the range is unknown; that failure is reported below
  const range = 'range' in startedManifest ? startedManifest.range : undefined;
  const verifier = new ExportVerifier(strandId, args.tip, range);
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
      (bytes) => (pool ? pool.run(key, bytes, strandId, hashesUpTo, range) : verifyObject(key, bytes, strandId, hashesUpTo, range)),
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
        io.err(`verify: ${label}: ${count(verifier.blocks, 'block')}, ${linked + 1}/${count(keys.length, 'object')}, ${rate} blocks/s\n`);
      }
    }
  } finally {
    await pool?.close();
  }
  // the linked objects can only vouch for themselves: an object left out of the manifest at
  // either end (or all of them) leaves no gap, so look for the blocks of the range elsewhere
  if ('problem' in startedManifest) {
    const key = `${args.prefix}${manifest.exportId}.started.manifest`;
    return {
      key,
      check: 'startedManifest',
      message: `${key}: ${startedManifest.problem}; without the export's time range, data objects left out of the completed manifest cannot be detected`,
    };
  }
  const covered = verifier.blocks ? { first: verifier.firstSeq!, last: verifier.lastSequenceNo! } : undefined;
  const omitted = await findOmittedObject(store, args, io, manifest, keys, startedManifest.range, covered);
  if (omitted) return omitted;
  if (args.digest && args.tip !== undefined) {
    const failure = verifier.checkDigest(args.digest);
    if (failure) return failure;
  }
  const seconds = (Date.now() - started) / 1000;
  const rate = seconds > 0 ? `, ${Math.round(verifier.blocks / seconds)} blocks/s` : '';
  io.out(`${label}: OK — ${blockRange(verifier.firstSeq, verifier.lastSequenceNo)} in ${count(keys.length, 'object')} verified${rate}\n`);
  if (args.digest) io.out(`${label}: ${blockRange(0, args.tip)} ${args.tip === 0 ? 'folds' : 'fold'} into the given digest\n`);
  return undefined;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function blockRange(first: number | undefined, last: number | undefined): string {
  if (first === undefined || last === undefined) return 'no blocks (an empty time range)';
  return first === last ? `block ${first}` : `blocks ${first}..${last}`;
}

/** `yyyy/MM/dd/HH/<name>` after the prefix: a data object in an hour directory. */
const HOUR_OBJECT = /^\d{4}\/\d{2}\/\d{2}\/\d{2}\/[^/]+$/;

/**
 * Finds a data object of this export's strand that the completed manifest does not list but
 * that holds a block of the export's range the listed objects do not: the manifest must have
 * listed it. Objects sit in the export's creation-hour directory, so the directories of the
 * listed keys are where a left-out object is; other exports' objects there are told apart by
 * their blocks' timestamps.
 */
async function findOmittedObject(
  store: ObjectStore,
  args: Args,
  io: VerifyIo,
  manifest: { key: string; strandId: string },
  keys: string[],
  range: ExportRange,
  covered: { first: number; last: number } | undefined,
): Promise<ExportFailure | undefined> {
  const listed = new Set(keys);
  let objects: string[];
  if (keys.length) {
    objects = [];
    for (const dir of new Set(keys.map((k) => k.slice(0, k.lastIndexOf('/') + 1)))) objects.push(...(await store.list(dir)));
  } else {
    // nothing listed, so no directory to go by: the export's hour is any hour under the prefix
    objects = (await store.listTree(args.prefix)).filter((k) => HOUR_OBJECT.test(k.slice(args.prefix.length)));
  }
  const candidates: { key: string; first: number }[] = [];
  for (const key of objects) {
    const name = OBJECT_NAME.exec(key.slice(key.lastIndexOf('/') + 1));
    if (listed.has(key) || !name || name[1] !== manifest.strandId || name[4] !== 'ion') continue;
    const first = Number(name[2]);
    const last = Number(name[3]);
    // the key names the blocks it holds (checked for listed objects); one whose blocks are all
    // covered cannot hold a missing one, and skipping it spares reading other exports' copies
    if (covered && first >= covered.first && last <= covered.last) continue;
    candidates.push({ key, first });
  }
  // lowest sequence numbers first, so that the first missing block is the one named
  candidates.sort((a, b) => a.first - b.first || (a.key < b.key ? -1 : 1));
  const window = Math.max(2, args.threads * 2);
  const pending: Promise<ExportFailure | undefined>[] = [];
  let next = 0;
  const start = () => {
    const { key } = candidates[next++];
    const found = store.get(key).then(
      (bytes) => findOmittedBlock(key, bytes, manifest.strandId, range, covered, manifest.key),
      (e: Error) => {
        // not evidence either way, but the auditor should know the check passed over it
        io.err(`verify: ${key}: cannot be read (${e.message}); the check for objects left out of ${manifest.key} passed over it\n`);
        return undefined;
      },
    );
    found.catch(() => undefined);
    pending.push(found);
  };
  for (let i = 0; i < candidates.length; i++) {
    while (next < candidates.length && pending.length < window) start();
    const failure = await pending.shift()!;
    if (failure) return failure;
  }
  return undefined;
}
