/**
 * `aws qldb get-digest | get-block | get-revision` through Debian's awscli 2.9.19
 * (/usr/bin/aws) against a live server whose journal the official driver wrote.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'ion-js';
import { startServer, type TestServer } from '../helpers/server';
import { aws } from '../helpers/awscli';
import { createLedger, newDriver } from './sessionHelpers';
import { foldProof } from '../../src/journal/hash';
import { MESSAGES } from '../../src/api/control/journalViews';

const LEDGER = 'journal-cli';
const blobs = (ionText: string) => load(ionText)!.elements().map((e) => Buffer.from(e.uInt8ArrayValue()!));
const holder = (ionText: string) => JSON.stringify({ IonText: ionText });

describe('journal verification via /usr/bin/aws qldb', () => {
  let server: TestServer;
  let run: (...args: string[]) => ReturnType<typeof aws>;
  let docId: string;
  before(async () => {
    server = await startServer();
    run = (...args) => aws(server.endpoint, ['qldb', ...args]);
    await createLedger(server.endpoint, LEDGER);
    const driver = newDriver(server.endpoint, LEDGER);
    try {
      await driver.executeLambda((t) => t.execute('CREATE TABLE Person'));
      const rows = await driver.executeLambda(async (t) => (await t.execute('INSERT INTO Person ?', { GovId: 'P1', Name: 'Jane' })).getResultList());
      docId = rows[0].get('documentId')!.stringValue()!;
      await driver.executeLambda((t) => t.execute('UPDATE Person SET Name = ? WHERE GovId = ?', 'Janet', 'P1'));
    } finally {
      driver.close();
    }
  });
  after(() => server.dispose());

  it('get-digest, get-block and get-revision answer proofs that fold to the digest', async () => {
    const d = await run('get-digest', '--name', LEDGER);
    assert.equal(d.code, 0, d.stderr);
    const digest = Buffer.from(d.json.Digest, 'base64');
    assert.equal(digest.length, 32);
    const tipText: string = d.json.DigestTipAddress.IonText;
    const tip = load(tipText)!;
    const strandId = tip.get('strandId')!.stringValue()!;
    const tipSeq = tip.get('sequenceNo')!.numberValue()!;
    let found = 0;
    for (let seq = 0; seq <= tipSeq; seq++) {
      const address = `{strandId:"${strandId}",sequenceNo:${seq}}`;
      const b = await run('get-block', '--name', LEDGER, '--block-address', holder(address), '--digest-tip-address', holder(tipText));
      assert.equal(b.code, 0, b.stderr);
      const block = load(b.json.Block.IonText)!;
      const blockHash = Buffer.from(block.get('blockHash')!.uInt8ArrayValue()!);
      assert.deepEqual(foldProof(blockHash, blobs(b.json.Proof.IonText)), digest, `block ${seq}`);
      const ids = (block.get('revisions')?.elements() ?? []).map((r) => r.get('metadata', 'id')!.stringValue());
      if (!ids.includes(docId)) continue;
      found++;
      const r = await run(
        'get-revision', '--name', LEDGER, '--block-address', holder(address), '--document-id', docId, '--digest-tip-address', holder(tipText),
      );
      assert.equal(r.code, 0, r.stderr);
      const revision = load(r.json.Revision.IonText)!;
      assert.equal(revision.get('metadata', 'id')!.stringValue(), docId);
      const hash = Buffer.from(revision.get('hash')!.uInt8ArrayValue()!);
      assert.deepEqual(foldProof(hash, blobs(r.json.Proof.IonText)), digest);
    }
    assert.equal(found, 2, 'the insert and the update each wrote a revision of the document');
  });

  it('prints each error code awscli users would see', async () => {
    const d = await run('get-digest', '--name', LEDGER);
    const tip = load(d.json.DigestTipAddress.IonText)!;
    const strandId = tip.get('strandId')!.stringValue()!;
    const tipSeq = tip.get('sequenceNo')!.numberValue()!;
    const at = (seq: number, strand = strandId) => holder(`{strandId:"${strand}",sequenceNo:${seq}}`);
    const cases: [string[], string, string][] = [
      [['get-digest', '--name', 'missing-ledger'], 'ResourceNotFoundException', 'The ledger missing-ledger does not exist'],
      [['get-block', '--name', LEDGER, '--block-address', holder('{strandId:')], 'InvalidParameterException', MESSAGES.malformed],
      [['get-block', '--name', LEDGER, '--block-address', holder('{sequenceNo:1}')], 'InvalidParameterException', MESSAGES.invalidAddress],
      [['get-block', '--name', LEDGER, '--block-address', at(1, 'AAAAAAAAAAAAAAAAAAAAAA')], 'InvalidParameterException', MESSAGES.wrongStrand],
      [['get-block', '--name', LEDGER, '--block-address', at(tipSeq + 1)], 'InvalidParameterException', MESSAGES.blockBeyond],
      [['get-block', '--name', LEDGER, '--block-address', at(1), '--digest-tip-address', at(tipSeq + 1)], 'InvalidParameterException', MESSAGES.tipBeyond],
      [['get-block', '--name', LEDGER, '--block-address', at(2), '--digest-tip-address', at(1)], 'InvalidParameterException', MESSAGES.blockAfterTip],
      [['get-revision', '--name', LEDGER, '--block-address', at(0), '--document-id', docId], 'InvalidParameterException', MESSAGES.documentNotInBlock],
    ];
    for (const [args, code, message] of cases) {
      const r = await run(...args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.equal(r.errorCode, code, r.stderr);
      assert.ok(r.stderr.includes(message), `${args.join(' ')}: ${r.stderr}`);
    }
  });
});
