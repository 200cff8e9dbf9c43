/** `openqldb shell` arguments. */
import { CLIENT_FLAGS_HELP, takeClientFlags, type ClientFlags } from '../clientOptions';
import { FORMATS, isFormat, type Format } from './format';

export interface ShellOptions {
  client: ClientFlags;
  ledger: string;
  format: Format;
  /** statements from this file instead of the terminal or standard input */
  file?: string;
  continueOnError: boolean;
  help: boolean;
}

export const SHELL_USAGE = `Usage: openqldb shell --ledger <name> [options]

A PartiQL shell over the QLDB session API. Statements end with ';'. Each runs in its own
transaction unless BEGIN opened one (COMMIT or ABORT ends it). Reads a terminal interactively,
or statements from -f <file> or standard input, printing one result per statement.

  --ledger <name>      ledger to use (required)
  --format <format>    ion (default), table or json; \\format switches inside the shell
  -f, --file <file>    run the statements of a file, then leave
  --continue-on-error  in a script, go on after a failed statement (the exit code is still 1)
${CLIENT_FLAGS_HELP}

Exit codes: 0 every statement succeeded, 1 one failed (or the ledger could not be reached),
2 wrong arguments. History: ~/.openqldb_history, or $OPENQLDB_SHELL_HISTORY.
`;

export function parseShellArgs(argv: string[]): ShellOptions {
  const { flags, rest } = takeClientFlags(argv);
  const opts: Partial<ShellOptions> & { help: boolean; continueOnError: boolean } = { help: false, continueOnError: false, format: 'ion' };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      const v = eq > 0 ? arg.slice(eq + 1) : rest[++i];
      if (v === undefined || v === '') throw new Error(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--ledger':
        opts.ledger = value();
        break;
      case '--format': {
        const f = value();
        if (!isFormat(f)) throw new Error(`--format must be one of ${FORMATS.join(', ')}, got '${f}'`);
        opts.format = f;
        break;
      }
      case '-f':
      case '--file':
        opts.file = value();
        break;
      case '--continue-on-error':
        opts.continueOnError = true;
        break;
      case '-h':
      case '--help':
        opts.help = true;
        break;
      default:
        throw new Error(`unknown argument '${arg}'`);
    }
  }
  if (!opts.ledger && !opts.help) throw new Error('--ledger is required');
  return { ...opts, client: flags, ledger: opts.ledger ?? '', format: opts.format ?? 'ion' };
}
