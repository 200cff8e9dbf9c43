/**
 * Ion text → Ion binary, for verifying ION_TEXT journal exports.
 *
 * ion-js's text reader costs about 2 ms per journal block, which would make verifying an
 * ION_TEXT export (QLDB's default format) run at a few hundred blocks per second. This parser
 * handles the Ion 1.0 text grammar that journal blocks and documents use — every scalar type,
 * containers, annotations, comments, long strings — and writes binary with IonWriter; the binary
 * is then hashed as usual. It yields the same Ion values as ion-js (test/journal/ionText.test.ts
 * compares the hashes over generated values). What it does not handle (symbol ids like `$10`,
 * text symbol tables, Ion version markers) throws UnsupportedIonError, and
 * textToBinary falls back to ion-js for that input.
 */
import { makeBinaryWriter, makeReader } from 'ion-js';
import {
  ByteSink,
  IonWriter,
  T_BLOB,
  T_BOOL,
  T_CLOB,
  T_DECIMAL,
  T_FLOAT,
  T_LIST,
  T_NEGINT,
  T_NULL,
  T_POSINT,
  T_SEXP,
  T_STRING,
  T_STRUCT,
  T_SYMBOL,
  T_TIMESTAMP,
  MalformedIonError,
  UnsupportedIonError,
  checkTimestampFields,
  checkTimestampOffset,
  magnitudeBytes,
  signedIntBytes,
  writeVarInt,
  writeVarUInt,
} from './ionBinary';

const NULL_TYPES: Record<string, number> = {
  null: T_NULL,
  bool: T_BOOL,
  int: T_POSINT,
  float: T_FLOAT,
  decimal: T_DECIMAL,
  timestamp: T_TIMESTAMP,
  symbol: T_SYMBOL,
  string: T_STRING,
  clob: T_CLOB,
  blob: T_BLOB,
  list: T_LIST,
  sexp: T_SEXP,
  struct: T_STRUCT,
};

const ID_START = new Uint8Array(256);
const ID_PART = new Uint8Array(256);
const OPERATOR = new Uint8Array(256);
const TOKEN_END = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  ID_START[c] = /[A-Za-z_$]/.test(ch) ? 1 : 0;
  ID_PART[c] = /[A-Za-z0-9_$]/.test(ch) ? 1 : 0;
  OPERATOR[c] = '!#%&*+-./;<=>?@^`|~'.includes(ch) && c < 128 ? 1 : 0;
  TOKEN_END[c] = ' \t\n\r\v\f,]})[{("\'/'.includes(ch) ? 1 : 0;
}

const TIMESTAMP =
  /^(\d{4})(?:(T)|-(\d{2})(?:(T)|-(\d{2})(?:T(?:(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2}))?)?)?)$/;
const DEC_INT = /^-?(?:0|[1-9](?:_?\d)*)$/;
const HEX_INT = /^-?0[xX][0-9a-fA-F](?:_?[0-9a-fA-F])*$/;
const BIN_INT = /^-?0[bB][01](?:_?[01])*$/;
const FLOAT = /^-?(?:0|[1-9](?:_?\d)*)(?:\.(?:\d(?:_?\d)*)?)?[eE][+-]?\d+$/;
const DECIMAL = /^(-?)(0|[1-9](?:_?\d)*)(?:\.((?:\d(?:_?\d)*)?))?(?:[dD]([+-]?\d+))?$/;

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Parser {
  private p = 0;
  private readonly w = new IonWriter();
  private readonly scratch = new ByteSink(256);

  constructor(private readonly b: Uint8Array) {}

  parseAll(): Uint8Array {
    for (;;) {
      this.ws();
      if (this.p >= this.b.length) break;
      this.value('top');
    }
    return this.w.finish();
  }

  private fail(what: string): never {
    throw new UnsupportedIonError(`Ion text at byte ${this.p}: ${what}`);
  }

  /** Skips whitespace and comments. */
  private ws(): void {
    const b = this.b;
    for (;;) {
      const c = b[this.p];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0b || c === 0x0c) this.p++;
      else if (c === 0x2f && b[this.p + 1] === 0x2f) {
        while (this.p < b.length && b[this.p] !== 0x0a) this.p++;
      } else if (c === 0x2f && b[this.p + 1] === 0x2a) {
        const end = indexOf2(b, 0x2a, 0x2f, this.p + 2);
        if (end < 0) this.fail('unterminated comment');
        this.p = end + 2;
      } else return;
    }
  }

  private value(ctx: 'top' | 'list' | 'sexp' | 'struct'): void {
    const annotations = this.annotations();
    if (annotations) {
      if (ctx === 'top' && annotations[0] === '$ion_symbol_table') this.fail('text symbol tables');
      this.w.annotations(annotations);
    }
    this.bare(ctx, annotations !== undefined);
    if (annotations) this.w.end();
  }

  /** Reads `name::` prefixes, if any. */
  private annotations(): string[] | undefined {
    let out: string[] | undefined;
    for (;;) {
      const start = this.p;
      const c = this.b[this.p];
      let text: string | undefined;
      if (c === 0x27 && !(this.b[this.p + 1] === 0x27 && this.b[this.p + 2] === 0x27)) text = this.quotedSymbol();
      else if (ID_START[c]) text = this.identifier();
      if (text === undefined) return out;
      this.ws();
      if (this.b[this.p] === 0x3a && this.b[this.p + 1] === 0x3a) {
        this.p += 2;
        this.ws();
        if (/^\$\d+$/.test(text)) this.fail('symbol ids');
        (out ??= []).push(text);
        continue;
      }
      this.p = start;
      return out;
    }
  }

  private bare(ctx: 'top' | 'list' | 'sexp' | 'struct', annotated: boolean): void {
    const b = this.b;
    const c = b[this.p];
    if (c === 0x7b) {
      if (b[this.p + 1] === 0x7b) return this.lob();
      return this.struct();
    }
    if (c === 0x5b) return this.sequence(T_LIST, 0x5d);
    if (c === 0x28) return this.sequence(T_SEXP, 0x29);
    if (c === 0x22) {
      this.p++;
      const s = this.scratch;
      s.reset();
      this.shortString(s, false);
      this.w.scalar(T_STRING, s.buf, 0, s.len);
      return;
    }
    if (c === 0x27) {
      if (b[this.p + 1] === 0x27 && b[this.p + 2] === 0x27) {
        const s = this.scratch;
        s.reset();
        this.longStrings(s, false);
        this.w.scalar(T_STRING, s.buf, 0, s.len);
        return;
      }
      this.w.symbol(this.quotedSymbol());
      return;
    }
    if ((c >= 0x30 && c <= 0x39) || (c === 0x2d && b[this.p + 1] >= 0x30 && b[this.p + 1] <= 0x39)) return this.number();
    if (c === 0x2b && this.matchWord('+inf')) return this.float(Infinity);
    if (c === 0x2d && this.matchWord('-inf')) return this.float(-Infinity);
    if (ID_START[c]) {
      const id = this.identifier();
      switch (id) {
        case 'null':
          if (b[this.p] === 0x2e) {
            this.p++;
            const type = NULL_TYPES[this.identifier()];
            if (type === undefined) this.fail('unknown null type');
            this.w.nullOf(type);
          } else this.w.nullOf(T_NULL);
          return;
        case 'true':
        case 'false':
          this.w.bool(id === 'true');
          return;
        case 'nan':
          return this.float(NaN);
      }
      if (id[0] === '$' && /^\$\d+$/.test(id)) this.fail('symbol ids');
      if (ctx === 'top' && !annotated && id === '$ion_1_0') this.fail('Ion version markers');
      this.w.symbol(id);
      return;
    }
    if (ctx === 'sexp' && OPERATOR[c]) {
      const start = this.p;
      while (this.p < b.length && OPERATOR[b[this.p]]) this.p++;
      this.w.symbol(latin1(b, start, this.p));
      return;
    }
    this.fail(`unexpected character '${String.fromCharCode(c)}'`);
  }

  private matchWord(word: string): boolean {
    for (let i = 0; i < word.length; i++) if (this.b[this.p + i] !== word.charCodeAt(i)) return false;
    const after = this.b[this.p + word.length];
    if (after !== undefined && !TOKEN_END[after]) return false;
    this.p += word.length;
    return true;
  }

  private identifier(): string {
    const start = this.p;
    while (this.p < this.b.length && ID_PART[this.b[this.p]]) this.p++;
    return latin1(this.b, start, this.p);
  }

  private quotedSymbol(): string {
    this.p++; // opening '
    const s = this.scratch;
    s.reset();
    this.quoted(s, 0x27, false);
    return utf8.decode(s.buf.subarray(0, s.len));
  }

  private struct(): void {
    const b = this.b;
    this.p++;
    this.w.struct();
    for (;;) {
      this.ws();
      if (b[this.p] === 0x7d) {
        this.p++;
        break;
      }
      let name: string;
      const c = b[this.p];
      if (c === 0x22) {
        this.p++;
        const s = this.scratch;
        s.reset();
        this.shortString(s, false);
        name = utf8.decode(s.buf.subarray(0, s.len));
      } else if (c === 0x27 && b[this.p + 1] === 0x27 && b[this.p + 2] === 0x27) {
        const s = this.scratch;
        s.reset();
        this.longStrings(s, false);
        name = utf8.decode(s.buf.subarray(0, s.len));
      } else if (c === 0x27) name = this.quotedSymbol();
      else if (ID_START[c]) {
        name = this.identifier();
        if (/^\$\d+$/.test(name)) this.fail('symbol ids');
      } else this.fail('expected a field name');
      this.ws();
      if (b[this.p] !== 0x3a || b[this.p + 1] === 0x3a) this.fail("expected ':' after a field name");
      this.p++;
      this.ws();
      this.w.field(name);
      this.value('struct');
      this.ws();
      if (b[this.p] === 0x2c) this.p++;
      else if (b[this.p] !== 0x7d) this.fail("expected ',' or '}' in a struct");
    }
    this.w.end();
  }

  private sequence(type: number, close: number): void {
    const b = this.b;
    this.p++;
    this.w.begin(type);
    for (;;) {
      this.ws();
      if (this.p >= b.length) this.fail('unterminated container');
      if (b[this.p] === close) {
        this.p++;
        break;
      }
      this.value(type === T_LIST ? 'list' : 'sexp');
      if (type === T_LIST) {
        this.ws();
        if (b[this.p] === 0x2c) this.p++;
        else if (b[this.p] !== close) this.fail("expected ',' or ']' in a list");
      }
    }
    this.w.end();
  }

  /** Whitespace only: inside `{{ }}` a `/` is base64, never a comment. */
  private spaces(): void {
    const b = this.b;
    for (;;) {
      const c = b[this.p];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0b || c === 0x0c) this.p++;
      else return;
    }
  }

  /** `{{ base64 }}`, `{{ "clob" }}` or `{{ '''clob''' }}`. */
  private lob(): void {
    const b = this.b;
    this.p += 2;
    this.spaces();
    const s = this.scratch;
    s.reset();
    if (b[this.p] === 0x22) {
      this.p++;
      this.shortString(s, true);
      this.closeLob();
      this.w.scalar(T_CLOB, s.buf, 0, s.len);
      return;
    }
    if (b[this.p] === 0x27) {
      this.longStrings(s, true);
      this.closeLob();
      this.w.scalar(T_CLOB, s.buf, 0, s.len);
      return;
    }
    const start = this.p;
    const end = indexOf2(b, 0x7d, 0x7d, this.p);
    if (end < 0) this.fail('unterminated blob');
    this.p = end + 2;
    const text = latin1(b, start, end).replace(/[\s]/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) this.fail('malformed base64 in a blob');
    const bytes = Buffer.from(text, 'base64');
    this.w.scalar(T_BLOB, bytes);
  }

  private closeLob(): void {
    this.spaces();
    if (this.b[this.p] !== 0x7d || this.b[this.p + 1] !== 0x7d) this.fail("expected '}}'");
    this.p += 2;
  }

  /** One or more `'''…'''` segments, separated by whitespace or comments, concatenated. */
  private longStrings(s: ByteSink, clob: boolean): void {
    const b = this.b;
    for (;;) {
      this.p += 3;
      this.quoted(s, -1, clob);
      const save = this.p;
      this.ws();
      if (!(b[this.p] === 0x27 && b[this.p + 1] === 0x27 && b[this.p + 2] === 0x27)) {
        this.p = save;
        return;
      }
    }
  }

  private shortString(s: ByteSink, clob: boolean): void {
    this.quoted(s, 0x22, clob);
  }

  /**
   * Reads up to the closing quote (`close`, or `'''` when -1) into `s` as UTF-8 (or, for clobs,
   * as bytes), resolving escapes.
   */
  private quoted(s: ByteSink, close: number, clob: boolean): void {
    const b = this.b;
    for (;;) {
      const start = this.p;
      while (this.p < b.length) {
        const c = b[this.p];
        if (c === 0x5c || c === close || (close === -1 && c === 0x27 && b[this.p + 1] === 0x27 && b[this.p + 2] === 0x27)) break;
        if (close !== -1 && (c === 0x0a || c === 0x0d)) this.fail('newline in a short string');
        if (clob && c >= 0x80) this.fail('non-ASCII character in a clob');
        this.p++;
      }
      s.bytes(b, start, this.p);
      if (this.p >= b.length) this.fail('unterminated string');
      const c = b[this.p];
      if (c !== 0x5c) {
        this.p += close === -1 ? 3 : 1;
        return;
      }
      this.escape(s, clob);
    }
  }

  private escape(s: ByteSink, clob: boolean): void {
    const b = this.b;
    const e = b[this.p + 1];
    this.p += 2;
    const simple: Record<number, number> = {
      0x30: 0, 0x61: 7, 0x62: 8, 0x74: 9, 0x6e: 10, 0x66: 12, 0x72: 13, 0x76: 11,
      0x22: 0x22, 0x27: 0x27, 0x3f: 0x3f, 0x5c: 0x5c, 0x2f: 0x2f,
    };
    if (e in simple) {
      s.byte(simple[e]);
      return;
    }
    if (e === 0x0a) return; // escaped newline: line continuation
    if (e === 0x0d) {
      if (b[this.p] === 0x0a) this.p++;
      return;
    }
    const digits = e === 0x78 ? 2 : e === 0x75 && !clob ? 4 : e === 0x55 && !clob ? 8 : 0;
    if (!digits) this.fail('unknown escape');
    const hex = latin1(b, this.p, this.p + digits);
    if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits) this.fail('bad hex escape');
    this.p += digits;
    let cp = parseInt(hex, 16);
    if (clob) {
      s.byte(cp);
      return;
    }
    // a UTF-16 surrogate pair written as two \u escapes is one code point
    if (cp >= 0xd800 && cp <= 0xdbff && b[this.p] === 0x5c && b[this.p + 1] === 0x75) {
      const lo = parseInt(latin1(b, this.p + 2, this.p + 6), 16);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        this.p += 6;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) this.fail('lone surrogate');
    s.bytes(Buffer.from(String.fromCodePoint(cp), 'utf8'));
  }

  private float(v: number): void {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setFloat64(0, v);
    this.w.scalar(T_FLOAT, out);
  }

  private number(): void {
    const b = this.b;
    const start = this.p;
    while (this.p < b.length && !TOKEN_END[b[this.p]]) {
      // a timestamp's offset contains ':' but a struct field name never starts with a digit
      this.p++;
    }
    const text = latin1(b, start, this.p);
    if (DEC_INT.test(text)) return this.int(BigInt(text.replace(/_/g, '')));
    if (HEX_INT.test(text) || BIN_INT.test(text)) {
      const neg = text[0] === '-';
      const v = BigInt(text.slice(neg ? 1 : 0).replace(/_/g, ''));
      return this.int(neg ? -v : v);
    }
    if (FLOAT.test(text)) return this.float(Number(text.replace(/_/g, '')));
    const d = DECIMAL.exec(text);
    if (d) return this.decimal(d[1] === '-', d[2].replace(/_/g, ''), (d[3] ?? '').replace(/_/g, ''), d[4] ? Number(d[4]) : 0, d[3] !== undefined || d[4] !== undefined);
    const t = TIMESTAMP.exec(text);
    if (t) return this.timestamp(t);
    this.fail(`not a number or timestamp: ${text}`);
  }

  private int(v: bigint): void {
    const neg = v < 0n;
    this.w.scalar(neg ? T_NEGINT : T_POSINT, magnitudeBytes(neg ? -v : v));
  }

  private decimal(negative: boolean, whole: string, fraction: string, exp: number, isDecimal: boolean): void {
    if (!isDecimal) this.fail('not a decimal');
    const coefficient = BigInt(whole + fraction);
    const exponent = exp - fraction.length;
    const s = this.scratch;
    s.reset();
    writeVarInt(s, exponent);
    if (negative || coefficient !== 0n) s.bytes(signedIntBytes(coefficient, negative));
    this.w.scalar(T_DECIMAL, s.buf, 0, s.len);
  }

  private timestamp(t: RegExpExecArray): void {
    try {
      this.checkTimestamp(t);
    } catch (e) {
      if (e instanceof MalformedIonError) throw new MalformedIonError(`Ion text at byte ${this.p}: ${t[0]}: ${e.message}`);
      throw e;
    }
    this.writeTimestamp(t);
  }

  /** Before Date, which would carry 2021-02-30 over into March. */
  private checkTimestamp(t: RegExpExecArray): void {
    const [, y, , mo, , d, hh, mi, ss, , off] = t;
    const num = (x: string | undefined) => (x === undefined ? undefined : Number(x));
    checkTimestampFields(Number(y), num(mo), num(d), num(hh), num(mi), num(ss));
    if (off === undefined || off === 'Z') return;
    if (Number(off.slice(4, 6)) > 59) throw new MalformedIonError(`a timestamp's offset ${off} is out of range`);
    checkTimestampOffset(Number(off.slice(1, 3)) * 60 + Number(off.slice(4, 6)));
  }

  private writeTimestamp(t: RegExpExecArray): void {
    const [, y, , mo, , d, hh, mi, ss, frac, off] = t;
    const s = this.scratch;
    s.reset();
    if (hh === undefined) {
      // no time of day: the offset is unknown (-0), components as written
      writeVarInt(s, -0);
      writeVarUInt(s, Number(y));
      if (mo !== undefined) writeVarUInt(s, Number(mo));
      if (d !== undefined) writeVarUInt(s, Number(d));
      this.w.scalar(T_TIMESTAMP, s.buf, 0, s.len);
      return;
    }
    let offset: number;
    if (off === 'Z') offset = 0;
    else {
      const sign = off[0] === '-' ? -1 : 1;
      const minutes = Number(off.slice(1, 3)) * 60 + Number(off.slice(4, 6));
      offset = off === '-00:00' ? -0 : sign * minutes;
    }
    // Ion binary holds the UTC components; the text holds local time at the offset
    const date = new Date(0);
    date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
    date.setUTCHours(Number(hh), Number(mi) - offset, 0, 0);
    writeVarInt(s, offset);
    writeVarUInt(s, date.getUTCFullYear());
    writeVarUInt(s, date.getUTCMonth() + 1);
    writeVarUInt(s, date.getUTCDate());
    writeVarUInt(s, date.getUTCHours());
    writeVarUInt(s, date.getUTCMinutes());
    if (ss !== undefined) {
      writeVarUInt(s, Number(ss));
      if (frac !== undefined) {
        writeVarInt(s, -frac.length);
        const coefficient = BigInt(frac);
        if (coefficient !== 0n) s.bytes(signedIntBytes(coefficient, false));
      }
    }
    this.w.scalar(T_TIMESTAMP, s.buf, 0, s.len);
  }
}

function indexOf2(b: Uint8Array, x: number, y: number, from: number): number {
  for (let i = from; i + 1 < b.length; i++) if (b[i] === x && b[i + 1] === y) return i;
  return -1;
}

function latin1(b: Uint8Array, start: number, end: number): string {
  // tokens (field names, numbers, timestamps) are short: a char loop beats a Buffer per token
  if (end - start <= 40) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
    return s;
  }
  return Buffer.from(b.buffer, b.byteOffset + start, Math.max(0, end - start)).toString('latin1');
}

/** The fast path alone: throws UnsupportedIonError for what it does not handle. */
export function parseIonText(text: Uint8Array): Uint8Array {
  return new Parser(text).parseAll();
}

/** Ion text bytes → one Ion binary stream holding the same values, in order. */
export function ionTextToBinary(text: Uint8Array): Uint8Array {
  try {
    return new Parser(text).parseAll();
  } catch (e) {
    if (!(e instanceof UnsupportedIonError || e instanceof RangeError || e instanceof TypeError)) throw e;
    // the rest of the grammar (and the precise error for malformed text) is ion-js's
    const w = makeBinaryWriter();
    w.writeValues(makeReader(text));
    w.close();
    return w.getBytes();
  }
}

