/**
 * Runs what the shell reads, one input at a time, the same way for a terminal and a script:
 * a statement in its own transaction through the driver (OCC conflicts retried as the driver
 * retries them), or inside the open explicit transaction; the transaction words; backslash
 * commands. Results go to `out` (stdout), everything about them to `note` (stderr), so a
 * script's output stays machine-readable.
 */
import { performance } from 'node:perf_hooks';
import type { QldbDriver } from 'amazon-qldb-driver-nodejs';
import { describeError, isUnreachable } from './errors';
import { formatValues, isFormat, statsLine, FORMATS, type Format } from './format';
import type { Input } from './input';
import type { StatementResult, TransactionSession } from './session';

export interface ShellIo {
  out(text: string): void;
  note(line: string): void;
}

export type Outcome = 'ok' | 'failed' | 'quit';

export const HELP = `Statements end with ';' and may span lines; each runs in its own transaction unless one is open.
  BEGIN    or \\begin            start a transaction: statements run in it until COMMIT or ABORT
  COMMIT   or \\commit           commit it (an OCC conflict is reported, not retried)
  ABORT    or \\abort            abort it
  \\format ion|table|json        how results are shown
  \\help                         this text
  \\quit    or Ctrl-D            leave (an open transaction is aborted)
  Ctrl-C                        cancel the statement being typed
After each statement: documents returned, read IOs, server processing time and total time.
`;

class ShellError extends Error {}

export class Interpreter {
  constructor(
    private readonly driver: QldbDriver,
    private readonly session: TransactionSession,
    private readonly endpoint: string,
    public format: Format,
    private readonly io: ShellIo,
    /** name the input line in error messages (scripts) */
    private readonly withLines: boolean,
  ) {}

  get transactionId(): string | undefined {
    return this.session.transactionId;
  }

  async run(input: Input): Promise<Outcome> {
    const txn = this.session.transactionId;
    try {
      if (input.kind === 'statement') await this.statement(input.text);
      else return await this.command(input.name, input.arg);
      return 'ok';
    } catch (e) {
      const at = this.withLines ? ` at line ${input.line}` : '';
      this.io.note(`error${at}: ${e instanceof ShellError ? e.message : describeError(e, this.endpoint)}${this.aftermath(txn, input, e)}`);
      return 'failed';
    }
  }

  /** What a failure did to the transaction that was open when it happened. */
  private aftermath(txn: string | undefined, input: Input, e: unknown): string {
    if (!txn || e instanceof ShellError) return '';
    if (this.session.transactionId === txn) return ` (transaction ${txn} is still open)`;
    if (input.kind === 'command' && input.name === 'commit' && isUnreachable(e)) return ` (whether transaction ${txn} committed is unknown)`;
    return ` (transaction ${txn} is over; nothing of it was committed)`;
  }

  private async statement(text: string): Promise<void> {
    const t0 = performance.now();
    const r = this.session.transactionId ? await this.session.execute(text) : await this.autoCommit(text);
    this.io.out(formatValues(r.values, this.format));
    this.io.note(statsLine(r.values.length, r.readIOs, r.serverMs, performance.now() - t0));
  }

  private async autoCommit(statement: string): Promise<StatementResult> {
    const result = await this.driver.executeLambda((txn) => txn.execute(statement));
    return {
      values: result.getResultList(),
      readIOs: result.getConsumedIOs()?.getReadIOs() ?? undefined,
      serverMs: result.getTimingInformation()?.getProcessingTimeMilliseconds() ?? undefined,
    };
  }

  private async command(name: string, arg: string): Promise<Outcome> {
    const open = this.session.transactionId;
    switch (name) {
      case 'help':
      case '?':
        this.io.out(HELP);
        return 'ok';
      case 'format':
        if (arg && !isFormat(arg)) throw new ShellError(`\\format takes one of ${FORMATS.join(', ')}, got '${arg}'`);
        if (arg) this.format = arg as Format;
        this.io.note(`output format: ${this.format}`);
        return 'ok';
      case 'begin': {
        if (open) throw new ShellError(`transaction ${open} is already open; COMMIT or ABORT it first`);
        this.io.note(`transaction ${await this.session.begin()} started`);
        return 'ok';
      }
      case 'commit': {
        if (!open) throw new ShellError('no transaction is open (BEGIN starts one)');
        const t0 = performance.now();
        const { serverMs } = await this.session.commit();
        const server = serverMs !== undefined ? `server time: ${serverMs} ms, ` : '';
        this.io.note(`transaction ${open} committed (${server}total time: ${Math.round(performance.now() - t0)} ms)`);
        return 'ok';
      }
      case 'abort':
        await this.session.abort();
        this.io.note(open ? `transaction ${open} aborted; nothing of it was committed` : 'no transaction is open; nothing to abort');
        return 'ok';
      case 'quit':
      case 'q':
      case 'exit':
        return 'quit';
      default:
        throw new ShellError(`unknown command \\${name} (\\help lists the commands)`);
    }
  }

  /** Leaves: an open transaction is aborted, and said so, since its statements are lost. */
  async close(why: string): Promise<void> {
    const open = this.session.transactionId;
    if (open) this.io.note(`${why}: aborting the open transaction ${open}; nothing of it was committed`);
    await this.session.end();
    this.driver.close();
  }
}
