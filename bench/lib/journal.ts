/**
 * A long journal for the benchmarks, written straight through the journal core (buildBlock) and
 * the SQLite store (appendBlock): each block a real, chained QLDB block with one INSERT statement
 * and one document revision (~1 KB), 100 blocks per millisecond of block time.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ion from 'ion-js';
import type { App } from '../../src/app';
import { buildBlock } from '../../src/journal/block';
import { JournalStore } from '../../src/storage/sqlite/journalStore';

const caller = { accountId: '000000000000', region: 'us-east-1' };

/** Creates ledger `name` on the app's SQLite store with `blocks` blocks; returns the last block's timestamp. */
export async function buildJournal(app: App, name: string, blocks: number): Promise<{ lastTs: number }> {
  const ledger = await app.ledgers.create(caller, { name, permissionsMode: 'STANDARD' });
  const journal = new JournalStore(app.db);
  const tip = journal.strand(ledger.ledgerId)!;
  const t0 = ledger.createdMs + 1;
  let prev: Buffer = Buffer.from(tip.tipBlockHash);
  const started = Date.now();
  // 1,000 distinct documents, cycled: parsing Ion text with ion-js would dominate the build
  const docs = Array.from({ length: 1000 }, (_, i) =>
    ion.dumpBinary(
      ion.load(
        `{VIN:"1N4AL11D75C${String(i).padStart(6, '0')}",MfgDate:2024-03-01T,Type:"Sedan",Mfr:"Nissan",Model:"Altima",` +
          `Color:"Silver",Specs:{EngSize:2.5,CurbWeight:3200,HP:${150 + (i % 100)},BatterySize:null},Owners:{PrimaryOwner:{PersonId:"P${i}"},` +
          `SecondaryOwners:[]},Price:${i}.99,Registered:true,Tags:[sedan,"blue-book"]}`,
      )!,
    ),
  );
  const BATCH = 2000;
  for (let from = 1; from < blocks; from += BATCH) {
    app.db.transaction(() => {
      for (let seq = from; seq < Math.min(blocks, from + BATCH); seq++) {
        const ts = new Date(t0 + Math.floor(seq / 100));
        const tx = 'T' + String(seq).padStart(21, '0');
        const id = 'D' + String(seq).padStart(21, '0');
        const data = docs[seq % docs.length];
        const b = buildBlock({
          strandId: tip.strandId,
          sequenceNo: seq,
          transactionId: tx,
          blockTimestamp: ts,
          previousBlockHash: prev,
          statements: [{ statement: 'INSERT INTO VehicleRegistration ?', startTime: ts, statementDigest: Buffer.alloc(32, seq & 255) }],
          documents: { [id]: { tableName: 'VehicleRegistration', tableId: 'VehicleRegistrationTbl', statements: [0] } },
          revisions: [{ data, metadata: { id, version: 0, txTime: ts, txId: tx } }],
        });
        journal.appendBlock(ledger.ledgerId, b, tx);
        prev = b.blockHash;
      }
    })();
    if ((from - 1) % 20_000 === 0 && from > 1) process.stdout.write(`  built ${from - 1} blocks (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  }
  return { lastTs: t0 + Math.floor(blocks / 100) };
}

/**
 * A data directory holding ledger `name` with a journal of `blocks` blocks, built once and kept
 * for later runs (`built.json` records it; `rebuild` builds it again). The benchmark's own `open`
 * makes the App it is built through.
 */
export async function cachedJournal(dir: string, name: string, blocks: number, open: (dir: string) => Promise<App>, rebuild: boolean): Promise<void> {
  if (!rebuild && existsSync(join(dir, 'built.json'))) {
    process.stdout.write(`reusing the journal of ${blocks} blocks in ${dir} (--rebuild to build it again)\n`);
    return;
  }
  process.stdout.write(`building a journal of ${blocks} blocks in ${dir} (cached for later runs)\n`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const app = await open(dir);
  const { lastTs } = await buildJournal(app, name, blocks);
  await app.close();
  writeFileSync(join(dir, 'built.json'), JSON.stringify({ blocks, lastTs }));
}
