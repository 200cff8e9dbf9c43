#!/usr/bin/env node
/** The `openqldb` command: argument dispatch only; each subcommand lives in its own file. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS, formatDuration } from '../config';

const USAGE = `Usage: openqldb <command> [options]

Commands:
  serve     serve the QLDB control plane and session API on one port
  verify    check a journal export's hash chain (openqldb verify --help)
  proof     check a GetRevision or GetBlock answer against a GetDigest answer (openqldb proof --help)
  migrate   copy a SQLite data directory into an empty PostgreSQL database (openqldb migrate --help)
  import    create a ledger from journal exports, hash chain intact (openqldb import --help)
  shell     PartiQL shell over the session API (openqldb shell --help)
  ledgers   list | create | describe | update | delete ledgers (openqldb ledgers --help)
  tags      list | add | remove a ledger's tags
  exports   start | describe | list journal exports to S3 (start --wait follows one)
  streams   start | describe | list | cancel journal streams to Kinesis
  digest    a ledger's current digest (GetDigest)
  block     a journal block with its proof (GetBlock; --verify checks it)
  revision  a document revision with its proof (GetRevision; --verify checks it)
  version   print the version (also --version)
  help      show this text

serve options (each also an environment variable):
${SETTINGS.map((s) => `  ${(s.flag + (s.kind === 'bool' ? '' : ' <value>')).padEnd(32)} ${s.help}${s.default !== undefined ? ` (default ${defaultText(s)})` : ''} [${s.env}]`).join('\n')}
`;

/** A default as a user would write it on the command line: durations in their units, not ms. */
function defaultText(s: (typeof SETTINGS)[number]): string {
  return s.kind === 'duration' && typeof s.default === 'number' ? formatDuration(s.default) : String(s.default);
}

function version(): string {
  // dist/src/cli/main.js → the package root
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

type Run = (argv: string[]) => Promise<number>;

/**
 * Each command's module is loaded only when that command runs: the client commands bring the
 * AWS SDK and the driver, which `serve` never needs and which would slow every server start.
 */
const COMMANDS: Record<string, () => Run> = {
  serve: () => require('./serve').runServe,
  verify: () => require('./verify').runVerify,
  proof: () => require('./proof').runProof,
  migrate: () => require('./migrate').runMigrate,
  import: () => require('./commands/import').runImport,
  shell: () => require('./shell/shell').runShell,
  ledgers: () => require('./commands/ledgers').runLedgers,
  tags: () => require('./commands/tags').runTags,
  exports: () => require('./commands/exports').runExports,
  streams: () => require('./commands/streams').runStreams,
  digest: () => require('./commands/journal').runDigest,
  block: () => require('./commands/journal').runBlock,
  revision: () => require('./commands/journal').runRevision,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const load = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (load) return load()(rest);
  switch (command) {
    case 'version':
    case '--version':
      process.stdout.write(`openqldb ${version()}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`openqldb: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`openqldb: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
