/**
 * `openqldb proof` on answers shaped as awscli prints them: AWS's own GetBlock / GetRevision
 * example (journal spec §6, TV-1 and TV-2) and its digest, then tampered copies; and every
 * revision and block of a generated ledger, redacted and deleted revisions included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProof } from '../../src/cli/proof';
import { blockToIonText, extractValue, parseBlock, redactRevisionInBlock, revisionProofInBlock } from '../../src/journal/block';
import { MemoryDigestTree } from '../../src/journal/digestTree';
import { ledgerBlocks, STRAND } from './exportFixture';
import { TV1_BLOCK_PROOF, TV1_BLOCK_TEXT, TV2_REVISION_PROOF, TV_DIGEST_123 } from '../journal/vectors';

const TV_STRAND = 'KmA3ZZca7vAIiJAK9S5Iwl';
const proofText = (hashes: string[]) => `[${hashes.map((h) => `{{${h}}}`).join(',')}]`;
const digestAnswer = (digest: string, strandId: string, tip: number) => ({
  Digest: digest,
  DigestTipAddress: { IonText: `{strandId:"${strandId}",sequenceNo:${tip}}` },
});
/** The revision struct of TV-1, as GetRevision answered it (TV-2). */
const TV2_REVISION_TEXT = TV1_BLOCK_TEXT.slice(TV1_BLOCK_TEXT.indexOf('revisions:[') + 'revisions:['.length, -2);
const TV = {
  digest: digestAnswer(TV_DIGEST_123, TV_STRAND, 123),
  block: { Block: { IonText: TV1_BLOCK_TEXT }, Proof: { IonText: proofText(TV1_BLOCK_PROOF) } },
  revision: { Revision: { IonText: TV2_REVISION_TEXT }, Proof: { IonText: proofText(TV2_REVISION_PROOF) } },
};

let dir: string;
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'proof-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function save(value: unknown): string {
  const path = join(dir, `answer-${files++}.json`);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 4));
  return path;
}

async function proof(args: string[], stdin = '') {
  let out = '';
  let err = '';
  const code = await runProof(args, { out: (t) => (out += t), err: (t) => (err += t), stdin: async () => stdin });
  return { code, out, err };
}

async function check(digest: unknown, kind: 'revision' | 'block', answer: unknown) {
  return proof(['--digest', save(digest), `--${kind}`, save(answer)]);
}

test("AWS's GetRevision example verifies against the digest its proof reaches", async () => {
  const r = await check(TV.digest, 'revision', TV.revision);
  assert.equal(r.code, 0, r.out + r.err);
  assert.equal(
    r.out,
    `revision of document JUJgkIcNbhS2goq8RqLuZ4 version 3 in block {strandId:"${TV_STRAND}",sequenceNo:100}\n` +
      '  revision hash mHVex/yjHAWjFPpwhBuH2GKXmKJjK2FBa9faqoUVNtg= recomputed from its metadata and data: it matches the stated hash\n' +
      `  proof: 10 hashes fold into the digest ${TV_DIGEST_123} at tip {strandId:"${TV_STRAND}",sequenceNo:123}\n` +
      'VERIFIED\n',
  );
});

test("AWS's GetBlock example verifies: every hash of the block is recomputed", async () => {
  const r = await check(TV.digest, 'block', TV.block);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^block \{strandId:"KmA3ZZca7vAIiJAK9S5Iwl",sequenceNo:100\}\n  block hash NoChM92yKRuJAb\/jeLd1VnYn4DHiWIf071ACfic9uHc= recomputed from its 1 revision, transactionInfo, entriesHash and previousBlockHash/);
  assert.match(r.out, /proof: 7 hashes fold into the digest 6m6BMXobbJKpMhahwVthAEsN6awgnHK62Qq5McGP1Gk=.*\nVERIFIED\n$/);
});

test('a redacted revision verifies from its dataHash', async () => {
  // H(data) of TV-1's revision (journal spec §6) in place of its data, as QLDB redacts
  const redacted = TV2_REVISION_TEXT.replace(/data:\{VIN:.*?City:"Everett"\}/, 'dataHash:{{ykAB8EB0tXxIGmJ9Y9mwppjP1Z9S3Iw+vKN1L9ZXW3A=}}');
  assert.notEqual(redacted, TV2_REVISION_TEXT);
  const r = await check(TV.digest, 'revision', { ...TV.revision, Revision: { IonText: redacted } });
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /recomputed from its metadata and dataHash \(the revision is redacted\): it matches/);
});

test('tampered answers fail with exit 1, naming the check', async () => {
  const flip = (b64: string) => {
    const b = Buffer.from(b64, 'base64');
    b[5] ^= 0x10;
    return b.toString('base64');
  };
  const cases: [string, unknown, 'revision' | 'block', unknown, string, RegExp][] = [
    ['a document field', TV.digest, 'revision', { ...TV.revision, Revision: { IonText: TV2_REVISION_TEXT.replace('City:"Everett"', 'City:"Seattle"') } },
      'revisionHash', /the hash recomputed from its metadata and data is \S+, but the revision states mHVex\/yjHAWjFPpwhBuH2GKXmKJjK2FBa9faqoUVNtg=: the document or its metadata was changed/],
    ['a metadata field', TV.digest, 'revision', { ...TV.revision, Revision: { IonText: TV2_REVISION_TEXT.replace('version:3', 'version:2') } },
      'revisionHash', /document JUJgkIcNbhS2goq8RqLuZ4 version 2 .*: the hash recomputed/],
    ['the stated revision hash', TV.digest, 'revision', { ...TV.revision, Revision: { IonText: TV2_REVISION_TEXT.replace('mHVex/yjHAWjFPpwhBuH2GKXmKJjK2FBa9faqoUVNtg=', flip('mHVex/yjHAWjFPpwhBuH2GKXmKJjK2FBa9faqoUVNtg=')) } },
      'revisionHash', /but the revision states/],
    ['a revision proof element', TV.digest, 'revision', { ...TV.revision, Proof: { IonText: proofText(TV2_REVISION_PROOF.map((h, i) => (i === 4 ? flip(h) : h))) } },
      'proof', /folding the 10 hashes of the Proof from the revision hash gives \S+, not the digest 6m6BMXobbJKpMhahwVthAEsN6awgnHK62Qq5McGP1Gk= at tip \{strandId:"KmA3ZZca7vAIiJAK9S5Iwl",sequenceNo:123\}: the Proof was changed, or was made for another tip/],
    ['a proof element dropped', TV.digest, 'block', { ...TV.block, Proof: { IonText: proofText(TV1_BLOCK_PROOF.slice(0, -1)) } },
      'proof', /folding the 6 hashes of the Proof from the block hash gives/],
    ['a proof element cut short', TV.digest, 'block', { ...TV.block, Proof: { IonText: proofText([...TV1_BLOCK_PROOF.slice(0, -1), Buffer.alloc(31).toString('base64')]) } },
      'proof', /Proof element 6 is 31 bytes, not a 32-byte hash/],
    ['a statement in the block', TV.digest, 'block', { ...TV.block, Block: { IonText: TV1_BLOCK_TEXT.replace("'CMVdR77XP8zAglmmFDGTvt' }\"", "'CMVdR77XP8zAglmmFDGTvu' }\"") } },
      'transactionInfoHash', /sequenceNo:100\}: the hash of transactionInfo is not in entriesHashList/],
    ['a document in the block', TV.digest, 'block', { ...TV.block, Block: { IonText: TV1_BLOCK_TEXT.replace('PendingPenaltyTicketAmount:90.25', 'PendingPenaltyTicketAmount:0.25') } },
      'revisionHash', /revision 0 \(document JUJgkIcNbhS2goq8RqLuZ4 version 3\): hash does not match its metadata and data/],
    ["the block's previousBlockHash", TV.digest, 'block', { ...TV.block, Block: { IonText: TV1_BLOCK_TEXT.replace('7kewBXhpdbClcZKxhVmpoMHpUGOJtWQD0iY2LPfZkYA=', flip('7kewBXhpdbClcZKxhVmpoMHpUGOJtWQD0iY2LPfZkYA=')) } },
      'blockHash', /blockHash is not dot\(entriesHash, previousBlockHash\)/],
    ['a digest of another tip', digestAnswer(flip(TV_DIGEST_123), TV_STRAND, 124), 'revision', TV.revision,
      'proof', /not the digest \S+ at tip \{strandId:"KmA3ZZca7vAIiJAK9S5Iwl",sequenceNo:124\}: the Proof was changed, or was made for another tip than this digest's/],
    ['a digest from before the block', digestAnswer(TV_DIGEST_123, TV_STRAND, 99), 'block', TV.block,
      'digestTipAddress', /the block's block 100 comes after the digest's tip \{strandId:"KmA3ZZca7vAIiJAK9S5Iwl",sequenceNo:99\}: the digest cannot cover it/],
    ["another ledger's digest", digestAnswer(TV_DIGEST_123, 'AAAAAAAAAAAAAAAAAAAAAA', 123), 'revision', TV.revision,
      'digestTipAddress', /the revision is on strand KmA3ZZca7vAIiJAK9S5Iwl, the digest covers strand AAAAAAAAAAAAAAAAAAAAAA/],
    ['a revision without its metadata', TV.digest, 'revision', { ...TV.revision, Revision: { IonText: TV2_REVISION_TEXT.replace(/,metadata:\{[^}]*\}\}$/, '}') } },
      'revisionHash', /holds no metadata, so its hash cannot be recomputed from the document/],
    ['a field QLDB never writes', TV.digest, 'revision', { ...TV.revision, Revision: { IonText: TV2_REVISION_TEXT.replace('{blockAddress:', '{note:"ok",blockAddress:') } },
      'format', /the revision is not one QLDB writes: unexpected field note/],
  ];
  for (const [what, digest, kind, answer, checkName, message] of cases) {
    const r = await check(digest, kind, answer);
    assert.equal(r.code, 1, `${what}: ${r.out}${r.err}`);
    assert.match(r.out, /(^|\n)FAILED\n  /, what);
    assert.match(r.out, message, what);
    assert.match(r.out, new RegExp(`\\n  check: ${checkName}\\n$`), what);
    assert.doesNotMatch(r.out, /VERIFIED/, what);
  }
});

test('input that is not an answer exits 2, saying what it expected', async () => {
  const digest = save(TV.digest);
  const revision = save(TV.revision);
  const cases: [string[], RegExp, string?][] = [
    [['--digest', digest, '--revision', save('not json at all')], /not JSON; expected the output of get-revision/],
    [['--digest', save([1, 2]), '--revision', revision], /not a JSON object; expected the output of get-digest/],
    [['--digest', digest, '--revision', save({ Revision: { IonText: TV2_REVISION_TEXT } })], /no Proof: call get-revision with --digest-tip-address set to the digest's DigestTipAddress/],
    [['--digest', digest, '--block', revision], /no Block; expected the output of get-block/],
    [['--digest', digest, '--revision', save({ ...TV.revision, Revision: { IonText: '{blockAddress:' } })], /Revision: not readable Ion/],
    [['--digest', digest, '--revision', save({ ...TV.revision, Revision: { IonText: '[1, 2]' } })], /Revision: not an Ion struct/],
    [['--digest', digest, '--revision', save({ ...TV.revision, Revision: { IonText: '{a:1} {b:2}' } })], /Revision: holds 2 Ion values, not one struct/],
    [['--digest', digest, '--revision', save({ ...TV.revision, Revision: 'text' })], /Revision is not \{"IonText": "\.\.\."\}/],
    [['--digest', digest, '--revision', save({ ...TV.revision, Proof: { IonText: '["a"]' } })], /Proof element 0 is not a blob/],
    [['--digest', save({ ...TV.digest, Digest: 'abc' }), '--revision', revision], /Digest is not 32 bytes in base64/],
    [['--digest', save({ Digest: TV_DIGEST_123 }), '--revision', revision], /no DigestTipAddress/],
    [['--digest', save({ ...TV.digest, DigestTipAddress: { IonText: '{sequenceNo:5}' } }), '--revision', revision], /DigestTipAddress is not a block address/],
    [['--digest', join(dir, 'missing.json'), '--revision', revision], /missing\.json: cannot be read/],
    [['--digest', digest, '--revision', '-'], /stdin: not JSON/, '\x00\x01garbage'],
    [['--digest', digest], /give exactly one of --revision and --block/],
    [['--digest', digest, '--revision', revision, '--block', revision], /give exactly one of --revision and --block/],
    [['--revision', revision], /--digest is required/],
    [['--digest', '-', '--revision', '-'], /only one of the answers can come from stdin/],
    [['--digest', digest, '--revision', revision, '--tip', '3'], /unknown option --tip/],
  ];
  for (const [args, message, stdin] of cases) {
    const r = await proof(args, stdin);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.out}${r.err}`);
    assert.match(r.err, message, args.join(' '));
    assert.equal(r.out, '', args.join(' '));
  }
  const help = await proof(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /^Usage: openqldb proof --digest <file> \(--revision <file> \| --block <file>\)/);
});

test('either answer may come from stdin', async () => {
  let r = await proof(['--digest', '-', '--revision', save(TV.revision)], JSON.stringify(TV.digest));
  assert.equal(r.code, 0, r.out + r.err);
  r = await proof(['--digest', save(TV.digest), '--block=-'], JSON.stringify(TV.block));
  assert.equal(r.code, 0, r.out + r.err);
});

test('every block and revision of a generated ledger verifies under every later tip; redacted and deleted ones too', async () => {
  const blocks = [...ledgerBlocks(12)];
  const tree = new MemoryDigestTree();
  for (const b of blocks) tree.append(b.blockHash);
  let deletes = 0;
  let redactions = 0;
  for (const tip of [7, 11]) {
    const digest = digestAnswer(tree.digest(tip).toString('base64'), STRAND, tip);
    for (const built of blocks.slice(0, tip + 1)) {
      const blockProof = tree.auditPath(built.sequenceNo, tip);
      const hashes = (p: Buffer[]) => ({ IonText: proofText(p.map((h) => h.toString('base64'))) });
      let r = await check(digest, 'block', { Block: { IonText: blockToIonText(built.ion) }, Proof: hashes(blockProof) });
      assert.equal(r.code, 0, `block ${built.sequenceNo} under tip ${tip}: ${r.out}${r.err}`);
      const block = parseBlock(built.ion);
      for (const revision of block.revisions) {
        const revisionProof = hashes([...revisionProofInBlock(block, revision), ...blockProof]);
        r = await check(digest, 'revision', { Revision: { IonText: blockToIonText(extractValue(block, revision.ref)) }, Proof: revisionProof });
        assert.equal(r.code, 0, `revision ${revision.documentId} under tip ${tip}: ${r.out}${r.err}`);
        if (!revision.fields.has('data')) {
          deletes++;
          assert.match(r.out, /recomputed from its metadata \(a deleted document: no data\)/);
          continue;
        }
        // redaction leaves the revision hash, and so every proof, as it was
        const redacted = redactRevisionInBlock(built.ion, revision.documentId!, revision.version!)!;
        r = await check(digest, 'revision', { Revision: { IonText: blockToIonText(redacted.revision) }, Proof: revisionProof });
        assert.equal(r.code, 0, `redacted revision ${revision.documentId}: ${r.out}${r.err}`);
        assert.match(r.out, /dataHash \(the revision is redacted\)/);
        r = await check(digest, 'block', { Block: { IonText: blockToIonText(redacted.ion) }, Proof: hashes(blockProof) });
        assert.equal(r.code, 0, `block ${built.sequenceNo} with a redacted revision: ${r.out}${r.err}`);
        redactions++;
      }
    }
  }
  assert.ok(deletes > 0 && redactions > 0, 'the ledger holds deleted and redacted revisions');
});
