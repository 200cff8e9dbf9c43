/**
 * Tokens of QLDB's PartiQL dialect. Keywords are recognised by the parser (case-insensitively)
 * from `word` tokens, so that a word is still usable as a field name where grammar allows it.
 */
import { StatementError } from './ledgerView';

export type TokenKind =
  | 'word' // bare identifier or keyword
  | 'quoted' // "double-quoted identifier"
  | 'string' // 'single-quoted string'
  | 'int'
  | 'decimal'
  | 'float'
  | 'ion' // `backtick Ion literal`
  | 'param' // ?
  | 'punct'
  | 'eof';

export interface Position {
  line: number;
  column: number;
}

export interface Token {
  kind: TokenKind;
  text: string;
  pos: Position;
}

const PUNCTUATION = [
  '<<', '>>', '<>', '!=', '<=', '>=', '||',
  '(', ')', '[', ']', '{', '}', ',', '.', ':', '*', '+', '-', '/', '%', '=', '<', '>', '@', ';',
];

export function describePosition(pos: Position): string {
  return `at line ${pos.line}, column ${pos.column}`;
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const here = (at: number): Position => ({ line, column: at - lineStart + 1 });
  const fail = (message: string, at: number): never => {
    throw new StatementError(`${message} ${describePosition(here(at))}`);
  };
  // Newlines inside strings and comments still advance the line counter used by later positions.
  const advanceLines = (from: number, to: number) => {
    for (let k = from; k < to; k++) {
      if (text.charCodeAt(k) === 10) {
        line++;
        lineStart = k + 1;
      }
    }
  };

  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) fail('Unterminated comment', i);
      advanceLines(i, end);
      i = end + 2;
      continue;
    }
    const start = i;
    const pos = here(i);
    if (/[A-Za-z_$]/.test(c)) {
      i++;
      while (i < text.length && /[A-Za-z0-9_$]/.test(text[i])) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i), pos });
      continue;
    }
    if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) fail('Unterminated quoted identifier', start);
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      tokens.push({ kind: 'quoted', text: value, pos });
      continue;
    }
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) fail('Unterminated string literal', start);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      advanceLines(start, i);
      tokens.push({ kind: 'string', text: value, pos });
      continue;
    }
    if (c === '`') {
      const end = findIonLiteralEnd(text, i + 1);
      if (end < 0) fail('Unterminated Ion literal', start);
      advanceLines(start, end);
      tokens.push({ kind: 'ion', text: text.slice(i + 1, end), pos });
      i = end + 1;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      while (i < text.length && /[0-9]/.test(text[i])) i++;
      let kind: TokenKind = 'int';
      if (text[i] === '.' && /[0-9]/.test(text[i + 1] ?? '')) {
        kind = 'decimal';
        i++;
        while (i < text.length && /[0-9]/.test(text[i])) i++;
      } else if (text[i] === '.' && !/[A-Za-z_]/.test(text[i + 1] ?? '')) {
        kind = 'decimal';
        i++;
      }
      if ((text[i] === 'e' || text[i] === 'E') && /[-+0-9]/.test(text[i + 1] ?? '')) {
        kind = 'float';
        i++;
        if (text[i] === '+' || text[i] === '-') i++;
        if (!/[0-9]/.test(text[i] ?? '')) fail('Malformed number', start);
        while (i < text.length && /[0-9]/.test(text[i])) i++;
      }
      if (/[A-Za-z_]/.test(text[i] ?? '')) fail('Malformed number', start);
      tokens.push({ kind, text: text.slice(start, i), pos });
      continue;
    }
    if (c === '?') {
      i++;
      tokens.push({ kind: 'param', text: '?', pos });
      continue;
    }
    const punct = PUNCTUATION.find((p) => text.startsWith(p, i));
    if (punct === undefined) fail(`Unexpected character '${c}'`, i);
    i += punct!.length;
    tokens.push({ kind: 'punct', text: punct!, pos });
  }
  tokens.push({ kind: 'eof', text: '', pos: here(i) });
  return tokens;
}

/**
 * The closing backtick of an Ion literal, skipping backticks inside Ion strings, symbols and
 * comments (a backtick is legal inside `"…"`).
 */
function findIonLiteralEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (c === '`') return i;
    if (c === '"' || c === "'") {
      const long = c === "'" && text.startsWith("'''", i);
      const quote = long ? "'''" : c;
      i += quote.length;
      while (i < text.length && !text.startsWith(quote, i)) i += text[i] === '\\' ? 2 : 1;
      i += quote.length;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return -1;
      i = end + 2;
      continue;
    }
    i++;
  }
  return -1;
}
