/**
 * The dispatcher every control-plane command group goes through (`openqldb ledgers …`,
 * `openqldb digest`, …): the client flags shared with the shell, `--output`, `--help`, one
 * `QLDBClient`, and awscli's way of failing.
 *
 * Exit codes are awscli's: 0 success, 252 a command line that cannot be run, 254 the service
 * answered an error (`An error occurred (Type) when calling the Op operation: message`), 255
 * anything else (unreachable endpoint, TLS). A command may answer 1 for an outcome it reports
 * itself (an export CANCELLED, a proof that does not verify).
 */
import { QLDBClient } from '@aws-sdk/client-qldb';
import { CLIENT_FLAGS_HELP, sdkConfig, takeClientFlags } from '../clientOptions';
import { Args, flagsHelp, UsageError, type FlagTable } from './args';
import { awsJson, awsShape } from './output';

export const EXIT = { ok: 0, outcome: 1, usage: 252, service: 254, other: 255 } as const;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** whether standard output / standard error is a terminal */
  outIsTTY: boolean;
  errIsTTY: boolean;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  outIsTTY: !!process.stdout.isTTY,
  errIsTTY: !!process.stderr.isTTY,
};

export interface Context {
  client: QLDBClient;
  output: 'json' | 'table';
  io: Io;
  /** prints an SDK answer: awscli's JSON, or `table` of its awscli shape */
  print(answer: object, table: (shaped: Record<string, unknown>) => string): void;
}

export interface Command {
  /** the subcommand (`list`), or '' for a group that is one command (`digest`) */
  name: string;
  summary: string;
  flags: FlagTable;
  /** the awscli command(s) it stands for, for the help text */
  aws: string;
  /** more help text after the flags */
  notes?: string;
  run(ctx: Context, args: Args): Promise<number | void>;
}

const COMMON_HELP = `${CLIENT_FLAGS_HELP}
  --output <json|table>
                       json: the API's answer as /usr/bin/aws qldb --output json prints it;
                       table: for people (the default when standard output is a terminal)`;

function commandHelp(group: string, c: Command): string {
  const title = `openqldb ${group}${c.name ? ` ${c.name}` : ''}`;
  return `Usage: ${title} [options]

${c.summary} (aws qldb ${c.aws})

${flagsHelp(c.flags)}
${COMMON_HELP}
${c.notes ? `\n${c.notes}\n` : ''}`;
}

function groupHelp(group: string, summary: string, commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: openqldb ${group} <command> [options]

${summary}

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

openqldb ${group} <command> --help shows a command's options.
`;
}

/** Runs `argv` (what follows the group's name) as one of `commands`; answers the exit code. */
export async function runGroup(group: string, summary: string, commands: Command[], argv: string[], io: Io = processIo): Promise<number> {
  let command = commands.length === 1 && commands[0].name === '' ? commands[0] : undefined;
  let rest = argv;
  if (!command) {
    const [name, ...after] = argv;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io[name === undefined ? 'err' : 'out'](groupHelp(group, summary, commands));
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    command = commands.find((c) => c.name === name);
    if (!command) {
      io.err(`openqldb ${group}: unknown command '${name}'\n\n${groupHelp(group, summary, commands)}`);
      return EXIT.usage;
    }
    rest = after;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(commandHelp(group, command));
    return EXIT.ok;
  }

  const where = `openqldb ${group}${command.name ? ` ${command.name}` : ''}`;
  let ctx: Context;
  let args: Args;
  let endpoint = '';
  let operation = '';
  try {
    const { flags, rest: own } = takeClientFlags(rest);
    endpoint = flags.endpoint;
    const output = takeOutput(own) ?? (io.outIsTTY ? 'table' : 'json');
    args = new Args(command.flags, own);
    const { config, httpOptions } = sdkConfig(flags);
    const client = new QLDBClient({ ...config, ...(httpOptions.httpsAgent ? { requestHandler: { httpsAgent: httpOptions.httpsAgent } } : {}) });
    // The operation an error belongs to, for awscli's "when calling the X operation".
    client.middlewareStack.add(
      (next, context) => (input) => {
        operation = String(context.commandName ?? '').replace(/Command$/, '');
        return next(input);
      },
      { step: 'initialize', name: 'openqldbOperationName' },
    );
    ctx = {
      client,
      output,
      io,
      print(answer, table) {
        io.out(output === 'json' ? awsJson(answer) : table(awsShape(answer) as Record<string, unknown>));
      },
    };
  } catch (e) {
    // the client flags' own checks (a missing value, an endpoint that is no URL, an unreadable CA bundle) are usage errors too
    io.err(`${where}: ${(e as Error).message}\n(${where} --help lists the options)\n`);
    return EXIT.usage;
  }

  try {
    return (await command.run(ctx, args)) ?? EXIT.ok;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${where}: ${e.message}\n(${where} --help lists the options)\n`);
      return EXIT.usage;
    }
    const err = e as Error & { $metadata?: { httpStatusCode?: number }; code?: string };
    if (err?.$metadata?.httpStatusCode !== undefined) {
      io.err(`An error occurred (${err.name}) when calling the ${operation} operation: ${err.message}\n`);
      return EXIT.service;
    }
    if (err?.code && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT)$/.test(err.code)) {
      io.err(`Could not connect to the endpoint URL: "${endpoint}" (${err.code})\n`);
      return EXIT.other;
    }
    if (err?.code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(err.code)) {
      io.err(`SSL validation failed for ${endpoint}: ${err.message} (--ca-bundle names a CA to trust)\n`);
      return EXIT.other;
    }
    io.err(`${where}: ${err?.message ?? String(e)}\n`);
    return EXIT.other;
  } finally {
    ctx.client.destroy();
  }
}

/** Takes `--output json|table` out of `argv`. */
function takeOutput(argv: string[]): 'json' | 'table' | undefined {
  const at = argv.findIndex((a) => a === '--output' || a.startsWith('--output='));
  if (at < 0) return undefined;
  const inline = argv[at].startsWith('--output=');
  const value = inline ? argv[at].slice('--output='.length) : argv[at + 1];
  argv.splice(at, inline ? 1 : 2);
  if (value !== 'json' && value !== 'table') throw new UsageError(`--output must be json or table, got '${value ?? ''}'`);
  if (argv.some((a) => a === '--output' || a.startsWith('--output='))) throw new UsageError('--output is given twice');
  return value;
}
