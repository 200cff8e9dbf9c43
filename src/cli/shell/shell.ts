/**
 * `openqldb shell`: wiring. Two clients share the endpoint, region and credentials of
 * clientOptions: the official driver for auto-commit statements, and a session of our own for
 * explicit transactions (see session.ts). Opening that session first checks that the endpoint
 * answers, the signature is accepted and the ledger exists, before any prompt.
 */
import { createReadStream, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { QLDBSessionClient } from '@aws-sdk/client-qldb-session';
import { QldbDriver, RetryConfig } from 'amazon-qldb-driver-nodejs';
import { sdkConfig } from '../clientOptions';
import { describeError, isConnectionFailure } from './errors';
import { historyFile } from './history';
import { Interpreter, type ShellIo } from './interpreter';
import { parseShellArgs, SHELL_USAGE, type ShellOptions } from './options';
import { runRepl } from './repl';
import { runScript } from './script';
import { TransactionSession } from './session';

/**
 * A connection that gets no answer fails after this long instead of the system's minutes, and the
 * driver retries a failed StartSession only this many times (with its short jittered backoff),
 * so an unreachable endpoint is reported within seconds.
 */
const CONNECT_TIMEOUT_MS = 2000;
const DRIVER_RETRIES = 3;

export async function runShell(argv: string[]): Promise<number> {
  let opts: ShellOptions;
  try {
    opts = parseShellArgs(argv);
  } catch (e) {
    process.stderr.write(`openqldb shell: ${(e as Error).message}\n\n${SHELL_USAGE}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(SHELL_USAGE);
    return 0;
  }
  let script: NodeJS.ReadableStream | undefined;
  if (opts.file !== undefined) {
    try {
      script = createReadStream('', { fd: openSync(opts.file, 'r') });
    } catch (e) {
      process.stderr.write(`openqldb shell: cannot read ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 1;
    }
  } else if (!process.stdin.isTTY) script = process.stdin;
  const { endpoint } = opts.client;
  const { config, httpOptions } = sdkConfig(opts.client);
  const requestHandler = { ...httpOptions, connectionTimeout: CONNECT_TIMEOUT_MS };
  const client = new QLDBSessionClient({ ...config, requestHandler });
  const session = new TransactionSession(client, opts.ledger);
  try {
    await session.open();
  } catch (e) {
    const why = describeError(e, endpoint);
    process.stderr.write(`openqldb shell: ${isConnectionFailure(e) ? why : `cannot open ledger ${opts.ledger}: ${why}`}\n`);
    client.destroy();
    return 1;
  }
  // the driver sets its own user agent, request handler and SDK attempts on the options it gets
  const driver = new QldbDriver(opts.ledger, { ...config }, requestHandler, 1, new RetryConfig(DRIVER_RETRIES));
  const io: ShellIo = { out: (text) => process.stdout.write(text), note: (line) => process.stderr.write(line + '\n') };
  const interp = new Interpreter(driver, session, endpoint, opts.format, io, script !== undefined);
  try {
    if (script) return await runScript(interp, createInterface({ input: script, crlfDelay: Infinity }), opts.continueOnError);
    return await runRepl(interp, io, { ledger: opts.ledger, endpoint, historyFile: historyFile() });
  } finally {
    client.destroy();
  }
}
