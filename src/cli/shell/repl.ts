/**
 * The interactive shell on a terminal: node:readline for line editing and history, a prompt
 * that shows an open transaction (`ledger *>`) and an unfinished statement (`-> `), inputs run
 * one after another even when lines are pasted faster than statements answer.
 *
 * Ctrl-C cancels what is being typed. On an empty prompt it does not leave at once: it says how
 * to leave and what happens to an open transaction; a second Ctrl-C leaves as Ctrl-D does,
 * aborting that transaction aloud.
 */
import { createInterface, type Interface } from 'node:readline';
import { InputReader } from './input';
import type { Interpreter, ShellIo } from './interpreter';
import { collapseHistory, HISTORY_SIZE, loadHistory, saveHistory } from './history';

/** Readline's own way of ending the line on screen and emptying its buffer (what node's REPL calls on Ctrl-C); not in its typings. */
type WithClearLine = Interface & { clearLine(): void };

export function runRepl(interp: Interpreter, io: ShellIo, opts: { ledger: string; endpoint: string; historyFile?: string }): Promise<number> {
  const history = opts.historyFile ? loadHistory(opts.historyFile) : [];
  // readline keeps (and adds to) this very array, so collapsing and saving work on it
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true, history, historySize: HISTORY_SIZE }) as WithClearLine;
  const reader = new InputReader();
  let typed: string[] = [];
  let work = Promise.resolve();
  let busy = false;
  let closing = false;
  let armed = false;
  let historyBroken = false;

  const prompt = () => {
    const main = `${opts.ledger}${interp.transactionId ? ' *' : ''}> `;
    rl.setPrompt(reader.pending() ? '-> '.padStart(main.length) : main);
    rl.prompt();
  };
  const remember = () => {
    if (!opts.historyFile || historyBroken) return;
    try {
      saveHistory(opts.historyFile, history);
    } catch (e) {
      historyBroken = true;
      io.note(`(history is not saved: cannot write ${opts.historyFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  };

  io.note(`openqldb shell: ledger ${opts.ledger} at ${opts.endpoint}. Statements end with ';'. \\help for help, Ctrl-D to leave.`);
  prompt();

  rl.on('line', (line) => {
    armed = false;
    if (!reader.pending()) typed = [];
    const inputs = reader.feed(line);
    typed.push(line);
    if (!reader.pending()) {
      if (typed.length > 1 && reader.joinable()) collapseHistory(history, typed);
      typed = [];
    }
    remember();
    work = work.then(async () => {
      if (closing) return;
      busy = true;
      for (const input of inputs) {
        if ((await interp.run(input)) === 'quit') {
          closing = true;
          rl.close();
          break;
        }
      }
      busy = false;
      if (!closing) prompt();
    });
  });

  rl.on('SIGINT', () => {
    if (busy) {
      io.note('(a statement is running; its answer will follow)');
      return;
    }
    if (rl.line !== '' || reader.pending()) {
      armed = false;
      reader.cancel();
      typed = [];
      rl.write(null, { ctrl: true, name: 'e' });
      process.stdout.write('^C');
      rl.clearLine();
      prompt();
      return;
    }
    if (armed) {
      rl.close();
      return;
    }
    armed = true;
    const open = interp.transactionId;
    process.stdout.write('\n');
    io.note(open ? `(transaction ${open} is open: COMMIT or ABORT it; Ctrl-C again or Ctrl-D leaves and aborts it)` : '(Ctrl-C again or Ctrl-D leaves)');
    prompt();
  });

  return new Promise((resolve) => {
    rl.on('close', () => {
      const byKey = !closing;
      closing = true;
      work = work.then(async () => {
        if (byKey) process.stdout.write('\n');
        if (reader.pending()) io.note('(the unfinished statement was dropped)');
        await interp.close('leaving');
        resolve(0);
      });
    });
  });
}
