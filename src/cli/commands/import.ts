/**
 * `openqldb import`: a new ledger from journal exports in S3 (or the server's local directory),
 * through the ImportJournalFromS3 extension, followed to its end: a progress bar (blocks, MB/s,
 * ETA) on a terminal, a plain line every few seconds otherwise, then the import's description.
 * Exit 0 when COMPLETED, 1 when FAILED (saying why).
 */
import { LEDGER_NAME, UsageError, type Args } from './args';
import { EXIT, runGroup, type Command, type Context, type Io } from './group';
import { fieldTable } from './output';
import { ImportApiError, ImportClient, type ImportDescription, type ImportJournalInput } from './importClient';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The import client over the command's own client flags: the same endpoint, region and credentials. */
async function clientOf(ctx: Context): Promise<ImportClient> {
  const c = ctx.client.config;
  const e = await c.endpoint!();
  const endpoint = `${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}${e.path && e.path !== '/' ? e.path : ''}`;
  return new ImportClient({ endpoint, region: () => c.region(), credentials: c.credentials });
}

function request(args: Args): ImportJournalInput {
  const digest = args.string('digest');
  const tip = args.string('tip');
  if ((digest === undefined) !== (tip === undefined)) throw new UsageError('--digest and --tip go together (GetDigest answers both)');
  if (digest !== undefined && Buffer.from(digest, 'base64').length !== 32) throw new UsageError('--digest must be the 32-byte digest in base64, as GetDigest returns it');
  const mode = args.string('permissions-mode') ?? 'STANDARD';
  if (mode !== 'STANDARD' && mode !== 'ALLOW_ALL') throw new UsageError(`--permissions-mode must be STANDARD or ALLOW_ALL, got '${mode}'`);
  const exportIds = args.list('export-id');
  const deletionProtection = args.bool('deletion-protection');
  return {
    Name: args.need('ledger'),
    S3ImportConfiguration: { Bucket: args.need('bucket'), Prefix: args.string('prefix') ?? '', ...(exportIds?.length ? { ExportIds: exportIds } : {}) },
    PermissionsMode: mode,
    ...(deletionProtection === undefined ? {} : { DeletionProtection: deletionProtection }),
    ...(digest === undefined ? {} : { Digest: digest, DigestTipAddress: { IonText: tip! } }),
  };
}

function seconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  return s >= 90 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`;
}

/** One progress line: a bar when the total is known, blocks, MB/s and the time left. */
export function progressLine(d: ImportDescription, elapsedMs: number, width = 24): string {
  const done = d.BlocksWritten;
  const total = d.TotalBlocks;
  const rate = elapsedMs > 0 ? d.BytesRead / 1e6 / (elapsedMs / 1000) : 0;
  const blocksPerSecond = elapsedMs > 0 ? done / (elapsedMs / 1000) : 0;
  const parts = [`import ${d.ImportId} of ledger ${d.LedgerName}: ${d.Status}`];
  if (total) {
    const filled = Math.min(width, Math.round((done / total) * width));
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} blocks`);
    if (d.Status === 'IN_PROGRESS') parts.push(`ETA ${blocksPerSecond > 0 ? seconds((total - done) / blocksPerSecond) : '?'}`);
  } else {
    parts.push(`${done} blocks`);
  }
  parts.push(`${d.BlocksVerified} verified`, `${rate.toFixed(1)} MB/s`);
  return parts.join(', ');
}

async function follow(client: ImportClient, io: Io, importId: string): Promise<ImportDescription> {
  const started = Date.now();
  let shownAt = 0;
  let shownStatus = '';
  for (;;) {
    const d = await client.describe(importId);
    const done = d.Status !== 'IN_PROGRESS';
    const line = progressLine(d, Date.now() - started);
    if (io.errIsTTY) io.err(`\r\x1b[2K${line}${done ? '\n' : ''}`);
    else if (done || d.Status !== shownStatus || Date.now() - shownAt >= 5_000) {
      io.err(`${line}\n`);
      shownAt = Date.now();
      shownStatus = d.Status;
    }
    if (done) return d;
    await sleep(io.errIsTTY ? 250 : 1000);
  }
}

const command: Command = {
  name: '',
  summary: 'create a ledger from journal exports in S3, hash chain intact, and follow the import to its end',
  aws: 'none: the openqldb extension ImportJournalFromS3',
  flags: {
    ledger: { ...LEDGER_NAME, help: 'the ledger to create' },
    bucket: { kind: 'string', value: 'bucket', help: 'where the exports are', required: true },
    prefix: { kind: 'string', value: 'prefix', help: 'the exports\' prefix, as given to ExportJournalToS3 (default none)' },
    'export-id': { kind: 'list', value: 'id', help: 'import only these exports (default: every completed export under the prefix)' },
    digest: { kind: 'string', value: 'base64', help: 'a digest saved from GetDigest: the import fails unless the journal folds to it' },
    tip: { kind: 'string', value: 'iontext', help: 'that digest\'s DigestTipAddress, e.g. {strandId:"…",sequenceNo:123}' },
    'permissions-mode': { kind: 'string', value: 'mode', help: 'STANDARD (default) or ALLOW_ALL' },
    'deletion-protection': { kind: 'negatable', help: 'of the new ledger (default on)' },
  },
  notes: 'Progress goes to standard error; the finished import is printed as its description. Exit 0: COMPLETED; 1: FAILED.',
  async run(ctx, args) {
    const input = request(args);
    const client = await clientOf(ctx);
    let d: ImportDescription;
    try {
      const { ImportId } = await client.importJournal(input);
      d = await follow(client, ctx.io, ImportId);
    } catch (e) {
      if (!(e instanceof ImportApiError)) throw e;
      ctx.io.err(`An error occurred (${e.name}) when calling the ImportJournalFromS3 operation: ${e.message}\n`);
      return EXIT.service;
    }
    ctx.io.out(ctx.output === 'json' ? `${JSON.stringify({ ImportDescription: d }, null, 4)}\n` : fieldTable(d as unknown as Record<string, unknown>));
    if (d.Status === 'COMPLETED') return EXIT.ok;
    ctx.io.err(`openqldb import: FAILED: ${d.ErrorMessage ?? 'no reason recorded'}\n`);
    return EXIT.outcome;
  },
};

export function runImport(argv: string[], io?: Io): Promise<number> {
  return runGroup('import', command.summary, [command], argv, io);
}
