/**
 * What the shell reads, line by line, from a terminal or a script: PartiQL statements ended by
 * `;`, the transaction words `BEGIN` / `COMMIT` / `ABORT` (as statements, or alone on a line
 * without `;`), and backslash commands, which take the whole line and need no `;`.
 */
import { StatementSplitter, type Statement } from './splitter';

export type Input =
  | { kind: 'statement'; text: string; line: number }
  | { kind: 'command'; name: string; arg: string; line: number };

const TRANSACTION_WORDS: [RegExp, string][] = [
  [/^(begin|start)(\s+transaction)?$/i, 'begin'],
  [/^commit(\s+transaction)?$/i, 'commit'],
  [/^(abort|rollback)(\s+transaction)?$/i, 'abort'],
];

function transactionWord(text: string): string | undefined {
  return TRANSACTION_WORDS.find(([re]) => re.test(text))?.[1];
}

function toInput({ text, line }: Statement): Input {
  const name = transactionWord(text);
  return name ? { kind: 'command', name, arg: '', line } : { kind: 'statement', text, line };
}

export class InputReader {
  private readonly splitter = new StatementSplitter();

  /** Takes one line (without its line break) and returns what it completes, in order. */
  feed(line: string): Input[] {
    if (!this.splitter.pending()) {
      const trimmed = line.trim();
      const m = /^\\(\S+)\s*(.*)$/.exec(trimmed);
      if (m) return [{ kind: 'command', name: m[1].toLowerCase(), arg: m[2], line: this.splitter.skipLine() }];
      const word = transactionWord(trimmed.replace(/;$/, '').trimEnd());
      if (word) return [{ kind: 'command', name: word, arg: '', line: this.splitter.skipLine() }];
    }
    return this.splitter.feed(line).map(toInput);
  }

  /** True while a statement has begun but not ended. */
  pending(): boolean {
    return this.splitter.pending();
  }

  /** See StatementSplitter.joinable. */
  joinable(): boolean {
    return this.splitter.joinable();
  }

  /** The last statement of a script that has no `;`. */
  finish(): Input | undefined {
    const rest = this.splitter.finish();
    return rest && toInput(rest);
  }

  /** Drops the unfinished statement (Ctrl-C). */
  cancel(): void {
    this.splitter.reset();
  }
}
