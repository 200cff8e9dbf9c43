/**
 * The shell's history file: one entry per line, oldest first (as shells keep theirs), readable
 * by its owner only, since statements can hold what others should not read.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const HISTORY_SIZE = 1000;

/** `$OPENQLDB_SHELL_HISTORY` (empty: no history file) or ~/.openqldb_history. */
export function historyFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.OPENQLDB_SHELL_HISTORY !== undefined) return env.OPENQLDB_SHELL_HISTORY || undefined;
  return join(homedir(), '.openqldb_history');
}

/** The entries, newest first (readline's order). A missing file is an empty history. */
export function loadHistory(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.trim() !== '').reverse().slice(0, HISTORY_SIZE);
}

export function saveHistory(file: string, history: readonly string[]): void {
  const entries = history.slice(0, HISTORY_SIZE).reverse();
  writeFileSync(file, entries.length ? entries.join('\n') + '\n' : '', { mode: 0o600 });
}

/**
 * Replaces the entries readline added for the lines of one multi-line statement (newest first)
 * with the statement on one line, so that up-arrow brings back the whole statement. Readline
 * skips blank lines and a line equal to the entry before it, so only matching entries go.
 */
export function collapseHistory(history: string[], lines: readonly string[]): void {
  for (let i = lines.length - 1; i >= 0; i--) if (history[0] === lines[i]) history.shift();
  history.unshift(
    lines
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .join(' '),
  );
}
