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

/** KMS key ARNs QLDB accepts for ledger encryption: keys and aliases. */
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_+=,.@-]+$/;
