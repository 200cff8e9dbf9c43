/**
 * LedgerService over a store that answers slowly, as PostgreSQL shared by several nodes does:
 * - a refresh (PostgreSQL rereads ledgers every half ledger-state delay) whose read of the store
 *   was taken before a change this node made must not put the old state back;
 * - a deleted ledger leaves memory at once and its rows when its purge ends: its name, once
 *   DescribeLedger calls it free, must be free to create meanwhile.
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

describe('LedgerService on a slow store', () => {
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

  it('creates a deleted ledger\'s name again while the purge of its rows is still under way', async () => {
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    // the store's ledgers, whose remove() waits for release(): a slow purge
    const ledgers = Object.create(store.ledgers) as AsyncLedgerStore;
    let removed = false;
    ledgers.remove = async (...args: Parameters<AsyncLedgerStore['remove']>) => {
      await gate;
      await store.ledgers.remove(...args);
      removed = true;
    };
    const config = loadConfig([], {}, { dataDir: dir, ledgerStateDelayMs: 0 });
    const service = await new LedgerService(ledgers, config).load();
    const old = await service.create(caller, { name: 'doomed', permissionsMode: 'STANDARD', deletionProtection: false });
    await service.delete(caller, 'doomed');
    assert.throws(() => service.requireExisting(caller, 'doomed'), /The ledger doomed does not exist/, 'DescribeLedger calls the name free');
    const again = service.create(caller, { name: 'doomed', permissionsMode: 'STANDARD' });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(removed, false, 'the purge is still held');
    release();
    const created = await again;
    assert.ok(removed);
    assert.notEqual(created.ledgerId, old.ledgerId);
    assert.equal(service.find(caller, 'doomed')?.ledgerId, created.ledgerId);
    assert.deepEqual((await store.ledgers.all()).filter((l) => l.name === 'doomed').map((l) => l.ledgerId), [created.ledgerId]);
    service.close();
  });

  it('creates the name again when a refresh read the deleted ledger back while its purge was under way', async () => {
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const ledgers = Object.create(store.ledgers) as AsyncLedgerStore;
    ledgers.remove = async (...args: Parameters<AsyncLedgerStore['remove']>) => {
      await gate;
      await store.ledgers.remove(...args);
    };
    const config = loadConfig([], {}, { dataDir: dir, ledgerStateDelayMs: 0 });
    const service = await new LedgerService(ledgers, config).load();
    const old = await service.create(caller, { name: 'revenant', permissionsMode: 'STANDARD', deletionProtection: false });
    await service.delete(caller, 'revenant');
    const again = service.create(caller, { name: 'revenant', permissionsMode: 'STANDARD' });
    // another node's changes are read on a timer: this read finds the row the purge still holds
    const refreshed = service.refresh();
    // its read done, before the service's own timer could settle what it read
    await new Promise((r) => setImmediate(r));
    release();
    await refreshed;
    const created = await again;
    assert.notEqual(created.ledgerId, old.ledgerId);
    assert.equal(service.find(caller, 'revenant')?.ledgerId, created.ledgerId);
    assert.deepEqual((await store.ledgers.all()).filter((l) => l.name === 'revenant').map((l) => l.ledgerId), [created.ledgerId]);
    service.close();
  });
});
