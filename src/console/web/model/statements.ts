/**
 * The editor's text as statements (the shell's splitter: a `;` in a literal or comment ends
 * nothing), each with where it starts, so that an error's "at line L, column C" within a
 * statement can be shown at its place in the editor.
 */
import { StatementSplitter } from '../../../cli/shell/splitter';

export interface EditorStatement {
  text: string;
  /** 1-based line and column in the editor where the statement starts */
  line: number;
  column: number;
}

export function splitStatements(source: string): EditorStatement[] {
  const splitter = new StatementSplitter();
  const lines = source.split('\n');
  const found = lines.flatMap((l) => splitter.feed(l));
  const rest = splitter.finish();
  if (rest) found.push(rest);
  // several statements may start on one line: each is looked for after the one before
  const searchFrom = new Map<number, number>();
  return found.map((s) => {
    const first = s.text.split('\n')[0];
    const at = lines[s.line - 1].indexOf(first, searchFrom.get(s.line) ?? 0);
    searchFrom.set(s.line, at + first.length);
    return { text: s.text, line: s.line, column: at + 1 };
  });
}

/** Where in the editor an error message's `at line L, column C` (within `statement`) points. */
export function errorPosition(message: string, statement: EditorStatement): { line: number; column: number } | undefined {
  const m = /at line (\d+), column (\d+)/.exec(message);
  if (!m) return undefined;
  const line = Number(m[1]);
  const column = Number(m[2]);
  return { line: statement.line + line - 1, column: line === 1 ? statement.column + column - 1 : column };
}
