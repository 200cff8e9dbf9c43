/** `openqldb streams start | describe | list | cancel`: journal streams to Kinesis. */
import {
  CancelJournalKinesisStreamCommand,
  DescribeJournalKinesisStreamCommand,
  ListJournalKinesisStreamsForLedgerCommand,
  StreamJournalToKinesisCommand,
  type KinesisConfiguration,
} from '@aws-sdk/client-qldb';
import { jsonObject, LEDGER_NAME, tagMap, timestamp, UsageError, type Args, type FlagSpec } from './args';
import { runGroup, type Command, type Io } from './group';
import { fieldTable } from './output';
import { listAll, PAGE_FLAGS, pagedTable } from './pages';

const LEDGER: FlagSpec = { ...LEDGER_NAME, help: 'the ledger (awscli: --ledger-name)' };
const STREAM_ID: FlagSpec = { kind: 'string', value: 'id', help: 'the StreamId', required: true };

/**
 * `--kinesis-configuration` as awscli takes the structure: `StreamArn=…,AggregationEnabled=false`
 * or a JSON object.
 */
function kinesisConfiguration(text: string): KinesisConfiguration {
  if (text.trimStart().startsWith('{')) return jsonObject('kinesis-configuration', text) as unknown as KinesisConfiguration;
  const fields = tagMap('kinesis-configuration', text);
  const out: KinesisConfiguration = { StreamArn: fields.StreamArn };
  for (const key of Object.keys(fields)) {
    if (key !== 'StreamArn' && key !== 'AggregationEnabled') throw new UsageError(`--kinesis-configuration takes StreamArn and AggregationEnabled, not ${key}`);
  }
  if (fields.AggregationEnabled !== undefined) {
    if (!['true', 'false'].includes(fields.AggregationEnabled.toLowerCase())) throw new UsageError('--kinesis-configuration: AggregationEnabled must be true or false');
    out.AggregationEnabled = fields.AggregationEnabled.toLowerCase() === 'true';
  }
  if (!out.StreamArn) throw new UsageError('--kinesis-configuration needs StreamArn=<Kinesis stream ARN>');
  return out;
}

const describeTable = (a: Record<string, unknown>) => fieldTable(a.Stream as Record<string, unknown>);

const start: Command = {
  name: 'start',
  summary: "stream a ledger's journal to a Kinesis data stream",
  aws: 'stream-journal-to-kinesis',
  flags: {
    'ledger-name': LEDGER,
    'stream-name': { kind: 'string', value: 'name', help: 'a name for the stream', required: true },
    'role-arn': { kind: 'string', value: 'arn', help: 'IAM role QLDB would write with (recorded)', required: true },
    'kinesis-configuration': { kind: 'string', value: 'StreamArn=…,AggregationEnabled=…', help: 'the Kinesis stream, as awscli takes it (or JSON)', required: true },
    'inclusive-start-time': { kind: 'string', value: 'time', help: 'ISO 8601 or epoch seconds; not in the future', required: true },
    'exclusive-end-time': { kind: 'string', value: 'time', help: 'ISO 8601 or epoch seconds; without it the stream runs until canceled' },
    tags: { kind: 'string', value: 'Key=Value,...', help: 'tags, as Key=Value,… or a JSON object' },
  },
  async run(ctx, args: Args) {
    const end = args.string('exclusive-end-time');
    const tags = args.string('tags');
    const answer = await ctx.client.send(
      new StreamJournalToKinesisCommand({
        LedgerName: args.need('ledger-name'),
        StreamName: args.need('stream-name'),
        RoleArn: args.need('role-arn'),
        KinesisConfiguration: kinesisConfiguration(args.need('kinesis-configuration')),
        InclusiveStartTime: timestamp('inclusive-start-time', args.need('inclusive-start-time')),
        ExclusiveEndTime: end === undefined ? undefined : timestamp('exclusive-end-time', end),
        Tags: tags === undefined ? undefined : tagMap('tags', tags),
      }),
    );
    ctx.print(answer, fieldTable);
  },
};

const describe: Command = {
  name: 'describe',
  summary: 'show a stream: its status (and ErrorCause), time range and Kinesis stream',
  aws: 'describe-journal-kinesis-stream',
  flags: { 'ledger-name': LEDGER, 'stream-id': STREAM_ID },
  async run(ctx, args) {
    const answer = await ctx.client.send(new DescribeJournalKinesisStreamCommand({ LedgerName: args.need('ledger-name'), StreamId: args.need('stream-id') }));
    ctx.print(answer, describeTable);
  },
};

const list: Command = {
  name: 'list',
  summary: "list a ledger's streams",
  aws: 'list-journal-kinesis-streams-for-ledger',
  flags: { 'ledger-name': LEDGER, ...PAGE_FLAGS },
  async run(ctx, args) {
    const name = args.need('ledger-name');
    const answer = await listAll(args, (page) => ctx.client.send(new ListJournalKinesisStreamsForLedgerCommand({ LedgerName: name, ...page })), 'Streams');
    ctx.print(answer, (a) =>
      pagedTable(a, 'Streams', ['StreamId', 'StreamName', 'Status', 'ErrorCause', 'CreationTime', 'InclusiveStartTime', 'ExclusiveEndTime', 'KinesisConfiguration.StreamArn', 'KinesisConfiguration.AggregationEnabled']),
    );
  },
};

const cancel: Command = {
  name: 'cancel',
  summary: 'end an ACTIVE stream (no COMPLETED record is written)',
  aws: 'cancel-journal-kinesis-stream',
  flags: { 'ledger-name': LEDGER, 'stream-id': STREAM_ID },
  async run(ctx, args) {
    const answer = await ctx.client.send(new CancelJournalKinesisStreamCommand({ LedgerName: args.need('ledger-name'), StreamId: args.need('stream-id') }));
    ctx.print(answer, fieldTable);
  },
};

export function runStreams(argv: string[], io?: Io): Promise<number> {
  return runGroup('streams', "Stream a ledger's journal to Kinesis and follow the streams.", [start, describe, list, cancel], argv, io);
}
