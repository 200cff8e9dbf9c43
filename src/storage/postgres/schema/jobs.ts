import type { ComponentSchema } from '../db';

/** Background jobs: src/storage/sqlite/schema/jobs.ts in PostgreSQL's types. */
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
          created_ms BIGINT NOT NULL,
          -- the kind's own word; active = claimable and running, false once terminal
          status TEXT NOT NULL,
          active BOOLEAN NOT NULL,
          -- JSON: fixed at creation / rewritten only under the lease
          spec TEXT NOT NULL,
          progress TEXT NOT NULL,
          finished_ms BIGINT,
          error TEXT,
          lease_owner TEXT,
          lease_until BIGINT
        );
        CREATE INDEX jobs_claim ON jobs (kind, active, created_ms, id);
        CREATE INDEX jobs_by_ledger ON jobs (ledger_id, kind, created_ms, id);
        CREATE INDEX jobs_by_account ON jobs (account_id, region, kind, created_ms, id);
        CREATE INDEX jobs_finished ON jobs (active, finished_ms);
      `,
    },
  ],
};
