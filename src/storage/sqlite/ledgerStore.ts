import { randomBytes } from 'node:crypto';
import type { Db } from './db';
import type { LedgerRow, LedgerStore } from '../store';
import { fromRaw, type Raw } from '../ledgerRow';

const toParams = (l: LedgerRow) => ({
  ledger_id: l.ledgerId,
  account_id: l.accountId,
  region: l.region,
  name: l.name,
  state: l.state,
  state_until: l.stateUntil,
  created_ms: l.createdMs,
  permissions_mode: l.permissionsMode,
  deletion_protection: l.deletionProtection ? 1 : 0,
  kms_key: l.kmsKey ?? null,
});

export class SqliteLedgerStore implements LedgerStore {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      insert: db.prepare(`INSERT INTO ledgers VALUES (@ledger_id, @account_id, @region, @name, @state, @state_until,
        @created_ms, @permissions_mode, @deletion_protection, @kms_key)`),
      all: db.prepare('SELECT * FROM ledgers'),
      get: db.prepare('SELECT * FROM ledgers WHERE ledger_id = ?'),
      update: db.prepare(`UPDATE ledgers SET state = @state, state_until = @state_until, permissions_mode = @permissions_mode,
        deletion_protection = @deletion_protection, kms_key = @kms_key, created_ms = @created_ms WHERE ledger_id = @ledger_id`),
      remove: db.prepare('DELETE FROM ledgers WHERE ledger_id = ?'),
      tags: db.prepare('SELECT key, value FROM tags WHERE resource_arn = ? ORDER BY key'),
      putTag: db.prepare('INSERT INTO tags VALUES (?, ?, ?) ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value'),
      removeTag: db.prepare('DELETE FROM tags WHERE resource_arn = ? AND key = ?'),
      dropTags: db.prepare('DELETE FROM tags WHERE resource_arn = ?'),
      getMeta: db.prepare('SELECT value FROM server_meta WHERE key = ?').pluck(),
      putMeta: db.prepare('INSERT OR IGNORE INTO server_meta VALUES (?, ?)'),
    };
  }

  insert(row: LedgerRow) {
    this.q.insert.run(toParams(row));
  }
  all() {
    return (this.q.all.all() as Raw[]).map(fromRaw);
  }
  get(ledgerId: string): LedgerRow | undefined {
    const r = this.q.get.get(ledgerId) as Raw | undefined;
    return r && fromRaw(r);
  }
  update(row: LedgerRow) {
    this.q.update.run(toParams(row));
  }
  remove(ledgerId: string) {
    this.q.remove.run(ledgerId);
  }
  tags(resourceArn: string) {
    const out: Record<string, string> = {};
    for (const { key, value } of this.q.tags.all(resourceArn) as { key: string; value: string }[]) out[key] = value;
    return out;
  }
  putTags(resourceArn: string, tags: Record<string, string>) {
    for (const [k, v] of Object.entries(tags)) this.q.putTag.run(resourceArn, k, v);
  }
  removeTags(resourceArn: string, keys: string[]) {
    for (const k of keys) this.q.removeTag.run(resourceArn, k);
  }
  dropTags(resourceArn: string) {
    this.q.dropTags.run(resourceArn);
  }
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
  secret(name: string): Buffer {
    this.q.putMeta.run(`secret:${name}`, randomBytes(32));
    return this.q.getMeta.get(`secret:${name}`) as Buffer;
  }
}
