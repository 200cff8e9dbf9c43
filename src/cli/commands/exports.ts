/** `openqldb exports start | describe | list`: journal exports to S3 (or the server's local directory). */
import {
  DescribeJournalS3ExportCommand,
  ExportJournalToS3Command,
  ListJournalS3ExportsCommand,
  ListJournalS3ExportsForLedgerCommand,
  type DescribeJournalS3ExportCommandOutput,
  type OutputFormat,
  type S3ExportConfiguration,
} from '@aws-sdk/client-qldb';
import { jsonObject, LEDGER_NAME, timestamp, UsageError, type Args, type FlagSpec } from './args';
import { EXIT, runGroup, type Command, type Context, type Io } from './group';
import { fieldTable } from './output';
import { listAll, PAGE_FLAGS, pagedTable } from './pages';

const WAIT: FlagSpec = { kind: 'switch', help: 'show progress until the export is COMPLETED (exit 0) or CANCELLED (exit 1), then print its description' };
const ENCRYPTIONS = ['SSE_S3', 'SSE_KMS', 'NO_ENCRYPTION'];

function s3Configuration(args: Args): S3ExportConfiguration {
  const json = args.string('s3-export-configuration');
  const bucket = args.string('bucket');
  if ((json === undefined) === (bucket === undefined)) throw new UsageError('give either --s3-export-configuration or --bucket');
  if (json !== undefined) {
    for (const f of ['prefix', 'encryption', 'kms-key-arn']) if (args.has(f)) throw new UsageError(`--${f} goes with --bucket, not with --s3-export-configuration`);
    return jsonObject('s3-export-configuration', json) as unknown as S3ExportConfiguration;
  }
  const type = args.string('encryption') ?? (args.has('kms-key-arn') ? 'SSE_KMS' : 'SSE_S3');
  if (!ENCRYPTIONS.includes(type)) throw new UsageError(`--encryption must be one of ${ENCRYPTIONS.join(', ')}, got '${type}'`);
  const kmsKeyArn = args.string('kms-key-arn');
  return {
    Bucket: bucket,
    Prefix: args.string('prefix') ?? '',
    EncryptionConfiguration: { ObjectEncryptionType: type as 'SSE_S3', ...(kmsKeyArn === undefined ? {} : { KmsKeyArn: kmsKeyArn }) },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until the export leaves IN_PROGRESS. Progress goes to standard error, so that standard
 * output stays the answer: one updating line on a terminal; otherwise a line when the status
 * changes and every 30 s, which a log keeps readable.
 */
async function waitForExport(ctx: Context, name: string, exportId: string): Promise<DescribeJournalS3ExportCommandOutput> {
  const { io } = ctx;
  const started = Date.now();
  let shown = '';
  let shownAt = 0;
  for (let interval = 250; ; interval = Math.min(interval * 2, 2000)) {
    const answer = await ctx.client.send(new DescribeJournalS3ExportCommand({ Name: name, ExportId: exportId }));
    const status = answer.ExportDescription?.Status ?? 'UNKNOWN';
    const line = `export ${exportId} of ledger ${name}: ${status} after ${Math.round((Date.now() - started) / 1000)} s`;
    const done = status !== 'IN_PROGRESS';
    if (io.errIsTTY) io.err(`\r\x1b[2K${line}${done ? '\n' : ''}`);
    else if (status !== shown || Date.now() - shownAt >= 30_000 || done) {
      io.err(`${line}\n`);
      shown = status;
      shownAt = Date.now();
    }
    if (done) return answer;
    await sleep(interval);
  }
}

async function printWaited(ctx: Context, name: string, exportId: string): Promise<number> {
  const answer = await waitForExport(ctx, name, exportId);
  ctx.print(answer, describeTable);
  return answer.ExportDescription?.Status === 'COMPLETED' ? EXIT.ok : EXIT.outcome;
}

const describeTable = (a: Record<string, unknown>) => fieldTable(a.ExportDescription as Record<string, unknown>);

const start: Command = {
  name: 'start',
  summary: "export a ledger's journal blocks of a time range to S3",
  aws: 'export-journal-to-s3',
  flags: {
    name: LEDGER_NAME,
    'inclusive-start-time': { kind: 'string', value: 'time', help: 'ISO 8601 (2024-05-01T00:00:00Z) or epoch seconds', required: true },
    'exclusive-end-time': { kind: 'string', value: 'time', help: 'ISO 8601 or epoch seconds; not in the future', required: true },
    'role-arn': { kind: 'string', value: 'arn', help: 'IAM role QLDB would write with (recorded)', required: true },
    's3-export-configuration': { kind: 'string', value: 'json', help: '{"Bucket": …, "Prefix": …, "EncryptionConfiguration": {"ObjectEncryptionType": …}}' },
    bucket: { kind: 'string', value: 'bucket', help: 'or the bucket, with --prefix and --encryption' },
    prefix: { kind: 'string', value: 'prefix', help: 'key prefix (default none)' },
    encryption: { kind: 'string', value: 'type', help: 'SSE_S3 (default), SSE_KMS (with --kms-key-arn) or NO_ENCRYPTION' },
    'kms-key-arn': { kind: 'string', value: 'arn', help: 'the KMS key of SSE_KMS' },
    'output-format': { kind: 'string', value: 'format', help: 'ION_TEXT (default), ION_BINARY or JSON' },
    wait: WAIT,
  },
  notes: 'Without --wait it prints the ExportId answer; with it, the finished export as "exports describe" does.',
  async run(ctx, args) {
    const name = args.need('name');
    const answer = await ctx.client.send(
      new ExportJournalToS3Command({
        Name: name,
        InclusiveStartTime: timestamp('inclusive-start-time', args.need('inclusive-start-time')),
        ExclusiveEndTime: timestamp('exclusive-end-time', args.need('exclusive-end-time')),
        RoleArn: args.need('role-arn'),
        S3ExportConfiguration: s3Configuration(args),
        OutputFormat: args.string('output-format') as OutputFormat | undefined,
      }),
    );
    if (args.bool('wait')) return printWaited(ctx, name, answer.ExportId!);
    ctx.print(answer, fieldTable);
  },
};

const describe: Command = {
  name: 'describe',
  summary: 'show an export: its status, time range, destination and format',
  aws: 'describe-journal-s3-export',
  flags: {
    name: LEDGER_NAME,
    'export-id': { kind: 'string', value: 'id', help: 'the ExportId', required: true },
    wait: WAIT,
  },
  async run(ctx, args) {
    const name = args.need('name');
    const exportId = args.need('export-id');
    if (args.bool('wait')) return printWaited(ctx, name, exportId);
    ctx.print(await ctx.client.send(new DescribeJournalS3ExportCommand({ Name: name, ExportId: exportId })), describeTable);
  },
};

const list: Command = {
  name: 'list',
  summary: "list the exports of the account, or of one ledger with --name",
  aws: 'list-journal-s3-exports, list-journal-s3-exports-for-ledger',
  flags: { name: { kind: 'string', value: 'ledger', help: "only this ledger's exports" }, ...PAGE_FLAGS },
  async run(ctx, args) {
    const name = args.string('name');
    const answer = await listAll(
      args,
      (page) => (name === undefined ? ctx.client.send(new ListJournalS3ExportsCommand(page)) : ctx.client.send(new ListJournalS3ExportsForLedgerCommand({ Name: name, ...page }))),
      'JournalS3Exports',
    );
    ctx.print(answer, (a) =>
      pagedTable(a, 'JournalS3Exports', ['ExportId', 'LedgerName', 'Status', 'ExportCreationTime', 'InclusiveStartTime', 'ExclusiveEndTime', 'S3ExportConfiguration.Bucket', 'S3ExportConfiguration.Prefix', 'OutputFormat']),
    );
  },
};

export function runExports(argv: string[], io?: Io): Promise<number> {
  return runGroup('exports', 'Export journal blocks to S3 and follow the exports.', [start, describe, list], argv, io);
}
