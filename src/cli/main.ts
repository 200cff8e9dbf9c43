#!/usr/bin/env node
/** The `openqldb` command: argument dispatch only; each subcommand lives in its own file. */
import { runServe } from './serve';
import { runVerify } from './verify';
import { runProof } from './proof';
import { runLedgers } from './commands/ledgers';
import { runTags } from './commands/tags';
import { runExports } from './commands/exports';
import { runBlock, runDigest, runRevision } from './commands/journal';
import { runShell } from './shell/shell';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS, formatDuration } from '../config';

const USAGE = `Usage: openqldb <command> [options]

Commands:
  serve     serve the QLDB control plane and session API on one port
  verify    check a journal export's hash chain (openqldb verify --help)
  proof     check a GetRevision or GetBlock answer against a GetDigest answer (openqldb proof --help)
  shell     PartiQL shell over the session API (openqldb shell --help)
  ledgers   list | create | describe | update | delete ledgers (openqldb ledgers --help)
  tags      list | add | remove a ledger's tags
  exports   start | describe | list journal exports to S3 (start --wait follows one)
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

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return runServe(rest);
    case 'verify':
      return runVerify(rest);
    case 'proof':
      return runProof(rest);
    case 'ledgers':
      return runLedgers(rest);
    case 'tags':
      return runTags(rest);
    case 'exports':
      return runExports(rest);
    case 'digest':
      return runDigest(rest);
    case 'block':
      return runBlock(rest);
    case 'revision':
      return runRevision(rest);
    case 'shell':
      return runShell(rest);
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
