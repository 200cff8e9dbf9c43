/**
 * GetDigest, GetBlock and GetRevision through @aws-sdk/client-qldb 3.918.0 against a live server,
 * with the journal written by the official driver: every proof returned folds to the digest
 * returned, every block re-verifies, and every error case answers AWS's shape.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load, makeBinaryWriter, makeReader } from 'ion-js';
import {
  CreateLedgerCommand,
  DeleteLedgerCommand,
  DescribeLedgerCommand,
  GetBlockCommand,
  GetDigestCommand,
  GetRevisionCommand,
  QLDBClient,
} from '@aws-sdk/client-qldb';
import { startServer, testCredentials, type TestServer } from '../helpers/server';
import { raw } from '../helpers/raw';
import { newDriver } from './sessionHelpers';
import { foldProof } from '../../src/journal/hash';
import { ionHash } from '../../src/journal/ionHash';
import { verifyBlock } from '../../src/journal/verify';
import { MESSAGES } from '../../src/api/control/journalViews';
import { rejectsWith } from '../helpers/sdkErrors';

const LEDGER = 'journal-sdk';


const blobs = (ionText: string) => load(ionText)!.elements().map((e) => Buffer.from(e.uInt8ArrayValue()!));
const addr = (strandId: string, sequenceNo: number | string) => ({ IonText: `{strandId: "${strandId}", sequenceNo: ${sequenceNo}}` });

describe('GetDigest, GetBlock, GetRevision via @aws-sdk/client-qldb', () => {
  let server: TestServer;
  let qldb: QLDBClient;
  const docIds: string[] = [];

  async function waitActive(name: string) {
    for (let i = 0; i < 100; i++) {
      const d = await qldb.send(new DescribeLedgerCommand({ Name: name }));
      if (d.State === 'ACTIVE') return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`${name} never became ACTIVE`);
  }

  before(async () => {
    // ledgers stay CREATING / DELETING for a moment, so those states can be observed
    server = await startServer(['--ledger-state-delay', '1200ms']);
    qldb = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
    await qldb.send(new CreateLedgerCommand({ Name: LEDGER, PermissionsMode: 'STANDARD', DeletionProtection: false }));
    await rejectsWith(qldb.send(new GetDigestCommand({ Name: LEDGER })), 'ResourcePreconditionNotMetException', 412, {
      ResourceType: 'LEDGER',
      ResourceName: LEDGER,
    });
    await waitActive(LEDGER);
    const driver = newDriver(server.endpoint, LEDGER);
    try {
      await driver.executeLambda((t) => t.execute('CREATE TABLE Car'));
      for (let i = 0; i < 6; i++) {
        const r = await driver.executeLambda(async (t) =>
          (await t.execute('INSERT INTO Car ?', [{ VIN: `VIN${i}`, n: i }, { VIN: `VIN${i}b`, n: -i }])).getResultList(),
        );
        for (const row of r) docIds.push(row.get('documentId')!.stringValue()!);
      }
      await driver.executeLambda((t) => t.execute('UPDATE Car SET n = 100 WHERE VIN = ?', 'VIN1'));
      await driver.executeLambda((t) => t.execute('DELETE FROM Car WHERE VIN = ?', 'VIN2'));
    } finally {
      driver.close();
    }
  });
  after(async () => {
    qldb.destroy();
    await server.dispose();
  });

  it('GetDigest answers the digest of the whole strand and its tip address', async () => {
    const d = await qldb.send(new GetDigestCommand({ Name: LEDGER }));
    assert.equal(d.Digest!.length, 32);
    assert.match(d.DigestTipAddress!.IonText!, /^\{strandId:"[0-9A-Za-z]{22}",sequenceNo:\d+\}$/);
    const tip = load(d.DigestTipAddress!.IonText!)!;
    // genesis + CREATE TABLE + 6 inserts + update + delete
    assert.ok(tip.get('sequenceNo')!.numberValue()! >= 9);
  });

  it('every block verifies, chains, and its proof folds to the digest; every revision proof too', async () => {
    const d = await qldb.send(new GetDigestCommand({ Name: LEDGER }));
    const digest = Buffer.from(d.Digest!);
    const tipAddr = load(d.DigestTipAddress!.IonText!)!;
    const strandId = tipAddr.get('strandId')!.stringValue()!;
    const tip = tipAddr.get('sequenceNo')!.numberValue()!;
    let previous: Buffer | undefined;
    const seen = new Set<string>();
    for (let seq = 0; seq <= tip; seq++) {
      const b = await qldb.send(new GetBlockCommand({ Name: LEDGER, BlockAddress: addr(strandId, seq), DigestTipAddress: d.DigestTipAddress }));
      const block = load(b.Block!.IonText!)!;
      assert.equal(block.get('blockAddress', 'sequenceNo')!.numberValue(), seq);
      const binary = Buffer.from(ionBinary(b.Block!.IonText!));
      const v = verifyBlock(binary, previous);
      assert.equal(v.ok, true, v.ok ? '' : v.message);
      const blockHash = Buffer.from(block.get('blockHash')!.uInt8ArrayValue()!);
      assert.deepEqual(foldProof(blockHash, blobs(b.Proof!.IonText!)), digest, `block ${seq}`);
      previous = blockHash;
      for (const rev of block.get('revisions')?.elements() ?? []) {
        const id = rev.get('metadata', 'id')!.stringValue()!;
        seen.add(id);
        const r = await qldb.send(
          new GetRevisionCommand({ Name: LEDGER, BlockAddress: addr(strandId, seq), DocumentId: id, DigestTipAddress: d.DigestTipAddress }),
        );
        const revision = load(r.Revision!.IonText!)!;
        assert.ok(revision.equals(rev), 'GetRevision answers the revision as the block holds it');
        const hash = Buffer.from(revision.get('hash')!.uInt8ArrayValue()!);
        const data = revision.get('data');
        const expected = data ? ionHash(revision.get('metadata')!) : undefined;
        if (data) assert.notDeepEqual(expected, hash); // dot(H(metadata), H(data)), not H(metadata)
        assert.deepEqual(foldProof(hash, blobs(r.Proof!.IonText!)), digest, `revision ${id} of block ${seq}`);
      }
    }
    for (const id of docIds) assert.ok(seen.has(id), `document ${id} has a revision in some block`);
  });

  it('a block proof for an older tip folds to that tip\'s digest; without a tip there is no proof', async () => {
    const d1 = await qldb.send(new GetDigestCommand({ Name: LEDGER }));
    const strandId = load(d1.DigestTipAddress!.IonText!)!.get('strandId')!.stringValue()!;
    const driver = newDriver(server.endpoint, LEDGER);
    await driver.executeLambda((t) => t.execute('INSERT INTO Car ?', { VIN: 'later' }));
    driver.close();
    const d2 = await qldb.send(new GetDigestCommand({ Name: LEDGER }));
    assert.notDeepEqual(Buffer.from(d2.Digest!), Buffer.from(d1.Digest!));
    const b = await qldb.send(new GetBlockCommand({ Name: LEDGER, BlockAddress: addr(strandId, 3), DigestTipAddress: d1.DigestTipAddress }));
    const blockHash = Buffer.from(load(b.Block!.IonText!)!.get('blockHash')!.uInt8ArrayValue()!);
    assert.deepEqual(foldProof(blockHash, blobs(b.Proof!.IonText!)), Buffer.from(d1.Digest!));
    const noTip = await qldb.send(new GetBlockCommand({ Name: LEDGER, BlockAddress: addr(strandId, 3) }));
    assert.equal(noTip.Proof, undefined);
    assert.equal(noTip.Block!.IonText, b.Block!.IonText);
    // the tip block itself under its own tip
    const tipSeq = load(d2.DigestTipAddress!.IonText!)!.get('sequenceNo')!.numberValue()!;
    const last = await qldb.send(new GetBlockCommand({ Name: LEDGER, BlockAddress: addr(strandId, tipSeq), DigestTipAddress: d2.DigestTipAddress }));
    const lastHash = Buffer.from(load(last.Block!.IonText!)!.get('blockHash')!.uInt8ArrayValue()!);
    assert.deepEqual(foldProof(lastHash, blobs(last.Proof!.IonText!)), Buffer.from(d2.Digest!));
  });

  it('every error case answers InvalidParameterException with AWS\'s message and ParameterName', async () => {
    const d = await qldb.send(new GetDigestCommand({ Name: LEDGER }));
    const strandId = load(d.DigestTipAddress!.IonText!)!.get('strandId')!.stringValue()!;
    const tip = load(d.DigestTipAddress!.IonText!)!.get('sequenceNo')!.numberValue()!;
    const bad = (BlockAddress: { IonText: string }, DigestTipAddress?: { IonText: string }) =>
      qldb.send(new GetBlockCommand({ Name: LEDGER, BlockAddress, DigestTipAddress }));
    const ip = (parameter: string, message: string) => ['InvalidParameterException', 400, { ParameterName: parameter }, message] as const;

    await rejectsWith(bad({ IonText: '{strandId: "' }), ...ip('BlockAddress', MESSAGES.malformed));
    await rejectsWith(bad({ IonText: '{{not base64' }), ...ip('BlockAddress', MESSAGES.malformed));
    await rejectsWith(bad(addr(strandId, 1), { IonText: '[1,' }), ...ip('DigestTipAddress', MESSAGES.malformed));
    for (const text of [
      '[1]',
      '42',
      'null.struct',
      `{strandId: "${strandId}"}`,
      `{sequenceNo: 1}`,
      `{strandId: "${strandId}", sequenceNo: 1, extra: 2}`,
      `{strandId: '${strandId}', sequenceNo: 1}`, // a symbol, not a string
      `{strandId: "${strandId}", sequenceNo: 1.0}`,
      `{strandId: "${strandId}", sequenceNo: -1}`,
      `{strandId: "${strandId}", sequenceNo: "1"}`,
      `{strandId: "${strandId}", strandId: "${strandId}", sequenceNo: 1}`,
      `a::{strandId: "${strandId}", sequenceNo: 1}`,
      `{strandId: "${strandId}", sequenceNo: 1} {strandId: "${strandId}", sequenceNo: 2}`,
    ]) {
      await rejectsWith(bad({ IonText: text }), ...ip('BlockAddress', MESSAGES.invalidAddress));
    }
    await rejectsWith(bad(addr('AAAAAAAAAAAAAAAAAAAAAA', 1)), ...ip('BlockAddress', MESSAGES.wrongStrand));
    await rejectsWith(bad(addr(strandId, 1), addr('AAAAAAAAAAAAAAAAAAAAAA', 1)), ...ip('DigestTipAddress', MESSAGES.wrongTipStrand));
    await rejectsWith(bad(addr(strandId, tip + 1)), ...ip('BlockAddress', MESSAGES.blockBeyond));
    await rejectsWith(bad(addr(strandId, '123456789012345678901234567890')), ...ip('BlockAddress', MESSAGES.blockBeyond));
    await rejectsWith(bad(addr(strandId, 1), addr(strandId, tip + 1)), ...ip('DigestTipAddress', MESSAGES.tipBeyond));
    await rejectsWith(bad(addr(strandId, 3), addr(strandId, 2)), ...ip('BlockAddress', MESSAGES.blockAfterTip));

    // GetRevision: the same address checks, then the document must be in that block
    const rev = (BlockAddress: { IonText: string }, DocumentId: string, DigestTipAddress?: { IonText: string }) =>
      qldb.send(new GetRevisionCommand({ Name: LEDGER, BlockAddress, DocumentId, DigestTipAddress }));
    await rejectsWith(rev({ IonText: '{' }, docIds[0]), ...ip('BlockAddress', MESSAGES.malformed));
    await rejectsWith(rev(addr(strandId, 0), docIds[0]), ...ip('DocumentId', MESSAGES.documentNotInBlock));
    await rejectsWith(rev(addr(strandId, 3), docIds[0], addr(strandId, 2)), ...ip('BlockAddress', MESSAGES.blockAfterTip));
    await rejectsWith(rev(addr(strandId, tip + 5), docIds[0]), ...ip('BlockAddress', MESSAGES.blockBeyond));
    await rejectsWith(rev(addr(strandId, 1), 'short'), 'InvalidParameterException', 400, { ParameterName: 'DocumentId' });
  });

  it('unknown, DELETING and constraint-violating ledger names; malformed bodies sent raw', async () => {
    await rejectsWith(qldb.send(new GetDigestCommand({ Name: 'no-such-ledger' })), 'ResourceNotFoundException', 404, {
      ResourceType: 'LEDGER',
      ResourceName: 'no-such-ledger',
    });
    await rejectsWith(
      qldb.send(new GetBlockCommand({ Name: 'no-such-ledger', BlockAddress: { IonText: '{' } })),
      'ResourceNotFoundException',
      404,
    );
    await rejectsWith(
      qldb.send(new GetRevisionCommand({ Name: 'no-such-ledger', BlockAddress: { IonText: '{' }, DocumentId: 'AAAAAAAAAAAAAAAAAAAAAA' })),
      'ResourceNotFoundException',
      404,
    );
    await qldb.send(new CreateLedgerCommand({ Name: 'to-delete', PermissionsMode: 'ALLOW_ALL', DeletionProtection: false }));
    await waitActive('to-delete');
    await qldb.send(new DeleteLedgerCommand({ Name: 'to-delete' }));
    await rejectsWith(qldb.send(new GetDigestCommand({ Name: 'to-delete' })), 'ResourceNotFoundException', 404, { ResourceName: 'to-delete' });
    // what the SDK would not send: a missing BlockAddress, an empty holder, a wrong JSON type
    const missing = await raw(server.endpoint, 'POST', `/ledgers/${LEDGER}/block`, {});
    assert.equal(missing.status, 400);
    assert.equal(missing.errorType, 'InvalidParameterException');
    assert.equal(missing.json.ParameterName, 'BlockAddress');
    const empty = await raw(server.endpoint, 'POST', `/ledgers/${LEDGER}/block`, { BlockAddress: {} });
    assert.equal(empty.status, 400);
    assert.equal(empty.errorType, 'InvalidParameterException');
    const wrongType = await raw(server.endpoint, 'POST', `/ledgers/${LEDGER}/revision`, { BlockAddress: { IonText: 5 }, DocumentId: 'AAAAAAAAAAAAAAAAAAAAAA' });
    assert.equal(wrongType.status, 400);
    assert.ok(['SerializationException', 'InvalidParameterException'].includes(wrongType.errorType!), wrongType.body);
  });
});

function ionBinary(text: string): Uint8Array {
  const w = makeBinaryWriter();
  w.writeValues(makeReader(text));
  w.close();
  return w.getBytes();
}
