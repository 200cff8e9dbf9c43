/** `openqldb ledgers list | create | describe | update | delete`. */
import {
  CreateLedgerCommand,
  DeleteLedgerCommand,
  DescribeLedgerCommand,
  ListLedgersCommand,
  UpdateLedgerCommand,
  UpdateLedgerPermissionsModeCommand,
  type PermissionsMode,
} from '@aws-sdk/client-qldb';
import { LEDGER_NAME as NAME, tagMap, type FlagSpec } from './args';
import { runGroup, type Command, type Io } from './group';
import { fieldTable } from './output';
import { listAll, PAGE_FLAGS, pagedTable } from './pages';

const PERMISSIONS: FlagSpec = { kind: 'string', value: 'ALLOW_ALL|STANDARD', help: 'the permissions mode' };
const PROTECTION: FlagSpec = { kind: 'negatable', help: 'refuse DeleteLedger while on (CreateLedger defaults to on)' };
const KMS: FlagSpec = { kind: 'string', value: 'key', help: 'key ID, key ARN, alias name or ARN, or AWS_OWNED_KMS_KEY (recorded only: see README)' };

const list: Command = {
  name: 'list',
  summary: 'list the ledgers, every page unless --max-results is given',
  aws: 'list-ledgers',
  flags: PAGE_FLAGS,
  async run(ctx, args) {
    const answer = await listAll(args, (page) => ctx.client.send(new ListLedgersCommand(page)), 'Ledgers');
    ctx.print(answer, (a) => pagedTable(a, 'Ledgers'));
  },
};

const create: Command = {
  name: 'create',
  summary: 'create a ledger',
  aws: 'create-ledger',
  flags: {
    name: NAME,
    'permissions-mode': { ...PERMISSIONS, required: true },
    'deletion-protection': PROTECTION,
    'kms-key': KMS,
    tags: { kind: 'string', value: 'Key=Value,...', help: 'tags, as Key=Value,… or a JSON object' },
  },
  async run(ctx, args) {
    const tags = args.string('tags');
    const answer = await ctx.client.send(
      new CreateLedgerCommand({
        Name: args.need('name'),
        PermissionsMode: args.need('permissions-mode') as PermissionsMode,
        DeletionProtection: args.bool('deletion-protection'),
        KmsKey: args.string('kms-key'),
        Tags: tags === undefined ? undefined : tagMap('tags', tags),
      }),
    );
    ctx.print(answer, fieldTable);
  },
};

const describe: Command = {
  name: 'describe',
  summary: "show a ledger's state, permissions mode, deletion protection and encryption",
  aws: 'describe-ledger',
  flags: { name: NAME },
  async run(ctx, args) {
    ctx.print(await ctx.client.send(new DescribeLedgerCommand({ Name: args.need('name') })), fieldTable);
  },
};

const update: Command = {
  name: 'update',
  summary: "change a ledger's deletion protection, KMS key or permissions mode",
  aws: 'update-ledger, update-ledger-permissions-mode',
  flags: { name: NAME, 'deletion-protection': PROTECTION, 'kms-key': KMS, 'permissions-mode': PERMISSIONS },
  notes: `With only --permissions-mode it calls UpdateLedgerPermissionsMode and prints its answer; otherwise
UpdateLedger and its answer, to which --permissions-mode (given too) adds the PermissionsMode it set.`,
  async run(ctx, args) {
    const name = args.need('name');
    const mode = args.string('permissions-mode');
    const modeAnswer = mode === undefined ? undefined : await ctx.client.send(new UpdateLedgerPermissionsModeCommand({ Name: name, PermissionsMode: mode as PermissionsMode }));
    if (modeAnswer && !args.has('deletion-protection') && !args.has('kms-key')) {
      ctx.print(modeAnswer, fieldTable);
      return;
    }
    const answer = await ctx.client.send(new UpdateLedgerCommand({ Name: name, DeletionProtection: args.bool('deletion-protection'), KmsKey: args.string('kms-key') }));
    ctx.print(modeAnswer ? { ...answer, PermissionsMode: modeAnswer.PermissionsMode } : answer, fieldTable);
  },
};

const remove: Command = {
  name: 'delete',
  summary: 'delete a ledger (it is DELETING for a moment, then gone)',
  aws: 'delete-ledger',
  flags: { name: NAME },
  async run(ctx, args) {
    const name = args.need('name');
    const answer = await ctx.client.send(new DeleteLedgerCommand({ Name: name }));
    // awscli prints nothing for the empty answer; a person is told what happened
    ctx.print(answer, () => `Ledger ${name} is being deleted.\n`);
  },
};

export function runLedgers(argv: string[], io?: Io): Promise<number> {
  return runGroup('ledgers', 'Create, inspect, change and delete ledgers.', [list, create, describe, update, remove], argv, io);
}
