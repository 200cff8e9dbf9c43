/** QLDB ARNs: `arn:aws:qldb:<region>:<account>:ledger/<name>` and `…:stream/<ledger>/<streamId>`. */
export const ledgerArn = (region: string, accountId: string, name: string) => `arn:aws:qldb:${region}:${accountId}:ledger/${name}`;
export const streamArn = (region: string, accountId: string, ledgerName: string, streamId: string) =>
  `arn:aws:qldb:${region}:${accountId}:stream/${ledgerName}/${streamId}`;

export type ParsedArn =
  | { kind: 'ledger'; region: string; accountId: string; ledgerName: string }
  | { kind: 'stream'; region: string; accountId: string; ledgerName: string; streamId: string }
  | { kind: 'other'; region: string; accountId: string };

/** Parses an ARN of the `qldb` service; undefined when it is not a well-formed QLDB ARN. */
export function parseQldbArn(arn: string): ParsedArn | undefined {
  const m = /^arn:aws[a-z-]*:qldb:([a-z0-9-]+):(\d{12}):(.+)$/.exec(arn);
  if (!m) return undefined;
  const [, region, accountId, resource] = m;
  let r = /^ledger\/([A-Za-z0-9-]{1,32})$/.exec(resource);
  if (r) return { kind: 'ledger', region, accountId, ledgerName: r[1] };
  r = /^stream\/([A-Za-z0-9-]{1,32})\/([A-Za-z0-9]{22})$/.exec(resource);
  if (r) return { kind: 'stream', region, accountId, ledgerName: r[1], streamId: r[2] };
  return { kind: 'other', region, accountId };
}

/** An IAM role ARN, as QLDB checks the RoleArn of an export or a stream. */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_\-/]+$/;

/** A Kinesis data stream's ARN, `arn:aws:kinesis:<region>:<account>:stream/<name>`: where a journal stream writes. */
export const KINESIS_STREAM_ARN = /^arn:aws[a-z-]*:kinesis:([a-z0-9-]+):(\d{12}):stream\/([A-Za-z0-9_.-]{1,128})$/;

/** The Kinesis stream name in a Kinesis stream ARN: the stream PutRecords writes to. */
export function kinesisStreamName(arn: string): string {
  const m = KINESIS_STREAM_ARN.exec(arn);
  if (!m) throw new Error(`not a Kinesis stream ARN: ${arn}`);
  return m[3];
}

const KMS_ARN = 'arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:(?:key|alias)/[A-Za-z0-9/_+=,.@-]+';
/** A KMS key ID: a UUID, or `mrk-` and 32 hex digits for a multi-Region key. */
const KMS_KEY_ID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32}';

/** KMS key ARNs QLDB accepts for encrypting export objects: keys and aliases. */
export const KMS_KEY_ARN = new RegExp(`^${KMS_ARN}$`);

/**
 * Every form of CreateLedger/UpdateLedger's `KmsKey` that QLDB accepted, as KMS spells them: a
 * key ID, a key ARN, an alias name (`alias/…`, KMS's alias characters), an alias ARN, or
 * AWS_OWNED_KMS_KEY. The published model has no pattern for it; the validator applies this one.
 */
export const LEDGER_KMS_KEY_PATTERN = `^(?:AWS_OWNED_KMS_KEY|${KMS_KEY_ID}|alias/[A-Za-z0-9/_-]+|${KMS_ARN})$`;

const KEY_ID = new RegExp(`^(?:${KMS_KEY_ID})$`);
/**
 * The ARN QLDB reported for a KmsKey: a key ID names a key of the ledger's own account and region
 * (KMS resolves it there), so it becomes that key's ARN; ARNs and aliases are kept as given, since
 * only KMS could resolve an alias to its key.
 */
export const kmsKeyArnOf = (region: string, accountId: string, kmsKey: string) =>
  KEY_ID.test(kmsKey) ? `arn:aws:kms:${region}:${accountId}:key/${kmsKey}` : kmsKey;
