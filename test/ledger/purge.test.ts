/**
 * A deleted ledger leaves memory at once and its rows when its purge ends (round trips on
 * PostgreSQL): its name, once DescribeLedger calls it free, must be free to create meanwhile.
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

describe('LedgerService purge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openqldb-ledgers-'));
  const store = sqliteStore(openDatabase(dir));
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
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
});
