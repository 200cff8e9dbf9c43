/**
 * How the control-plane commands print an answer: `--output json` byte for byte as
 * `/usr/bin/aws qldb … --output json` (2.9.19) prints it, so scripts keep working, or a table.
 *
 * awscli prints what botocore parsed: members in the service model's order (the SDK hands them
 * over alphabetically), timestamps through Python's `datetime.fromtimestamp(t, tzlocal())
 * .isoformat()`, blobs in base64, `json.dumps(indent=4, ensure_ascii=False)`, and nothing at all
 * for an empty answer.
 */
import { columnsOf, renderTable } from '../table';

/**
 * Member order of every QLDB output structure (botocore's service-2.json); one list fits them
 * all, since no two structures order shared members differently.
 */
const MEMBER_ORDER = [
  'Name', 'Arn', 'State', 'CreationDateTime', 'PermissionsMode', 'DeletionProtection',
  'ObjectEncryptionType', 'KmsKeyArn', 'EncryptionStatus', 'InaccessibleKmsKeyDateTime', 'EncryptionDescription',
  'LedgerName', 'ExportId', 'ExportCreationTime', 'Status', 'InclusiveStartTime', 'ExclusiveEndTime',
  'S3ExportConfiguration', 'Bucket', 'Prefix', 'EncryptionConfiguration', 'RoleArn', 'OutputFormat',
  'Ledgers', 'JournalS3Exports', 'Tags', 'NextToken',
  'Digest', 'DigestTipAddress', 'Block', 'Proof', 'Revision', 'IonText',
];
const RANK = new Map(MEMBER_ORDER.map((m, i) => [m, i]));

/**
 * JournalKinesisStreamDescription orders members its own way (Arn and Status after the times,
 * unlike a ledger's or an export's), and so do the answers that hold one.
 */
const STREAM_ORDER = [
  'LedgerName', 'CreationTime', 'InclusiveStartTime', 'ExclusiveEndTime', 'RoleArn', 'StreamId', 'Arn', 'Status',
  'KinesisConfiguration', 'StreamArn', 'AggregationEnabled', 'ErrorCause', 'StreamName', 'Stream', 'Streams', 'NextToken',
];
const STREAM_RANK = new Map(STREAM_ORDER.map((m, i) => [m, i]));
const isStreamShape = (keys: string[]) => keys.some((k) => k === 'KinesisConfiguration' || k === 'StreamArn' || k === 'Stream' || k === 'Streams' || k === 'StreamId');

/** Members whose value is a map: its keys are data, kept in the server's order. */
const MAPS = new Set(['Tags']);

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Python's `datetime.fromtimestamp(t, tzlocal()).isoformat()`, which awscli prints. */
export function isoTimestamp(d: Date): string {
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  // Python leaves the fraction out when it is zero, and prints microseconds otherwise.
  const fraction = d.getMilliseconds() === 0 ? '' : `.${pad(d.getMilliseconds(), 3)}000`;
  return (
    `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${fraction}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** An SDK answer as awscli would hold it: no `$metadata`, ordered members, printable scalars. */
export function awsShape(value: unknown, isMap = false): unknown {
  if (value instanceof Date) return isoTimestamp(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map((v) => awsShape(v));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).filter(([k, v]) => k !== '$metadata' && v !== undefined);
  if (!isMap) {
    const rank = isStreamShape(entries.map(([k]) => k)) ? STREAM_RANK : RANK;
    entries.sort(([a], [b]) => (rank.get(a) ?? rank.size) - (rank.get(b) ?? rank.size));
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, awsShape(v, !isMap && MAPS.has(k))]));
}

/** The text awscli prints for an answer ('' for an empty one). */
export function awsJson(answer: object): string {
  const shaped = awsShape(answer) as Record<string, unknown>;
  return Object.keys(shaped).length === 0 ? '' : JSON.stringify(shaped, null, 4) + '\n';
}

/** Nested structures as `Outer.Inner` columns, so a table row stays one line. */
export function flatten(value: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${k}.`));
    else out[`${prefix}${k}`] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

/** One structure as a two-column table, a member a row. */
export function fieldTable(shaped: Record<string, unknown>): string {
  const rows = Object.entries(flatten(shaped)).map(([Field, Value]) => ({ Field, Value }));
  return renderTable(['Field', 'Value'], rows);
}

/** A list of structures, a row each; `columns` picks and orders them (default: all, flattened). */
export function listTable(items: Record<string, unknown>[], columns?: string[]): string {
  const rows = items.map((i) => flatten(i));
  return renderTable(columns ?? columnsOf(rows), rows);
}
