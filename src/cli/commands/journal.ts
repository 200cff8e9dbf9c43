/**
 * `openqldb digest`, `openqldb block`, `openqldb revision`: GetDigest, GetBlock, GetRevision, and
 * with `--verify` the check `openqldb proof` makes (its code: recompute the hash the answer
 * states, fold the Proof, compare with the digest), on answers fetched in the same run.
 */
import { GetBlockCommand, GetDigestCommand, GetRevisionCommand, type ValueHolder } from '@aws-sdk/client-qldb';
import { makePrettyWriter, makeReader } from 'ion-js';
import { checkAgainstDigest, defaultIo, InputError, parseDigest, readJson } from '../proof';
import { ionHolder, LEDGER_NAME, UsageError, type Args, type FlagTable } from './args';
import { runGroup, type Command, type Context, type Io } from './group';
import { awsShape, fieldTable } from './output';

const LEDGER: FlagTable = { name: LEDGER_NAME };

const ADDRESS_HELP = 'IonText={strandId:"…",sequenceNo:n}, {"IonText":"…"} as awscli takes it, or the bare Ion text';

const PROVABLE: FlagTable = {
  'block-address': { kind: 'string', value: 'ion', help: `the block's address: ${ADDRESS_HELP}`, required: true },
  'digest-tip-address': { kind: 'string', value: 'ion', help: 'answer a Proof up to this digest tip (same forms)' },
  verify: { kind: 'switch', help: "check the answer against a digest: GetDigest's, fetched now, or --digest's" },
  digest: { kind: 'string', value: 'file', help: 'with --verify: a saved get-digest answer (JSON; - for stdin) instead of a new GetDigest' },
};

const VERIFY_NOTES = `With --verify it fetches the digest (unless --digest gives one), asks for the answer with the
digest's tip as --digest-tip-address, prints the answer, and writes the check to standard error:
the hash recomputed from what the answer holds must be the one it states, and the Proof must
fold from it into the digest. Exit codes then: 0 VERIFIED, 1 FAILED (the check is named),
2 nothing could be verified.`;

/** Ion text indented for people; as it came if ion-js cannot read it (the answer is shown either way). */
function prettyIon(text: string): string {
  try {
    const writer = makePrettyWriter();
    writer.writeValues(makeReader(text));
    writer.close();
    return Buffer.from(writer.getBytes()).toString('utf8');
  } catch {
    return text;
  }
}

/** `--output table` of a GetBlock or GetRevision answer: each member's Ion, pretty-printed under its name. */
const ionMembers = (shaped: Record<string, unknown>) =>
  Object.entries(shaped)
    .map(([member, holder]) => `${member}:\n${prettyIon((holder as ValueHolder).IonText ?? '')}\n`)
    .join('');

const digest: Command = {
  name: '',
  summary: "the ledger's current digest and the address of the block it covers up to",
  aws: 'get-digest',
  flags: LEDGER,
  async run(ctx, args) {
    ctx.print(await ctx.client.send(new GetDigestCommand({ Name: args.need('name') })), fieldTable);
  },
};

/**
 * Fetches a GetBlock or GetRevision answer, printed as asked; with `--verify`, first the digest it
 * is checked against, then the check.
 */
async function fetchProvable(ctx: Context, args: Args, kind: 'block' | 'revision', fetch: (tip: ValueHolder | undefined) => Promise<object>): Promise<number | void> {
  const tipFlag = args.string('digest-tip-address');
  const tip = tipFlag === undefined ? undefined : ionHolder('digest-tip-address', tipFlag);
  if (!args.bool('verify')) {
    if (args.has('digest')) throw new UsageError('--digest goes with --verify');
    ctx.print(await fetch(tip), ionMembers);
    return;
  }
  const where = `openqldb ${kind}`;
  try {
    const file = args.string('digest');
    const digestAnswer = file === undefined ? (awsShape(await ctx.client.send(new GetDigestCommand({ Name: args.need('name') }))) as Record<string, unknown>) : await readJson(file, 'get-digest', defaultIo);
    const digestWhere = file === undefined ? 'the GetDigest answer' : file === '-' ? 'stdin' : file;
    const parsed = parseDigest(digestAnswer, digestWhere);
    const digestTip = (digestAnswer.DigestTipAddress as { IonText: string }).IonText;
    if (tip && tip.IonText !== digestTip) throw new UsageError(`--digest-tip-address ${tip.IonText} is not the digest's tip ${digestTip}; leave it out with --verify`);
    const answer = await fetch({ IonText: digestTip });
    ctx.print(answer, ionMembers);
    return checkAgainstDigest(kind, parsed, awsShape(answer) as Record<string, unknown>, `the Get${kind === 'block' ? 'Block' : 'Revision'} answer`, ctx.io.err);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    ctx.io.err(`${where}: ${e.message}\n`);
    return 2;
  }
}

const block: Command = {
  name: '',
  summary: 'a journal block by its address, with a Proof up to a digest tip',
  aws: 'get-block',
  flags: { ...LEDGER, ...PROVABLE },
  notes: VERIFY_NOTES,
  run: (ctx, args) =>
    fetchProvable(ctx, args, 'block', (tip) =>
      ctx.client.send(new GetBlockCommand({ Name: args.need('name'), BlockAddress: ionHolder('block-address', args.need('block-address')), DigestTipAddress: tip })),
    ),
};

const revision: Command = {
  name: '',
  summary: 'a document revision by block address and document id, with a Proof up to a digest tip',
  aws: 'get-revision',
  flags: { ...LEDGER, 'document-id': { kind: 'string', value: 'id', help: 'the document id', required: true }, ...PROVABLE },
  notes: VERIFY_NOTES,
  run: (ctx, args) =>
    fetchProvable(ctx, args, 'revision', (tip) =>
      ctx.client.send(
        new GetRevisionCommand({
          Name: args.need('name'),
          BlockAddress: ionHolder('block-address', args.need('block-address')),
          DocumentId: args.need('document-id'),
          DigestTipAddress: tip,
        }),
      ),
    ),
};

export const runDigest = (argv: string[], io?: Io) => runGroup('digest', digest.summary, [digest], argv, io);
export const runBlock = (argv: string[], io?: Io) => runGroup('block', block.summary, [block], argv, io);
export const runRevision = (argv: string[], io?: Io) => runGroup('revision', revision.summary, [revision], argv, io);
