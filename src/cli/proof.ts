/**
 * `openqldb proof`: checks a saved GetRevision or GetBlock answer against a saved GetDigest
 * answer, as an auditor holding only those answers would (QLDB developer guide, "Verifying a
 * document in a ledger"; the samples' Verifier): recompute the hash the answer states, fold its
 * Proof, compare with the digest. Wiring only: hashing, block checks and folding are the journal
 * core's (verify.ts, hash.ts), the same code `verify` and the server use.
 *
 * Exit codes as `verify`'s: 0 verified; 1 a check failed (named); 2 nothing could be verified
 * (usage, unreadable files, not the answer it should be, no Proof).
 */
import { readFileSync } from 'node:fs';
import { foldProof, HASH_LENGTH } from '../journal/hash';
import { BlockFormatError, listItems, parseRevisionAt, readBlockAddress, type BlockAddress, type ParsedRevision } from '../journal/block';
import { forEachTopLevel, Header, MalformedIonError, T_BLOB, T_LIST, T_STRUCT, UnsupportedIonError, type SymbolTable } from '../journal/ionBinary';
import { ionTextToBinary } from '../journal/ionText';
import { revisionHashOf, verifyBlock, type BlockCheck } from '../journal/verify';

export const PROOF_USAGE = `Usage: openqldb proof --digest <file> (--revision <file> | --block <file>)

Checks a GetRevision or GetBlock answer against a GetDigest answer, each saved as the JSON that
/usr/bin/aws qldb get-digest / get-revision / get-block prints (the API's response body); "-"
reads one of them from stdin. Call get-revision or get-block with --digest-tip-address set to
the digest's DigestTipAddress, so that the answer holds the Proof for that digest.

For a revision it recomputes the revision hash from its metadata and data (a redacted revision
from its dataHash); for a block, every hash the block holds (revisions, transactionInfo,
entriesHash, blockHash). That hash must be the one the answer states, and folding the Proof
from it must give the digest.

  --digest <file>     get-digest output: {"Digest": "<base64>", "DigestTipAddress": {"IonText": "..."}}
  --revision <file>   get-revision output: {"Revision": {"IonText": "..."}, "Proof": {"IonText": "[...]"}}
  --block <file>      get-block output: {"Block": {"IonText": "..."}, "Proof": {"IonText": "[...]"}}

Exit codes: 0 verified, 1 a check failed (it is named), 2 nothing could be verified (bad input).
`;

export interface ProofIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** the whole of standard input, for a "-" argument */
  stdin: () => Promise<string>;
}

export const defaultIo: ProofIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

export type ProofCheck = BlockCheck | 'digestTipAddress' | 'proof';

/** Input that is not what it should be: nothing can be verified (exit 2). */
export class InputError extends Error {}

export interface Failure {
  check: ProofCheck;
  message: string;
}

interface Args {
  digest: string;
  kind: 'revision' | 'block';
  answer: string;
}

function parseArgs(argv: string[]): Args | 'help' {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return 'help';
    const eq = a.indexOf('=');
    const [flag, inline] = eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    if (!['--digest', '--revision', '--block'].includes(flag)) throw new InputError(`unknown option ${a}`);
    if (flag in flags) throw new InputError(`${flag} is given twice`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new InputError(`${flag} needs a file (or - for stdin)`);
    flags[flag] = value;
  }
  if (!flags['--digest']) throw new InputError('--digest is required: the saved output of get-digest');
  if (!!flags['--revision'] === !!flags['--block']) throw new InputError('give exactly one of --revision and --block');
  const kind = flags['--revision'] ? 'revision' : 'block';
  const answer = flags[`--${kind}`];
  if (flags['--digest'] === '-' && answer === '-') throw new InputError('only one of the answers can come from stdin');
  return { digest: flags['--digest'], kind, answer };
}

export async function readJson(path: string, what: string, io: ProofIo): Promise<Record<string, unknown>> {
  const name = path === '-' ? 'stdin' : path;
  let text: string;
  try {
    text = path === '-' ? await io.stdin() : readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`${name}: cannot be read: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input, which may be any bytes: not for a terminal
    throw new InputError(`${name}: not JSON; expected the output of ${what}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new InputError(`${name}: not a JSON object; expected the output of ${what}`);
  return value as Record<string, unknown>;
}

/** `answer.Member.IonText`, a ValueHolder as the QLDB API returns it. */
function ionTextOf(answer: Record<string, unknown>, member: string, where: string, hint = ''): string {
  const holder = answer[member] as { IonText?: unknown } | undefined;
  if (holder === undefined) throw new InputError(`${where}: no ${member}${hint}`);
  if (!holder || typeof holder !== 'object' || typeof holder.IonText !== 'string') throw new InputError(`${where}: ${member} is not {"IonText": "..."}`);
  return holder.IonText;
}

interface IonValue {
  bytes: Uint8Array;
  pos: number;
  h: Header;
  symbols: SymbolTable;
}

/** The one Ion value of an IonText member, as Ion binary for the journal core. */
function oneValue(text: string, what: string, type: number, typeName: string): IonValue {
  let bytes: Uint8Array;
  try {
    bytes = ionTextToBinary(Buffer.from(text, 'utf8'));
  } catch (e) {
    throw new InputError(`${what}: not readable Ion text: ${(e as Error).message}`);
  }
  const values: IonValue[] = [];
  try {
    forEachTopLevel(bytes, (pos, h, symbols) => {
      const copy = new Header();
      Object.assign(copy, h);
      values.push({ bytes, pos, h: copy, symbols });
    });
  } catch (e) {
    if (e instanceof MalformedIonError || e instanceof UnsupportedIonError) throw new InputError(`${what}: not readable Ion: ${e.message}`);
    throw e;
  }
  if (values.length !== 1) throw new InputError(`${what}: holds ${values.length} Ion values, not one ${typeName}`);
  const v = values[0];
  if (v.h.type !== type || v.h.isNull) throw new InputError(`${what}: not an Ion ${typeName}`);
  return v;
}

export function addressText(a: BlockAddress): string {
  return `{strandId:${JSON.stringify(a.strandId)},sequenceNo:${a.sequenceNo}}`;
}

export interface Digest {
  digest: Buffer;
  tip: BlockAddress;
}

export function parseDigest(answer: Record<string, unknown>, where: string): Digest {
  const b64 = answer.Digest;
  if (typeof b64 !== 'string') throw new InputError(`${where}: no Digest; expected the output of get-digest`);
  const digest = Buffer.from(b64, 'base64');
  if (digest.length !== HASH_LENGTH || digest.toString('base64') !== b64) throw new InputError(`${where}: Digest is not 32 bytes in base64`);
  const tipText = ionTextOf(answer, 'DigestTipAddress', where);
  const v = oneValue(tipText, `${where}: DigestTipAddress`, T_STRUCT, 'struct');
  try {
    return { digest, tip: readBlockAddress(v.bytes, v.h, v.symbols) };
  } catch (e) {
    if (e instanceof BlockFormatError) throw new InputError(`${where}: DigestTipAddress is not a block address: ${e.message}`);
    throw e;
  }
}

/** The Proof member: an Ion list of blobs, bottom-up (journal spec §2.10). */
export function parseProof(answer: Record<string, unknown>, where: string, call: string): Buffer[] {
  const text = ionTextOf(answer, 'Proof', where, `: call ${call} with --digest-tip-address set to the digest's DigestTipAddress, so that it answers a Proof`);
  const v = oneValue(text, `${where}: Proof`, T_LIST, 'list');
  return listItems(v.bytes, v.h).map((item, i) => {
    if (item.h.type !== T_BLOB || item.h.isNull) throw new InputError(`${where}: Proof element ${i} is not a blob`);
    return Buffer.from(v.bytes.subarray(item.h.body, item.h.end));
  });
}

const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');

/** The hash an answer vouches for, once recomputed from what the answer holds. */
export interface Recomputed {
  label: string;
  address: BlockAddress;
  hash: Buffer;
  /** what was recomputed, for the report */
  how: string;
}

export function checkRevision(text: string, where: string): Recomputed | Failure {
  const v = oneValue(text, `${where}: Revision`, T_STRUCT, 'struct');
  let revision: ParsedRevision;
  try {
    revision = parseRevisionAt(v.bytes, { pos: v.pos, h: v.h }, v.symbols);
  } catch (e) {
    if (e instanceof BlockFormatError || e instanceof MalformedIonError) return { check: 'format', message: `the revision is not one QLDB writes: ${e.message}` };
    throw e;
  }
  const label = `revision of document ${revision.documentId ?? '(no id)'} version ${revision.version ?? '(none)'}`;
  const addr = revision.fields.get('blockAddress');
  let address: BlockAddress;
  try {
    if (!addr) throw new BlockFormatError('no blockAddress');
    address = readBlockAddress(v.bytes, addr.h, v.symbols);
  } catch (e) {
    if (e instanceof BlockFormatError) return { check: 'format', message: `${label}: ${e.message}` };
    throw e;
  }
  const at = `${label} in block ${addressText(address)}`;
  if (!revision.hash || revision.hash.length !== HASH_LENGTH) return { check: 'format', message: `${at}: no 32-byte hash` };
  let expected: Buffer | undefined;
  try {
    expected = revisionHashOf(v.bytes, v.symbols, revision);
  } catch (e) {
    if (e instanceof BlockFormatError || e instanceof RangeError) return { check: 'format', message: `${at}: ${e.message}` };
    throw e;
  }
  if (!expected) return { check: 'revisionHash', message: `${at}: holds no metadata, so its hash cannot be recomputed from the document` };
  const from = revision.fields.has('data')
    ? 'its metadata and data'
    : revision.fields.has('dataHash')
      ? 'its metadata and dataHash (the revision is redacted)'
      : 'its metadata (a deleted document: no data)';
  if (!expected.equals(revision.hash)) {
    return {
      check: 'revisionHash',
      message: `${at}: the hash recomputed from ${from} is ${b64(expected)}, but the revision states ${b64(revision.hash)}: the document or its metadata was changed`,
    };
  }
  return { label: at, address, hash: expected, how: `revision hash ${b64(expected)} recomputed from ${from}` };
}

export function checkBlock(text: string, where: string): Recomputed | Failure {
  const v = oneValue(text, `${where}: Block`, T_STRUCT, 'struct');
  const verified = verifyBlock(v.bytes);
  if (!verified.ok) return { check: verified.check, message: verified.message };
  const b = verified.block;
  const address = { strandId: b.strandId, sequenceNo: b.sequenceNo };
  const revisions = `${b.revisions.length} revision${b.revisions.length === 1 ? '' : 's'}`;
  return {
    label: `block ${addressText(address)}`,
    address,
    hash: Buffer.from(b.blockHash),
    how: `block hash ${b64(b.blockHash)} recomputed from its ${revisions}, transactionInfo, entriesHash and previousBlockHash`,
  };
}

export async function runProof(argv: string[], io: ProofIo = defaultIo): Promise<number> {
  let args: Args | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    io.err(`openqldb proof: ${e.message}\n\n${PROOF_USAGE}`);
    return 2;
  }
  if (args === 'help') {
    io.out(PROOF_USAGE);
    return 0;
  }
  try {
    const digestWhere = args.digest === '-' ? 'stdin' : args.digest;
    const digest = parseDigest(await readJson(args.digest, 'get-digest', io), digestWhere);
    const answerWhere = args.answer === '-' ? 'stdin' : args.answer;
    const answer = await readJson(args.answer, `get-${args.kind}`, io);
    return checkAgainstDigest(args.kind, digest, answer, answerWhere, io.out);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    io.err(`openqldb proof: ${e.message}\n`);
    return 2;
  }
}

/**
 * Checks a GetRevision or GetBlock answer (as awscli prints it) against a parsed GetDigest
 * answer and writes the report to `out`: 0 verified, 1 a check failed (named). Throws InputError
 * when the answer is not what it should be. Also the `--verify` of `openqldb block | revision`.
 */
export function checkAgainstDigest(kind: 'revision' | 'block', digest: Digest, answer: Record<string, unknown>, answerWhere: string, out: (text: string) => void): number {
  const call = `get-${kind}`;
  const text = ionTextOf(answer, kind === 'revision' ? 'Revision' : 'Block', answerWhere, `; expected the output of ${call}`);
  const proof = parseProof(answer, answerWhere, call);
  const recomputed = kind === 'revision' ? checkRevision(text, answerWhere) : checkBlock(text, answerWhere);
  const tip = addressText(digest.tip);
  const failed = (f: Failure) => {
    out(`FAILED\n  ${f.message}\n  check: ${f.check}\n`);
    return 1;
  };
  if ('check' in recomputed) return failed(recomputed);
  out(`${recomputed.label}\n  ${recomputed.how}: it matches the stated hash\n`);
  const { address } = recomputed;
  if (address.strandId !== digest.tip.strandId) {
    return failed({ check: 'digestTipAddress', message: `the ${kind} is on strand ${address.strandId}, the digest covers strand ${digest.tip.strandId} (tip ${tip}): it is another ledger's digest` });
  }
  if (address.sequenceNo > digest.tip.sequenceNo) {
    return failed({ check: 'digestTipAddress', message: `the ${kind}'s block ${address.sequenceNo} comes after the digest's tip ${tip}: the digest cannot cover it` });
  }
  const short = proof.findIndex((p) => p.length !== HASH_LENGTH);
  if (short >= 0) return failed({ check: 'proof', message: `Proof element ${short} is ${proof[short].length} bytes, not a 32-byte hash` });
  const folded = foldProof(recomputed.hash, proof);
  if (!folded.equals(digest.digest)) {
    return failed({
      check: 'proof',
      message:
        `folding the ${proof.length} hashes of the Proof from the ${kind === 'revision' ? 'revision' : 'block'} hash gives ${b64(folded)}, ` +
        `not the digest ${b64(digest.digest)} at tip ${tip}: the Proof was changed, or was made for another tip than this digest's`,
    });
  }
  out(`  proof: ${proof.length} hash${proof.length === 1 ? '' : 'es'} fold into the digest ${b64(digest.digest)} at tip ${tip}\nVERIFIED\n`);
  return 0;
}
