import type { ComponentSchema } from '../db';

/**
 * Background jobs other than exports (imports, streams: jobs/types.ts), one row per job of any
 * kind, run by whichever node holds its lease (JobStore.claim).
 */
export const jobSchema: ComponentSchema = {
  component: 'jobs',
  migrations: [
    {
      version: 1,
      sql: `
        CREATE TABLE jobs (
          -- the kind's own id, unique across kinds
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          account_id TEXT NOT NULL,
          region TEXT NOT NULL,
          -- the ledger as it was: jobs outlive a deleted ledger until retention purges them
          ledger_id TEXT NOT NULL,
          ledger_name TEXT NOT NULL,
          created_ms INTEGER NOT NULL,
          -- the kind's own word; active = claimable and running, 0 once terminal
          status TEXT NOT NULL,
          active INTEGER NOT NULL CHECK (active IN (0, 1)),
          -- JSON: fixed at creation / rewritten only under the lease
          spec TEXT NOT NULL,
          progress TEXT NOT NULL,
          finished_ms INTEGER,
          error TEXT,
          lease_owner TEXT,
          lease_until INTEGER
        );
        CREATE INDEX jobs_claim ON jobs (kind, active, created_ms, id);
        CREATE INDEX jobs_by_ledger ON jobs (ledger_id, kind, created_ms, id);
        CREATE INDEX jobs_by_account ON jobs (account_id, region, kind, created_ms, id);
        CREATE INDEX jobs_finished ON jobs (active, finished_ms);
      `,
    },
  ],
};
