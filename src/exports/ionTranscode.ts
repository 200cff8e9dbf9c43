/**
 * Ion binary → Ion text and Ion binary → JSON, byte to byte, for journal exports.
 *
 * Why not ion-js's reader and writers: an export re-encodes every block of a journal, and the
 * DOM round trip through ion-js costs tens of microseconds per block (a 100,000-block journal
 * would take minutes). This walks the binary encoding once and appends the output straight into
 * an OutBuf: symbol and string bytes are copied from the input (UTF-8 in, UTF-8 out), symbol
 * tables are offsets into the input, and nothing is allocated per value on the common paths.
 * It reads what the Ion 1.0 binary spec allows (IVMs, local symbol tables with append, NOP
 * padding, annotations, every scalar type); shared-symbol-table imports are refused, as no
 * writer of ours produces them. test/exports/ionTranscode.test.ts checks it against ion-js.
 *
 * JSON follows control-plane.md §4.4 (Ion's standard down-conversion).
 */
import { OutBuf } from './outBuf';
import { SYSTEM_SYMBOLS as SYSTEM_SYMBOL_TABLE } from '../journal/ionBinary';

/** The system symbols $1..$9 ($0 has no text). */
const SYSTEM_SYMBOLS = SYSTEM_SYMBOL_TABLE.slice(1) as string[];
const SID_ION_SYMBOL_TABLE = 3;
const SID_IMPORTS = 6;
const SID_SYMBOLS = 7;
const FIRST_LOCAL_SID = SYSTEM_SYMBOLS.length + 1;

/** The system symbols' text, laid out in one buffer so that they are offsets like local symbols. */
const SYSTEM_TEXT = Buffer.from(SYSTEM_SYMBOLS.join(''), 'latin1');

const NULL_NAMES = [
  'null',
  'null.bool',
  'null.int',
  'null.int',
  'null.float',
  'null.decimal',
  'null.timestamp',
  'null.symbol',
  'null.string',
  'null.clob',
  'null.blob',
  'null.list',
  'null.sexp',
  'null.struct',
];

const HEX = '0123456789abcdef';

/** Byte classes for Ion identifiers (symbols written without quotes). */
const ID_START = new Uint8Array(256);
const ID_PART = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  ID_START[c] = /[A-Za-z_$]/.test(ch) ? 1 : 0;
  ID_PART[c] = /[A-Za-z0-9_$]/.test(ch) ? 1 : 0;
}

/** Bytes a quoted string or symbol must escape: [Ion text with ', Ion text with ", JSON]. */
const ESCAPE_SQ = new Uint8Array(256);
const ESCAPE_DQ = new Uint8Array(256);
const ESCAPE_JSON = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) ESCAPE_SQ[c] = ESCAPE_DQ[c] = ESCAPE_JSON[c] = 1;
ESCAPE_SQ[0x7f] = ESCAPE_DQ[0x7f] = 1;
ESCAPE_SQ[0x5c] = ESCAPE_DQ[0x5c] = ESCAPE_JSON[0x5c] = 1;
ESCAPE_SQ[0x27] = 1;
ESCAPE_DQ[0x22] = ESCAPE_JSON[0x22] = 1;

const KEYWORD_BYTES = ['null', 'true', 'false', 'nan'].map((k) => Buffer.from(k, 'latin1'));

export class IonFormatError extends Error {}

type Mode = 0 | 1; // 0 = Ion text, 1 = JSON

/**
 * Transcodes Ion binary streams. Reusable: one instance per running job; every call starts from
 * the system symbol table, as every stored block is a complete stream of its own.
 */
export class IonTranscoder {
  private d: Buffer = SYSTEM_TEXT;
  private p = 0;
  private out!: OutBuf;
  private mode: Mode = 0;
  // the current symbol table: text of SID i is symSrc[i][symStart[i], symEnd[i]); symStart -1 = unknown text
  private symSrc: Buffer[] = [];
  private symStart: number[] = [];
  private symEnd: number[] = [];
  private symCount = FIRST_LOCAL_SID;
  // JSON structs: (sid, from, to) of each field written, as a stack shared by nested structs
  private fieldStack: number[] = [];
  private fieldTop = 0;

  constructor() {
    this.symSrc[0] = SYSTEM_TEXT;
    this.symStart[0] = -1;
    this.symEnd[0] = -1;
    let at = 0;
    SYSTEM_SYMBOLS.forEach((s, i) => {
      this.symSrc[i + 1] = SYSTEM_TEXT;
      this.symStart[i + 1] = at;
      this.symEnd[i + 1] = at + s.length;
      at += s.length;
    });
  }

  /** Every top-level user value of an Ion binary stream as Ion text, each followed by '\n'. */
  toText(data: Buffer, out: OutBuf): number {
    return this.run(data, out, 0);
  }

  /** Every top-level user value as one JSON value (§4.4 down-conversion), each followed by '\n'. */
  toJson(data: Buffer, out: OutBuf): number {
    return this.run(data, out, 1);
  }

  private run(data: Buffer, out: OutBuf, mode: Mode): number {
    this.d = data;
    this.p = 0;
    this.out = out;
    this.mode = mode;
    this.symCount = FIRST_LOCAL_SID;
    this.fieldTop = 0;
    let count = 0;
    const end = data.length;
    while (this.p < end) {
      const td = data[this.p];
      if (td === 0xe0) {
        if (data[this.p + 1] !== 0x01 || data[this.p + 2] !== 0x00 || data[this.p + 3] !== 0xea) {
          throw new IonFormatError(`unsupported Ion version marker at ${this.p}`);
        }
        this.p += 4;
        this.symCount = FIRST_LOCAL_SID;
        continue;
      }
      if (td >> 4 === 14 && this.symbolTable()) continue;
      if (this.value()) {
        out.byte(0x0a);
        count++;
      }
    }
    if (this.p !== end) throw new IonFormatError('truncated stream');
    return count;
  }

  // ---- primitive readers ----

  private varUInt(): number {
    const d = this.d;
    let v = 0;
    for (;;) {
      const b = d[this.p++];
      if (b === undefined) throw new IonFormatError('truncated VarUInt');
      v = v * 128 + (b & 0x7f);
      if (b & 0x80) return v;
    }
  }

  /** VarInt; returns -0 for the negative-zero encoding (a timestamp's unknown offset). */
  private varInt(): number {
    const d = this.d;
    let b = d[this.p++];
    if (b === undefined) throw new IonFormatError('truncated VarInt');
    const negative = (b & 0x40) !== 0;
    let v = b & 0x3f;
    while (!(b & 0x80)) {
      b = d[this.p++];
      if (b === undefined) throw new IonFormatError('truncated VarInt');
      v = v * 128 + (b & 0x7f);
    }
    return negative ? -v : v;
  }

  private uint(start: number, len: number): number {
    const d = this.d;
    let v = 0;
    for (let i = 0; i < len; i++) v = v * 256 + d[start + i];
    return v;
  }

  /** Unsigned big-endian magnitude of `len` (> 6) bytes, as decimal digits. */
  private bigDigits(start: number, len: number, firstMask: number): string {
    let hex = (this.d[start] & firstMask).toString(16).padStart(2, '0');
    hex += this.d.toString('hex', start + 1, start + len);
    return BigInt('0x' + hex).toString();
  }

  /** Magnitude of a signed Int (sign in the top bit) as digits. */
  private magnitudeDigits(start: number, len: number, firstMask: number): string {
    if (len > 6) return this.bigDigits(start, len, firstMask);
    let v = this.d[start] & firstMask;
    for (let i = 1; i < len; i++) v = v * 256 + this.d[start + i];
    return String(v);
  }

  /** Reads the length that follows a type descriptor whose low nibble is `l` (not 15). */
  private length(l: number): number {
    return l === 14 ? this.varUInt() : l;
  }

  /** At a top-level annotation wrapper: if it is a local symbol table, apply it and return true. */
  private symbolTable(): boolean {
    const d = this.d;
    const start = this.p;
    const td = d[this.p++];
    const len = this.length(td & 15);
    const valueEnd = this.p + len;
    const annotLen = this.varUInt();
    const annotEnd = this.p + annotLen;
    const first = this.varUInt();
    this.p = annotEnd;
    if (first !== SID_ION_SYMBOL_TABLE || d[this.p] >> 4 !== 13 || (d[this.p] & 15) === 15) {
      this.p = start;
      return false;
    }
    const std = d[this.p++];
    const slen = (std & 15) === 1 ? this.varUInt() : this.length(std & 15);
    const structEnd = this.p + slen;
    // imports decide the base, whatever the order of fields: find them first
    let append = false;
    let symbolsAt = -1;
    while (this.p < structEnd) {
      const field = this.varUInt();
      const vtd = d[this.p];
      const t = vtd >> 4;
      const isNull = (vtd & 15) === 15;
      if (field === SID_IMPORTS && t === 7 && !isNull) {
        this.p++;
        const l = this.length(vtd & 15);
        append = this.uint(this.p, l) === SID_ION_SYMBOL_TABLE;
        this.p += l;
      } else if (field === SID_IMPORTS && t === 11 && !isNull) {
        throw new IonFormatError('shared symbol table imports are not supported');
      } else {
        if (field === SID_SYMBOLS && t === 11 && !isNull) symbolsAt = this.p;
        this.p++;
        this.skipBody(vtd);
      }
    }
    if (!append) this.symCount = FIRST_LOCAL_SID;
    if (symbolsAt >= 0) {
      this.p = symbolsAt;
      const ltd = d[this.p++];
      const listLen = this.length(ltd & 15); // reads the VarUInt length first: p moves
      const listEnd = this.p + listLen;
      while (this.p < listEnd) {
        const etd = d[this.p++];
        const et = etd >> 4;
        const el = etd & 15;
        if (et === 0 && el !== 15) {
          this.p += this.length(el); // padding is not a symbol
          continue;
        }
        const sid = this.symCount++;
        this.symSrc[sid] = d;
        if (et === 8 && el !== 15) {
          const n = this.length(el);
          this.symStart[sid] = this.p;
          this.symEnd[sid] = this.p + n;
          this.p += n;
        } else {
          this.symStart[sid] = -1;
          this.symEnd[sid] = -1;
          this.skipBody(etd);
        }
      }
    }
    this.p = valueEnd;
    return true;
  }

  private skipBody(td: number): void {
    const t = td >> 4;
    const l = td & 15;
    if (t === 1 || l === 15) return;
    if (t === 13 && l === 1) {
      const n = this.varUInt();
      this.p += n;
      return;
    }
    this.p += this.length(l);
  }

  // ---- symbols ----

  private symbolOut(sid: number): void {
    const out = this.out;
    if (sid >= this.symCount || this.symStart[sid] < 0) {
      // text unknown ($0, or beyond the table): Ion's `$<sid>` form
      if (this.mode === 1) out.byte(0x22);
      out.byte(0x24);
      out.uint(sid);
      if (this.mode === 1) out.byte(0x22);
      return;
    }
    const src = this.symSrc[sid];
    const start = this.symStart[sid];
    const end = this.symEnd[sid];
    if (this.mode === 1) {
      this.quoted(src, start, end, 0x22);
      return;
    }
    if (isIdentifier(src, start, end)) out.bytes(src, start, end);
    else this.quoted(src, start, end, 0x27);
  }

  /** Byte length of a symbol's text, -1 when unknown (cheap pre-check for repeated names). */
  private symLen(sid: number): number {
    return sid < this.symCount && this.symStart[sid] >= 0 ? this.symEnd[sid] - this.symStart[sid] : -1 - sid;
  }

  private sameSymbolText(a: number, b: number): boolean {
    if (a === b) return true;
    const knownA = a < this.symCount && this.symStart[a] >= 0;
    const knownB = b < this.symCount && this.symStart[b] >= 0;
    if (!knownA || !knownB) return false;
    const la = this.symEnd[a] - this.symStart[a];
    if (la !== this.symEnd[b] - this.symStart[b]) return false;
    const sa = this.symSrc[a];
    const sb = this.symSrc[b];
    for (let i = 0; i < la; i++) if (sa[this.symStart[a] + i] !== sb[this.symStart[b] + i]) return false;
    return true;
  }

  // ---- values ----

  /** Writes the value at p; returns false for NOP padding (nothing written). */
  private value(): boolean {
    const d = this.d;
    const out = this.out;
    const json = this.mode === 1;
    const td = d[this.p++];
    if (td === undefined) throw new IonFormatError('truncated value');
    const t = td >> 4;
    const l = td & 15;
    if (l === 15) {
      if (t >= 14) throw new IonFormatError('bad null type descriptor');
      out.ascii(json ? 'null' : NULL_NAMES[t]);
      return true;
    }
    switch (t) {
      case 0: // NOP pad
        this.p += this.length(l);
        return false;
      case 1:
        if (l > 1) throw new IonFormatError('bad bool');
        out.ascii(l === 1 ? 'true' : 'false');
        return true;
      case 2:
      case 3: {
        const n = this.length(l);
        if (n === 0) {
          if (t === 3) throw new IonFormatError('negative zero int');
          out.byte(0x30);
        } else {
          if (t === 3) out.byte(0x2d);
          if (n <= 6) out.uint(this.uint(this.p, n));
          else out.ascii(this.bigDigits(this.p, n, 0xff));
          this.p += n;
        }
        return true;
      }
      case 4:
        this.float(this.length(l));
        return true;
      case 5:
        this.decimal(this.length(l));
        return true;
      case 6: {
        const n = this.length(l); // reads the VarUInt length first: p moves
        const end = this.p + n;
        if (json) out.byte(0x22);
        this.timestamp(end);
        if (json) out.byte(0x22);
        return true;
      }
      case 7: {
        const n = this.length(l);
        const sid = this.uint(this.p, n);
        this.p += n;
        this.symbolOut(sid);
        return true;
      }
      case 8: {
        const n = this.length(l);
        this.quoted(d, this.p, this.p + n, 0x22);
        this.p += n;
        return true;
      }
      case 9: {
        const n = this.length(l);
        this.clob(this.p, this.p + n);
        this.p += n;
        return true;
      }
      case 10: {
        const n = this.length(l);
        if (json) out.byte(0x22);
        else out.ascii('{{');
        out.base64(d, this.p, this.p + n);
        if (json) out.byte(0x22);
        else out.ascii('}}');
        this.p += n;
        return true;
      }
      case 11:
      case 12: {
        const n = this.length(l); // reads the VarUInt length first: p moves
        const end = this.p + n;
        const list = json || t === 11;
        out.byte(list ? 0x5b : 0x28);
        const sep = list ? 0x2c : 0x20;
        let first = true;
        while (this.p < end) {
          const mark = out.len;
          if (!first) out.byte(sep);
          if (this.value()) first = false;
          else out.len = mark;
        }
        out.byte(list ? 0x5d : 0x29);
        return true;
      }
      case 13:
        this.struct(l === 1 ? this.varUInt() : this.length(l));
        return true;
      case 14: {
        const n = this.length(l);
        const end = this.p + n;
        const annotLen = this.varUInt();
        const annotEnd = this.p + annotLen;
        if (json) {
          this.p = annotEnd; // §4.4: annotations are dropped
        } else {
          while (this.p < annotEnd) {
            this.symbolOut(this.varUInt());
            out.byte(0x3a);
            out.byte(0x3a);
          }
        }
        if (!this.value()) throw new IonFormatError('annotation on padding');
        if (this.p !== end) throw new IonFormatError('annotation wrapper length mismatch');
        return true;
      }
      default:
        throw new IonFormatError(`reserved type code ${t}`);
    }
  }

  private struct(len: number): void {
    const d = this.d;
    const out = this.out;
    const json = this.mode === 1;
    const end = this.p + len;
    const start = out.len;
    const stack = this.fieldStack;
    const base = this.fieldTop;
    out.byte(0x7b);
    let first = true;
    while (this.p < end) {
      const sid = this.varUInt();
      const vtd = d[this.p];
      if (vtd >> 4 === 0 && (vtd & 15) !== 15) {
        this.p++;
        this.p += this.length(vtd & 15);
        continue;
      }
      if (!first) out.byte(0x2c);
      first = false;
      const from = out.len;
      this.symbolOut(sid);
      out.byte(0x3a);
      this.value();
      if (json) {
        const top = this.fieldTop;
        stack[top] = sid;
        stack[top + 1] = from;
        stack[top + 2] = out.len;
        this.fieldTop = top + 3;
      }
    }
    out.byte(0x7d);
    if (json) {
      if (this.fieldTop - base > 3) this.dropRepeatedFields(start, base);
      this.fieldTop = base;
    }
  }

  /** §4.4: in JSON a repeated field name keeps the last value only (as JSON.parse would). */
  private dropRepeatedFields(start: number, base: number): void {
    const stack = this.fieldStack;
    const n = (this.fieldTop - base) / 3;
    let keep: boolean[] | undefined;
    for (let i = 0; i < n; i++) {
      const a = stack[base + 3 * i];
      for (let k = i + 1; k < n; k++) {
        const b = stack[base + 3 * k];
        if (a === b || (this.symLen(a) === this.symLen(b) && this.sameSymbolText(a, b))) {
          (keep ??= new Array<boolean>(n).fill(true))[i] = false;
          break;
        }
      }
    }
    if (!keep) return;
    const out = this.out;
    const body = Buffer.from(out.buf.subarray(start, out.len));
    out.len = start + 1;
    let first = true;
    for (let i = 0; i < n; i++) {
      if (!keep[i]) continue;
      if (!first) out.byte(0x2c);
      first = false;
      out.bytes(body, stack[base + 3 * i + 1] - start, stack[base + 3 * i + 2] - start);
    }
    out.byte(0x7d);
  }

  private float(n: number): void {
    const out = this.out;
    const json = this.mode === 1;
    let v: number;
    if (n === 0) v = 0;
    else if (n === 4) v = this.d.readFloatBE(this.p);
    else if (n === 8) v = this.d.readDoubleBE(this.p);
    else throw new IonFormatError('bad float length');
    this.p += n;
    if (Number.isNaN(v)) out.ascii(json ? 'null' : 'nan');
    else if (v === Infinity) out.ascii(json ? 'null' : '+inf');
    else if (v === -Infinity) out.ascii(json ? 'null' : '-inf');
    else {
      let s = Object.is(v, -0) ? '-0' : String(v);
      if (!json) {
        // Ion text needs an exponent to read back as a float, not a decimal or an int
        const e = s.indexOf('e');
        if (e < 0) s += 'e0';
        else if (s[e + 1] === '+') s = s.slice(0, e + 1) + s.slice(e + 2);
      }
      out.ascii(s);
    }
  }

  private decimal(n: number): void {
    const out = this.out;
    const json = this.mode === 1;
    if (n === 0) {
      out.ascii(json ? '0' : '0.');
      return;
    }
    const end = this.p + n;
    const exponent = this.varInt();
    const clen = end - this.p;
    let negative = false;
    let digits = '0';
    if (clen > 0) {
      negative = (this.d[this.p] & 0x80) !== 0;
      digits = this.magnitudeDigits(this.p, clen, 0x7f);
    }
    this.p = end;
    if (negative) out.byte(0x2d);
    if (exponent === 0) {
      out.ascii(digits);
      if (!json) out.byte(0x2e);
    } else if (exponent > 0) {
      out.ascii(digits);
      out.byte(json ? 0x65 : 0x64);
      out.uint(exponent);
    } else {
      const scale = -exponent;
      if (digits.length > scale) {
        out.ascii(digits.slice(0, digits.length - scale));
        out.byte(0x2e);
        out.ascii(digits.slice(digits.length - scale));
      } else {
        out.ascii('0.');
        for (let i = digits.length; i < scale; i++) out.byte(0x30);
        out.ascii(digits);
      }
    }
  }

  /** The Ion text form of a timestamp (JSON wraps it in quotes). Binary holds UTC fields. */
  private timestamp(end: number): void {
    const out = this.out;
    const offset = this.varInt();
    const unknownOffset = Object.is(offset, -0);
    let year = this.varUInt();
    if (this.p >= end) {
      out.digits4(year);
      out.byte(0x54);
      return;
    }
    let month = this.varUInt();
    if (this.p >= end) {
      out.digits4(year);
      out.byte(0x2d);
      out.digits2(month);
      out.byte(0x54);
      return;
    }
    let day = this.varUInt();
    if (this.p >= end) {
      out.digits4(year);
      out.byte(0x2d);
      out.digits2(month);
      out.byte(0x2d);
      out.digits2(day);
      return;
    }
    let hour = this.varUInt();
    let minute = this.varUInt();
    let second = -1;
    let fracExp = 0;
    let fracStart = 0;
    let fracLen = 0;
    if (this.p < end) {
      second = this.varUInt();
      if (this.p < end) {
        fracExp = this.varInt();
        fracStart = this.p;
        fracLen = end - this.p;
        if (fracLen > 0 && this.d[fracStart] & 0x80 && this.magnitudeDigits(fracStart, fracLen, 0x7f) !== '0') {
          throw new IonFormatError('negative timestamp fraction');
        }
        this.p = end;
      }
    }
    if (!unknownOffset && offset !== 0) {
      // fields are UTC; the text form shows local time at the offset
      const dt = new Date(0);
      dt.setUTCFullYear(year, month - 1, day);
      dt.setUTCHours(hour, minute + offset, 0, 0);
      year = dt.getUTCFullYear();
      month = dt.getUTCMonth() + 1;
      day = dt.getUTCDate();
      hour = dt.getUTCHours();
      minute = dt.getUTCMinutes();
    }
    out.digits4(year);
    out.byte(0x2d);
    out.digits2(month);
    out.byte(0x2d);
    out.digits2(day);
    out.byte(0x54);
    out.digits2(hour);
    out.byte(0x3a);
    out.digits2(minute);
    if (second >= 0) {
      out.byte(0x3a);
      out.digits2(second);
      if (fracExp < 0) {
        const scale = -fracExp;
        const digits = fracLen > 0 ? this.magnitudeDigits(fracStart, fracLen, 0x7f) : '0';
        out.byte(0x2e);
        for (let i = digits.length; i < scale; i++) out.byte(0x30);
        out.ascii(digits);
      }
    }
    if (unknownOffset) out.ascii('-00:00');
    else if (offset === 0) out.byte(0x5a);
    else {
      const a = Math.abs(offset);
      out.byte(offset < 0 ? 0x2d : 0x2b);
      out.digits2(Math.floor(a / 60));
      out.byte(0x3a);
      out.digits2(a % 60);
    }
  }

  /**
   * A string (or, with quote 0x27, a quoted Ion symbol): UTF-8 bytes copied through, escaping
   * the quote, backslash and control characters as the output syntax requires.
   */
  private quoted(src: Buffer, start: number, end: number, quote: number): void {
    const out = this.out;
    const json = this.mode === 1;
    out.reserve(end - start + 2);
    out.byte(quote);
    const escape = json ? ESCAPE_JSON : quote === 0x27 ? ESCAPE_SQ : ESCAPE_DQ;
    let run = start;
    for (let i = start; i < end; i++) {
      const c = src[i];
      if (escape[c] === 0) continue;
      if (i > run) out.bytes(src, run, i);
      run = i + 1;
      out.byte(0x5c);
      if (c === quote || c === 0x5c) out.byte(c);
      else if (c === 0x0a) out.byte(0x6e);
      else if (c === 0x09) out.byte(0x74);
      else if (c === 0x0d) out.byte(0x72);
      else out.ascii((json ? 'u00' : 'x') + HEX[c >> 4] + HEX[c & 15]);
    }
    if (end > run) out.bytes(src, run, end);
    out.byte(quote);
  }

  private clob(start: number, end: number): void {
    const d = this.d;
    const out = this.out;
    const json = this.mode === 1;
    out.ascii(json ? '"' : '{{"');
    for (let i = start; i < end; i++) {
      const c = d[i];
      if (c === 0x22) out.ascii('\\"');
      else if (c === 0x5c) out.ascii('\\\\');
      else if (c >= 0x20 && c < 0x7f) out.byte(c);
      else if (json) {
        // §4.4: each byte becomes the code point of that value
        if (c < 0x20) out.ascii('\\u00' + HEX[c >> 4] + HEX[c & 15]);
        else if (c === 0x7f) out.byte(c);
        else {
          out.byte(0xc0 | (c >> 6));
          out.byte(0x80 | (c & 0x3f));
        }
      } else out.ascii('\\x' + HEX[c >> 4] + HEX[c & 15]);
    }
    out.ascii(json ? '"' : '"}}');
  }
}

/** An Ion identifier that is no keyword and no `$<digits>` symbol id: safe to write unquoted. */
function isIdentifier(src: Buffer, start: number, end: number): boolean {
  const n = end - start;
  if (n === 0 || !ID_START[src[start]]) return false;
  for (let i = start + 1; i < end; i++) if (!ID_PART[src[i]]) return false;
  const c0 = src[start];
  if ((n === 3 || n === 4 || n === 5) && (c0 === 0x6e || c0 === 0x74 || c0 === 0x66)) {
    for (const k of KEYWORD_BYTES) {
      if (k.length !== n) continue;
      let same = true;
      for (let i = 0; i < n; i++) if (src[start + i] !== k[i]) same = false;
      if (same) return false;
    }
  }
  if (src[start] === 0x24 && n > 1) {
    let digits = true;
    for (let i = start + 1; i < end; i++) if (src[i] < 0x30 || src[i] > 0x39) digits = false;
    if (digits) return false;
  }
  return true;
}
