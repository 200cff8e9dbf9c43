/**
 * `openqldb verify`: re-verifies a journal export as an auditor would, from a local directory
 * laid out like the export sink (`<dir>/<bucket>/<key>`) or from any S3-compatible endpoint.
 * Wiring only: the checks are src/journal/exportVerifier.ts.
 *
 * Exit codes: 0 every Ion export verified (JSON exports are skipped, saying why); 1 a check of
 * some export failed (its first broken block is named); 2 nothing could be verified (usage, no
 * completed manifest, only JSON exports, unreadable store).
 */
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import {
  ExportVerifier,
  OBJECT_NAME,
  findOmittedBlock,
  verifyObject,
  type ExportFailure,
  type ExportRange,
  type ObjectSummary,
} from '../journal/exportVerifier';
import { VerifyPool } from '../exports/verifyPool';
import { LocalSink } from '../exports/sinks/localSink';
import { COMPLETED_MANIFEST, ManifestError, decodeCompletedManifest, decodeStartedManifest } from '../exports/manifests';
import { SinkError, type Sink } from '../exports/sinks/sink';
import type * as S3SinkModule from '../exports/sinks/s3Sink';

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

/**
 * The export as the sink that wrote it reads it back (the local directory or the S3 API), the
 * same reading a journal import does.
 */
function sinkStore(sink: Sink, bucket: string): ObjectStore {
  const under = async (prefix: string) => {
    try {
      return await sink.list(bucket, prefix);
    } catch (e) {
      if (e instanceof SinkError && (e.code === 'NoSuchBucket' || e.code === 'InvalidBucketName')) throw new UsageError(`no bucket ${bucket}: ${e.message}`);
      if (e instanceof SinkError && e.code === 'InvalidObjectKey') throw new UsageError(`refusing prefix ${JSON.stringify(prefix)}: it would leave the bucket directory`);
      throw e;
    }
  };
  return {
    async list(prefix) {
      const dir = prefix.slice(0, prefix.lastIndexOf('/') + 1);
      return (await under(prefix)).filter((k) => !k.slice(dir.length).includes('/'));
    },
    listTree: under,
    async get(key) {
      try {
        return await sink.get(bucket, key);
      } catch (e) {
        if (e instanceof SinkError && e.code === 'InvalidObjectKey') throw new UsageError(`refusing object key ${JSON.stringify(key)}: it would leave the bucket directory`);
        throw e;
      }
    },
    async exists(key) {
      return this.get(key).then(
        () => true,
        () => false,
      );
    },
  };
}

function openSink(args: Args): Sink {
  if (args.dir) return new LocalSink(args.dir);
  // loaded only for S3: the SDK costs a few hundred ms of start-up that a local verify skips
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { S3Sink } = require('../exports/sinks/s3Sink') as typeof S3SinkModule;
  return new S3Sink({ endpoint: args.s3Endpoint!, region: args.region, forcePathStyle: true, accessKeyId: args.accessKeyId, secretAccessKey: args.secretAccessKey });
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

type Started = { range: ExportRange; json: boolean } | { problem: string };

/** The started manifest gives the time range the completeness check needs, and the format. */
async function readStarted(store: ObjectStore, key: string): Promise<Started> {
  let bytes: Uint8Array;
  try {
    bytes = await store.get(key);
  } catch (e) {
    return { problem: `cannot be read: ${(e as Error).message}` };
  }
  try {
    const { start, end, json } = decodeStartedManifest(bytes);
    return { range: { start, end }, json };
  } catch (e) {
    if (e instanceof ManifestError) return { problem: e.message };
    throw e;
  }
}

function manifestKeys(bytes: Uint8Array, key: string): string[] {
  try {
    return decodeCompletedManifest(bytes);
  } catch (e) {
    if (e instanceof ManifestError) throw new UsageError(`${key}: ${e.message}`);
    throw e;
  }
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
    const sink = openSink(args);
    try {
      return await verifyExports(sinkStore(sink, args.bucket), args, io);
    } finally {
      sink.close();
    }
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
    
    .map((key) => ({ key, m: COMPLETED_MANIFEST.exec(key.slice(args.prefix.length)) }))
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
  const pool = threads > 1 ? new VerifyPool(threads) : undefined;
  // objects in flight: fetched and being verified, linked strictly in manifest order
  const window = Math.max(2, threads * 2);
  const inFlight: { key: string; summary: Promise<ObjectSummary> }[] = [];
  let submitted = 0;
  const submit = () => {
    const key = keys[submitted++];
    const summary = store.get(key).then(
      (bytes) => (pool ? pool.run(key, bytes, strandId, hashesUpTo, range).then((v) => v.summary) : verifyObject(key, bytes, strandId, hashesUpTo, range)),
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
