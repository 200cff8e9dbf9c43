/**
 * PartiQL tokens for the editor's colouring: strings, quoted identifiers, Ion literals in
 * backticks, comments, numbers and the reserved words the parser itself knows.
 */
import { RESERVED_WORDS } from '../../../partiql/keywords';

export type TokenKind = 'keyword' | 'string' | 'identifier' | 'ion' | 'comment' | 'number' | 'text';

export interface Token {
  kind: TokenKind;
  text: string;
}

const PATTERN = /(--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|('(?:[^']|'')*'?)|("(?:[^"]|"")*"?)|(`[^`]*`?)|(\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)/g;

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  const text = (s: string) => s && tokens.push({ kind: 'text', text: s });
  for (const m of source.matchAll(PATTERN)) {
    text(source.slice(last, m.index));
    const kind: TokenKind = m[1] ? 'comment' : m[2] ? 'string' : m[3] ? 'identifier' : m[4] ? 'ion' : m[5] ? 'number' : RESERVED_WORDS.has(m[6].toLowerCase()) ? 'keyword' : 'text';
    tokens.push({ kind, text: m[0] });
    last = m.index! + m[0].length;
  }
  text(source.slice(last));
  return tokens;
}
