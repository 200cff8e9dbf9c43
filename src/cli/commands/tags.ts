/** `openqldb tags list | add | remove`: the tags of a ledger, named by its ARN or its name. */
import { DescribeLedgerCommand, ListTagsForResourceCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-qldb';
import { tagMap, UsageError, type Args, type FlagTable } from './args';
import { runGroup, type Command, type Context, type Io } from './group';
import { renderTable } from '../table';

const RESOURCE: FlagTable = {
  'resource-arn': { kind: 'string', value: 'arn', help: 'the ledger ARN' },
  name: { kind: 'string', value: 'name', help: 'or the ledger name (its ARN is looked up with DescribeLedger)' },
};

/** The ARN the tag operations take; a name costs one DescribeLedger, since only the server knows its account and region. */
async function resourceArn(ctx: Context, args: Args): Promise<string> {
  const arn = args.string('resource-arn');
  const name = args.string('name');
  if ((arn === undefined) === (name === undefined)) throw new UsageError('give exactly one of --resource-arn and --name');
  if (arn !== undefined) return arn;
  const ledger = await ctx.client.send(new DescribeLedgerCommand({ Name: name }));
  return ledger.Arn!;
}

const list: Command = {
  name: 'list',
  summary: "list a ledger's tags",
  aws: 'list-tags-for-resource',
  flags: RESOURCE,
  async run(ctx, args) {
    const answer = await ctx.client.send(new ListTagsForResourceCommand({ ResourceArn: await resourceArn(ctx, args) }));
    ctx.print(answer, (a) => {
      const rows = Object.entries((a.Tags as Record<string, string> | undefined) ?? {}).map(([Key, Value]) => ({ Key, Value }));
      return rows.length === 0 ? '(no tags)\n' : renderTable(['Key', 'Value'], rows);
    });
  },
};

const add: Command = {
  name: 'add',
  summary: 'add tags to a ledger, or change their values',
  aws: 'tag-resource',
  flags: { ...RESOURCE, tags: { kind: 'string', value: 'Key=Value,...', help: 'as Key=Value,… or a JSON object', required: true } },
  async run(ctx, args) {
    const tags = tagMap('tags', args.need('tags'));
    const answer = await ctx.client.send(new TagResourceCommand({ ResourceArn: await resourceArn(ctx, args), Tags: tags }));
    ctx.print(answer, () => `Tagged: ${Object.keys(tags).join(', ')}\n`);
  },
};

const remove: Command = {
  name: 'remove',
  summary: 'remove tags from a ledger',
  aws: 'untag-resource',
  flags: { ...RESOURCE, 'tag-keys': { kind: 'list', value: 'key', help: 'the keys to remove (space- or comma-separated)', required: true } },
  async run(ctx, args) {
    const keys = args.list('tag-keys')!;
    const answer = await ctx.client.send(new UntagResourceCommand({ ResourceArn: await resourceArn(ctx, args), TagKeys: keys }));
    ctx.print(answer, () => `Untagged: ${keys.join(', ')}\n`);
  },
};

export function runTags(argv: string[], io?: Io): Promise<number> {
  return runGroup('tags', 'List, add and remove the tags of a ledger.', [list, add, remove], argv, io);
}
