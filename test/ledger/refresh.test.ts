/**
 * LedgerService.refresh on a shared store (PostgreSQL rereads ledgers every half ledger-state
 * delay): a refresh whose read of the store was taken before a change this node made must not
 * put the old state back — a ledger created meanwhile stays found, a settled state stays settled.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { LedgerService } from '../../src/ledger/ledgers';
import { openDatabase } from '../../src/storage/sqlite/db';
import { sqliteStore } from '../../src/storage/sqlite/store';
import type { AsyncLedgerStore } from '../../src/storage/stores';

const caller = { accountId: '000000000000', region: 'us-east-1' };

describe('LedgerService.refresh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openqldb-ledgers-'));
  const store = sqliteStore(openDatabase(dir));
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The store's ledgers, whose `all()` reads at once but answers only after `release()` once `hold()` was called: a slow read. */
  function slowReads() {
    let gate = Promise.resolve();
    let release = () => {};
    const ledgers = Object.create(store.ledgers) as AsyncLedgerStore;
    ledgers.all = async () => {
      const rows = await store.ledgers.all();
      await gate;
      return rows;
    };
    return {
      ledgers,
      hold: () => void (gate = new Promise<void>((r) => (release = r))),
      release: () => release(),
    };
  }

  it('keeps a ledger created while a refresh was reading the store', async () => {
    const slow = slowReads();
    const config = loadConfig([], {}, { dataDir: dir, ledgerStateDelayMs: 0 });
    const ledgers = await new LedgerService(slow.ledgers, config).load();
    slow.hold();
    const refreshing = ledgers.refresh(); // reads the store before the ledger exists
    await ledgers.create(caller, { name: 'made-meanwhile', permissionsMode: 'STANDARD' });
    slow.release();
    await refreshing;
    assert.ok(ledgers.find(caller, 'made-meanwhile'), 'the ledger created during the refresh is still known');
    ledgers.close();
  });
});
