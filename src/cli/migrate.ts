/**
 * `openqldb migrate --from-data-dir D --database-url U`: argument parsing, output and exit codes
 * only; the copy and its verification are src/storage/migrate.ts.
 *
 * Exit codes: 0 copied and verified; 1 refused or failed (nothing written: the data directory is
 * missing or in use, an export is IN_PROGRESS, the database is unreachable or not empty, a
 * journal did not verify); 2 usage.
 */
import { describeUrl } from '../storage/postgres/db';
import { Args, UsageError, flagsHelp, type FlagTable } from './commands/args';
import type * as Migrate from '../storage/migrate';

const FLAGS: FlagTable = {
  'from-data-dir': { kind: 'string', value: 'dir', help: "the SQLite data directory (serve's --data-dir)", required: true },
  'database-url': { kind: 'string', value: 'url', help: 'the target database (default: OPENQLDB_DATABASE_URL)' },
};

export const MIGRATE_USAGE = `Usage: openqldb migrate --from-data-dir <dir> --database-url <postgres://…>

Copies a SQLite data directory written by \`openqldb serve\` into an EMPTY PostgreSQL database, in
one transaction: ledgers (in whatever state they are), tags, the server's secrets (pagination
tokens stay valid), every ledger's journal (blocks byte for byte, digest tree), tables, indexes,
documents, revisions (redactions as they are) and finished export jobs. Then, before committing,
re-verifies every copied journal: each block's hash, the chain, the digest tree, and that the
digest at the tip is the one SQLite gives. Prints one line per ledger.

Refused, with nothing written: a directory without openqldb.sqlite, one a running server holds
(stop it first), an export still IN_PROGRESS (let it finish on the SQLite server first), a
database that holds any ledger, block, export job or document.

${flagsHelp(FLAGS)}
`;

export interface MigrateIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: MigrateIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
};

function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Migrate.MigrateOptions {
  const args = new Args(FLAGS, argv);
  const databaseUrl = args.string('database-url') ?? env.OPENQLDB_DATABASE_URL;
  if (!databaseUrl) throw new UsageError('--database-url (or OPENQLDB_DATABASE_URL) is required');
  return { dataDir: args.need('from-data-dir'), databaseUrl };
}

export async function runMigrate(argv: string[], io: MigrateIo = defaultIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(MIGRATE_USAGE);
    return 0;
  }
  let args: Migrate.MigrateOptions;
  try {
    args = parseArgs(argv, io.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`openqldb migrate: ${e.message}\n\n${MIGRATE_USAGE}`);
    return 2;
  }
  // loaded here: the copy brings SQLite, pg and the journal's hashing
  const { migrateDataDir } = require('../storage/migrate') as typeof Migrate;
  let result: Migrate.MigrationResult;
  try {
    result = await migrateDataDir(args);
  } catch (e) {
    // every message names the database by describeUrl (postgres/db.ts): never the password
    io.err(`openqldb migrate: ${(e as Error)?.message ?? String(e)}\nno data was written to the database\n`);
    return 1;
  }
  for (const l of result.ledgers) {
    const journal = l.digest ? `${l.blocks} blocks, ${l.documents} documents, digest ${l.digest.toString('base64')} at tip ${l.tip}` : 'no journal';
    io.out(`ledger ${l.name} (${l.state}): ${journal}\n`);
  }
  const n = result.ledgers.length;
  io.out(
    `migrated ${n} ledger${n === 1 ? '' : 's'}, ${result.exports} finished export job${result.exports === 1 ? '' : 's'} ` +
      `and ${result.jobs} ${result.jobs === 1 ? 'import or stream job' : 'import and stream jobs'} ` +
      `to ${describeUrl(args.databaseUrl)}; every journal verified\n`,
  );
  return 0;
}
