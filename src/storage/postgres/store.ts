/**
 * Every component over one PostgreSQL database, shared by any number of openqldb nodes. Nothing
 * is cached here: another node may change any row at any time.
 */
import type { Store } from '../stores';
import { openPostgres, type OpenOptions } from './db';
import { PgCommitStore, type OutcomeObserver } from './commitStore';
import { PgDocumentStore } from './documentStore';
import { PgExportStore } from './exportStore';
import { PgJobStore } from './jobStore';
import { PgJournalStore } from './journalStore';
import { PgLedgerStore } from './ledgerStore';
import { PgNodeRegistry } from './nodeRegistry';
import { schemas } from './schema';

export async function openPostgresStore(url: string, options: OpenOptions & { onCommitOutcome?: OutcomeObserver } = {}): Promise<Store> {
  const db = await openPostgres(url, schemas, options);
  let closed: Promise<void> | undefined;
  return {
    kind: 'postgres',
    soleWriter: false,
    ledgers: new PgLedgerStore(db),
    journal: new PgJournalStore(db),
    documents: new PgDocumentStore(db),
    commits: new PgCommitStore(db, options.onCommitOutcome),
    exports: new PgExportStore(db),
    jobs: new PgJobStore(db),
    nodes: new PgNodeRegistry(db),
    ping: async () => {
      await db.query('SELECT 1');
    },
    close: () => (closed ??= db.close()),
  };
}
