/**
 * Cuts PartiQL text into statements at each `;` that is not inside a literal or a comment, so
 * `'a;b'`, `"x;y"`, `` `{s: "`;"}` `` and `-- why;` never end a statement. Inside backticks the
 * text is Ion, whose strings and symbols escape with a backslash (PartiQL's double their quote),
 * and which has `'''long strings'''` and comments of its own.
 */

type State =
  | 'plain'
  | 'string' // '…' (PartiQL string, '' escapes)
  | 'identifier' // "…" (quoted identifier, "" escapes)
  | 'lineComment'
  | 'blockComment'
  | 'ion' // inside `…`
  | 'ionString' // "…" in Ion
  | 'ionSymbol' // '…' in Ion
  | 'ionLongString' // '''…''' in Ion
  | 'ionLineComment'
  | 'ionBlockComment';

/** What opens another state from `plain` and from `ion` (longest first where one starts another). */
const OPENERS: Partial<Record<State, [string, State][]>> = {
  plain: [['--', 'lineComment'], ['/*', 'blockComment'], ["'", 'string'], ['"', 'identifier'], ['`', 'ion']],
  ion: [['`', 'plain'], ["'''", 'ionLongString'], ["'", 'ionSymbol'], ['"', 'ionString'], ['//', 'ionLineComment'], ['/*', 'ionBlockComment']],
};

/** How each literal or comment ends and where it returns; what inside it is read as one piece. */
const CLOSERS: Partial<Record<State, { end: string; back: State; doubled?: string; backslash?: true }>> = {
  string: { end: "'", back: 'plain', doubled: "''" },
  identifier: { end: '"', back: 'plain', doubled: '""' },
  lineComment: { end: '\n', back: 'plain' },
  blockComment: { end: '*/', back: 'plain' },
  ionString: { end: '"', back: 'ion', backslash: true },
  ionSymbol: { end: "'", back: 'ion', backslash: true },
  ionLongString: { end: "'''", back: 'ion', backslash: true },
  ionLineComment: { end: '\n', back: 'ion' },
  ionBlockComment: { end: '*/', back: 'ion' },
};

export interface Statement {
  /** the statement without its `;`, from its first character that is not blank or a comment */
  text: string;
  /** 1-based line of the input where `text` starts */
  line: number;
}

export class StatementSplitter {
  private state: State = 'plain';
  private buf = '';
  /** where the current statement's content starts in `buf`; -1 while it has none */
  private start = -1;
  private startLine = 0;
  private lineNo = 0;
  private newlineInLiteral = false;

  /** Takes one line of input (without its line break) and returns the statements it completes. */
  feed(line: string): Statement[] {
    this.lineNo++;
    if (!this.pending()) this.newlineInLiteral = false;
    const done: Statement[] = [];
    const text = line + '\n';
    for (let i = 0; i < text.length; ) {
      const from = this.state;
      if (from === 'plain' && text[i] === ';') {
        if (this.start >= 0) done.push({ text: this.buf.slice(this.start).trimEnd(), line: this.startLine });
        this.buf = '';
        this.start = -1;
        i++;
        continue;
      }
      let n = 1;
      const open = OPENERS[from]?.find(([t]) => text.startsWith(t, i));
      const close = CLOSERS[from];
      if (open) {
        n = open[0].length;
        this.state = open[1];
      } else if (close) {
        if ((close.backslash && text[i] === '\\') || (close.doubled && text.startsWith(close.doubled, i))) n = 2;
        else if (text.startsWith(close.end, i)) {
          n = close.end.length;
          this.state = close.back;
        }
      }
      if (from === 'plain' && this.start < 0 && !/\s/.test(text[i]) && this.state !== 'lineComment' && this.state !== 'blockComment') {
        this.start = this.buf.length;
        this.startLine = this.lineNo;
      }
      const piece = text.slice(i, i + n);
      if (from !== 'plain' && piece.includes('\n')) this.newlineInLiteral = true;
      this.buf += piece;
      i += n;
    }
    if (!this.pending()) this.buf = '';
    return done;
  }

  /** Counts a line that was not statement text (a shell command) and returns its number. */
  skipLine(): number {
    return ++this.lineNo;
  }

  /** True while some statement text has been read but not ended by `;`. */
  pending(): boolean {
    return this.start >= 0 || this.state !== 'plain';
  }

  /**
   * True when the text read since the splitter was last empty holds no line break inside a
   * literal or comment, so its lines joined by spaces mean the same statement (for history).
   */
  joinable(): boolean {
    return !this.newlineInLiteral;
  }

  /** The statement left without a `;` at the end of the input, if it has any content. */
  finish(): Statement | undefined {
    const rest = this.start >= 0 ? { text: this.buf.slice(this.start).trimEnd(), line: this.startLine } : undefined;
    this.reset();
    return rest;
  }

  /** Forgets the unfinished statement (Ctrl-C). Line numbers keep counting. */
  reset(): void {
    this.state = 'plain';
    this.buf = '';
    this.start = -1;
    this.newlineInLiteral = false;
  }
}
