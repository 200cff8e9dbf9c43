/**
 * Crash safety: the server is killed with SIGKILL, round after round, while several official
 * drivers (amazon-qldb-driver-nodejs 3.1.0) commit inserts concurrently. After every restart:
 *  - every insert whose commit a driver saw acknowledged is there (durability of an ack);
 *  - no insert is there twice;
 *  - the committed view (SELECT) and the journal's blocks hold exactly the same inserts;
 *  - every stored block verifies (revision hashes, Merkle roots, block hash) and links to the
 *    previous one's hash, with no gap in sequence numbers, up to the strand's recorded tip.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { dom } from 'ion-js';
import { QldbDriver, RetryConfig } from 'amazon-qldb-driver-nodejs';
import { CreateLedgerCommand, GetDigestCommand, QLDBClient } from '@aws-sdk/client-qldb';
import { startServer, testCredentials, type TestServer } from '../helpers/server';
import { rng } from '../helpers/fuzz';
import { verifyBlock } from '../../src/journal/verify';
import { extractValue } from '../../src/journal/block';
import { StreamingDigest } from '../../src/journal/digestTree';

const LEDGER = 'crash-ledger';
const ROUNDS = Number(process.env.OPENQLDB_CRASH_ROUNDS ?? 5);
const CLIENTS = 6;

const keyOf = (round: number, client: number, seq: number) => `${round}/${client}/${seq}`;

function driver(endpoint: string): QldbDriver {
  // No retries anywhere: each insert is attempted exactly once, so a duplicate would be the
  // server's doing, and a dead server ends the round's loops at once.
  return new QldbDriver(
    LEDGER,
    { endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 },
    {},
    2,
    new RetryConfig(0),
  );
}

/** Every insert key the committed view holds, with how often each appears. */
async function committedKeys(endpoint: string): Promise<Map<string, number>> {
  const d = driver(endpoint);
  try {
    const rows = await d.executeLambda(async (tx) => (await tx.execute('SELECT round, client, seq FROM Crash')).getResultList());
    const counts = new Map<string, number>();
    for (const r of rows) {
      const k = keyOf(Number(r.get('round')), Number(r.get('client')), Number(r.get('seq')));
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return counts;
  } finally {
    d.close();
  }
}

interface JournalCheck {
  blocks: number;
  /** insert keys found in the blocks' revisions */
  keys: Set<string>;
  failures: string[];
  /** per ledger: the tip's sequence number and the digest recomputed from the verified block hashes */
  tips: Map<string, { strandId: string; tipSeq: number; digest: Buffer }>;
}

/** Reads every stored block of every strand straight from the database and verifies the chain. */
function checkJournal(dataDir: string): JournalCheck {
  const db = new Database(join(dataDir, 'openqldb.sqlite'), { readonly: true, fileMustExist: true });
  const out: JournalCheck = { blocks: 0, keys: new Set(), failures: [], tips: new Map() };
  try {
    const strands = db.prepare('SELECT ledger_id, strand_id, tip_seq, tip_hash FROM journal_strands').all() as {
      ledger_id: string;
      strand_id: string;
      tip_seq: number;
      tip_hash: Buffer;
    }[];
    assert.ok(strands.length > 0, 'the ledger has a strand');
    for (const s of strands) {
      const blocks = db.prepare('SELECT seq, block_hash, ion FROM journal_blocks WHERE ledger_id = ? ORDER BY seq').all(s.ledger_id) as {
        seq: number;
        block_hash: Buffer;
        ion: Buffer;
      }[];
      let previous: Buffer | undefined;
      const digest = new StreamingDigest();
      blocks.forEach((b, i) => {
        digest.append(b.block_hash);
        out.blocks++;
        if (b.seq !== i) out.failures.push(`strand ${s.strand_id}: block ${i} is stored as sequenceNo ${b.seq}`);
        const v = verifyBlock(b.ion, previous);
        if (!v.ok) {
          out.failures.push(`strand ${s.strand_id} seq ${b.seq}: ${v.check}: ${v.message}`);
          previous = undefined;
          return;
        }
        if (v.block.sequenceNo !== b.seq || v.block.strandId !== s.strand_id) out.failures.push(`seq ${b.seq}: block names another address`);
        if (!v.block.blockHash.equals(b.block_hash)) out.failures.push(`seq ${b.seq}: stored block_hash is not the block's hash`);
        previous = v.block.blockHash;
        for (const r of v.block.revisions) {
          const data = r.fields.get('data');
          if (!data) continue;
          const doc = dom.load(extractValue(v.block, data));
          const round = doc?.get('round');
          if (round === null || round === undefined) continue; // system revisions: tables, indexes
          out.keys.add(keyOf(Number(round), Number(doc!.get('client')), Number(doc!.get('seq'))));
        }
      });
      const last = blocks[blocks.length - 1];
      if (!last || last.seq !== s.tip_seq) out.failures.push(`strand ${s.strand_id}: tip_seq ${s.tip_seq} but the last stored block is ${last?.seq}`);
      else if (!last.block_hash.equals(s.tip_hash)) out.failures.push(`strand ${s.strand_id}: tip_hash is not the last block's hash`);
      if (blocks.length) out.tips.set(s.ledger_id, { strandId: s.strand_id, tipSeq: s.tip_seq, digest: digest.digest() });
    }
  } finally {
    db.close();
  }
  return out;
}

describe(`crash safety: ${ROUNDS} rounds of kill -9 under ${CLIENTS} committing drivers`, () => {
  let server: TestServer;
  const acked = new Set<string>();

  before(async () => {
    server = await startServer(['--log-requests', 'false']);
    const qldb = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
    await qldb.send(new CreateLedgerCommand({ Name: LEDGER, PermissionsMode: 'ALLOW_ALL' }));
    qldb.destroy();
    const d = driver(server.endpoint);
    await d.executeLambda((tx) => tx.execute('CREATE TABLE Crash'));
    d.close();
  });
  after(async () => {
    await server.dispose();
  });

  it('keeps every acknowledged commit and a verifiable hash chain across kill -9', async (t) => {
    const r = rng(4242);
    let attempted = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const drivers = Array.from({ length: CLIENTS }, () => driver(server.endpoint));
      let stop = false;
      const loops = drivers.map(async (d, client) => {
        for (let seq = 0; !stop; seq++) {
          attempted++;
          try {
            await d.executeLambda((tx) => tx.execute('INSERT INTO Crash ?', { round, client, seq }));
            acked.add(keyOf(round, client, seq));
          } catch {
            // the server is gone (or going): this insert's outcome is unknown, so it is not counted
            if (stop) return;
          }
        }
      });
      const ackedBefore = acked.size;
      // kill at a random moment, but only once commits are flowing (a slow CI machine may need a while)
      for (const deadline = Date.now() + 20_000; acked.size === ackedBefore && Date.now() < deadline; ) {
        await new Promise((res) => setTimeout(res, 10));
      }
      await new Promise((res) => setTimeout(res, r.int(100, 800)));
      await server.kill9();
      stop = true;
      await Promise.all(loops);
      for (const d of drivers) d.close();
      assert.ok(acked.size > ackedBefore, `round ${round}: some commits were acknowledged before the kill`);

      await server.restart();
      const present = await committedKeys(server.endpoint);
      const lost = [...acked].filter((k) => !present.has(k));
      assert.deepEqual(lost.slice(0, 20), [], `round ${round}: ${lost.length} acknowledged commits are missing after the restart`);
      const twice = [...present].filter(([, n]) => n > 1).map(([k]) => k);
      assert.deepEqual(twice, [], `round ${round}: inserts present more than once`);

      const journal = checkJournal(server.dataDir);
      assert.deepEqual(journal.failures, [], `round ${round}: journal verification`);
      assert.deepEqual(
        [...journal.keys].sort(),
        [...present.keys()].sort(),
        `round ${round}: the journal and the committed view disagree about which inserts happened`,
      );
      // the control plane's digest is the one the verified chain yields
      const qldb = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
      const served = await qldb.send(new GetDigestCommand({ Name: LEDGER }));
      qldb.destroy();
      assert.equal(journal.tips.size, 1);
      const [tip] = journal.tips.values();
      assert.equal(served.DigestTipAddress?.IonText, `{strandId:"${tip.strandId}",sequenceNo:${tip.tipSeq}}`);
      assert.equal(Buffer.from(served.Digest!).toString('hex'), tip.digest.toString('hex'), `round ${round}: GetDigest disagrees with the verified chain`);
      t.diagnostic(`round ${round}: ${acked.size} acknowledged, ${present.size} present, ${journal.blocks} blocks verified`);
    }
    assert.ok(attempted > acked.size, 'some commits were in flight at a kill, so the unknown-outcome path was exercised');

    // and the ledger keeps working after the last crash
    const d = driver(server.endpoint);
    await d.executeLambda((tx) => tx.execute('INSERT INTO Crash ?', { round: 0, client: 0, seq: 0 }));
    d.close();
    assert.equal((await committedKeys(server.endpoint)).get(keyOf(0, 0, 0)), 1);
  });
});
