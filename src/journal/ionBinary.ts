/**
 * A minimal Ion 1.0 binary reader and writer for the journal's hot paths.
 *
 * ion-js builds a DOM or walks a generic reader for every value; hashing and verifying blocks
 * through it runs at a few thousand blocks per second. The journal only needs to (a) find the
 * fields of a block, (b) hash values straight from their bytes (ionHash.ts) and (c) assemble a
 * block around documents that are already Ion binary. This module does exactly that over raw
 * bytes. Anything it does not understand (shared symbol table imports) throws
 * UnsupportedIonError so callers can fall back to ion-js.
 */

export class UnsupportedIonError extends Error {}
export class MalformedIonError extends Error {}
/** An Ion stream with no user value in it (nothing but version markers, symbol tables, padding). */
export class NoIonValueError extends MalformedIonError {}

export const T_NULL = 0;
export const T_BOOL = 1;
export const T_POSINT = 2;
export const T_NEGINT = 3;
export const T_FLOAT = 4;
export const T_DECIMAL = 5;
export const T_TIMESTAMP = 6;
export const T_SYMBOL = 7;
export const T_STRING = 8;
export const T_CLOB = 9;
export const T_BLOB = 10;
export const T_LIST = 11;
export const T_SEXP = 12;
export const T_STRUCT = 13;
export const T_ANNOTATION = 14;

export const SYSTEM_SYMBOLS: readonly (string | null)[] = [
  null,
  '$ion',
  '$ion_1_0',
  '$ion_symbol_table',
  'name',
  'version',
  'imports',
  'symbols',
  'max_id',
  '$ion_shared_symbol_table',
];
const SID_SYMBOL_TABLE = 3;
const SID_IMPORTS = 6;
const SID_SYMBOLS = 7;

/** Symbol id → text; `null` where the text is unknown (SID 0, non-string entries). */
export type SymbolTable = readonly (string | null)[];

/**
 * The header of the value whose type descriptor (or annotation wrapper) starts at `pos`.
 * Reused objects keep the walkers allocation-free.
 */
export class Header {
  /** type code (high nibble) of the value itself, after any annotation wrapper */
  type = 0;
  /** low nibble of the value's type descriptor */
  low = 0;
  isNull = false;
  /** start of the value's body (after type descriptor and length) */
  body = 0;
  /** end of the value (exclusive) */
  end = 0;
  /** annotation SIDs span [annStart, annEnd) of VarUInts, empty when not annotated */
  annStart = 0;
  annEnd = 0;
  /** position of the value's own type descriptor (after the annotation wrapper) */
  td = 0;
}

export function readVarUInt(b: Uint8Array, pos: number, out: { pos: number }): number {
  let v = 0;
  for (;;) {
    if (pos >= b.length) throw new MalformedIonError('truncated VarUInt');
    const x = b[pos++];
    v = v * 128 + (x & 0x7f);
    if (x & 0x80) break;
  }
  out.pos = pos;
  return v;
}

/**
 * Reads a VarInt that must end before `end` (its value's end), preserving -0 (Ion's "unknown
 * offset"). One that runs on is malformed: ion-js reads some of those leniently (a decimal
 * whose only byte is 0x01 loads as 0E+255), so bytes it let pass must not be read here past
 * their value, or past their buffer, where nothing stops the loop. `what` names it in the error.
 */
export function readVarInt(b: Uint8Array, p: number, end: number, out: { pos: number }, what = 'VarInt'): number {
  if (p >= end) throw new MalformedIonError(`truncated ${what}`);
  let x = b[p++];
  const negative = (x & 0x40) !== 0;
  let v = x & 0x3f;
  while (!(x & 0x80)) {
    if (p >= end) throw new MalformedIonError(`truncated ${what}`);
    x = b[p++];
    v = v * 128 + (x & 0x7f);
  }
  out.pos = p;
  return negative ? -v : v;
}

/** Reads a VarUInt that must end before `end`, its value's end. */
export function readVarUIntWithin(b: Uint8Array, p: number, end: number, out: { pos: number }, what = 'VarUInt'): number {
  const v = readVarUInt(b, p, out);
  if (out.pos > end) throw new MalformedIonError(`truncated ${what}`);
  return v;
}

/**
 * The most digits of fractional seconds a binary timestamp may have. ion-js refuses more (an
 * exponent below -306; its year comes out NaN), but only after work that grows with the square of
 * their number: three bytes of exponent cost it a second, four some hours. The drivers, the
 * verifiers built on ion-hash-js and the server's own reads all go through ion-js, so such a value
 * can be neither hashed by them nor read back: the readers here refuse it at once.
 */
export const MAX_FRACTION_DIGITS = 306;

const tmpPos = { pos: 0 };

/** A binary timestamp's parts, as readTimestamp reads and checks them. */
export class TimestampParts {
  /** minutes east of UTC; -0 when unknown */
  offset = 0;
  /** UTC year, month, day, hour, minute, second: the first `count` are present */
  readonly fields = [0, 0, 0, 0, 0, 0];
  count = 0;
  /** fractional seconds, when present: coefficient × 10^exponent */
  hasFraction = false;
  exponent = 0;
  /** the coefficient is the signed Int field [coefficientStart, end) of the value */
  coefficientStart = 0;
  negative = false;
  /** where its magnitude starts once leading zeros are skipped: the value's end for zero */
  magnitudeStart = 0;
}

/**
 * Reads the binary timestamp in [start, end) into `t`, refusing what Ion does not allow. ion-js
 * refuses some of these and quietly moves others to another instant (month 13 becomes January of
 * the next year, 24:00 the next day, fractional seconds of 1.5 are dropped), so a value passing
 * here would change as soon as the server or a driver read it; QLDB's Java Ion refuses them all.
 */
export function readTimestamp(b: Uint8Array, start: number, end: number, t: TimestampParts): void {
  const at = tsPos;
  t.offset = readVarInt(b, start, end, at);
  checkTimestampOffset(t.offset);
  let p = at.pos;
  const f = t.fields;
  let n = 0;
  for (; n < 6 && p < end; n++) {
    f[n] = readVarUIntWithin(b, p, end, at);
    p = at.pos;
  }
  t.count = n;
  if (n === 0) throw new MalformedIonError('a timestamp without a year');
  checkTimestampFields(f[0], n > 1 ? f[1] : undefined, n > 2 ? f[2] : undefined, n > 3 ? f[3] : undefined, n > 4 ? f[4] : undefined, n > 5 ? f[5] : undefined);
  // a date has no time of day, so no offset: ion-js takes one as the offset of that date's UTC
  // midnight (2020-08-29 at -00:16 is 2020-08-28)
  if (n < 4 && t.offset !== 0) throw new MalformedIonError(`a date (no time of day) with an offset of ${t.offset} minutes`);
  // the fields are UTC, and Ion bounds the year of the local time too (ion-js, which the server
  // and the drivers read with, refuses either out of range)
  if ((f[0] === 1 || f[0] === 9999) && n >= 5 && t.offset !== 0) {
    const local = new Date(0);
    local.setUTCFullYear(f[0], f[1] - 1, f[2]);
    local.setUTCHours(f[3], f[4] + t.offset);
    checkTimestampFields(local.getUTCFullYear());
  }
  t.hasFraction = p < end;
  if (!t.hasFraction) return;
  t.exponent = readVarInt(b, p, end, at);
  if (-t.exponent > MAX_FRACTION_DIGITS) {
    throw new MalformedIonError(`a timestamp's fractional seconds of ${-t.exponent} digits (ion-js reads at most ${MAX_FRACTION_DIGITS})`);
  }
  p = at.pos;
  t.coefficientStart = p;
  t.negative = p < end && (b[p] & 0x80) !== 0;
  const m = magnitudeStart(b, p, end);
  t.magnitudeStart = m;
  if (m === end) return; // zero, of either sign, is in range
  if (t.negative) throw new MalformedIonError("a timestamp's fractional seconds are negative");
  let below1: boolean;
  if (t.exponent >= 0) below1 = false;
  else if (end - m <= 6 && -t.exponent <= 15) {
    // exact in a double: under 2^48, and a power of ten up to 10^15 (the sign bit is clear)
    below1 = readUIntBody(b, m, end) < 10 ** -t.exponent;
  } else {
    let c = 0n;
    for (let i = m; i < end; i++) c = (c << 8n) | BigInt(b[i]);
    below1 = c < 10n ** BigInt(-t.exponent);
  }
  if (!below1) throw new MalformedIonError("a timestamp's fractional seconds are 1 or more");
}

const tsPos = { pos: 0 };

/**
 * Where the magnitude of Ion's signed Int field in [start, end) starts once its leading zero
 * bytes are skipped (at `start` its sign bit does not count); `end` when it is zero.
 */
export function magnitudeStart(b: Uint8Array, start: number, end: number): number {
  if (start >= end || (b[start] & 0x7f) !== 0) return start;
  let i = start + 1;
  while (i < end && b[i] === 0) i++;
  return i;
}

/** Refuses fields outside their ranges; each from the month on is optional, as precision allows. */
export function checkTimestampFields(year: number, month?: number, day?: number, hour?: number, minute?: number, second?: number): void {
  const bad = (what: string) => new MalformedIonError(`a timestamp's ${what} is out of range`);
  if (year < 1 || year > 9999) throw bad(`year ${year}`);
  if (month === undefined) return;
  if (month < 1 || month > 12) throw bad(`month ${month}`);
  if (day === undefined) return;
  if (day < 1 || day > daysInMonth(year, month)) throw bad(`day ${day}`);
  if (hour === undefined) return;
  if (minute === undefined) throw new MalformedIonError('a timestamp with an hour must have a minute');
  if (hour > 23) throw bad(`hour ${hour}`);
  if (minute > 59) throw bad(`minute ${minute}`);
  if (second !== undefined && second > 59) throw bad(`second ${second}`);
}

/** Ion's offsets lie within a day either side of UTC, in minutes. */
export function checkTimestampOffset(offset: number): void {
  if (offset < -1439 || offset > 1439) throw new MalformedIonError(`a timestamp's offset of ${offset} minutes is out of range`);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Reads the header at `pos` into `h`. NOP padding is reported as type 0 with isNull false. */
export function readHeader(b: Uint8Array, pos: number, h: Header): void {
  if (pos >= b.length) throw new MalformedIonError('truncated value');
  let td = b[pos];
  h.annStart = h.annEnd = 0;
  if (td >> 4 === T_ANNOTATION && (td & 15) !== 0) {
    let len = td & 15;
    let p = pos + 1;
    if (len === 14) {
      len = readVarUInt(b, p, tmpPos);
      p = tmpPos.pos;
    }
    const wrapperEnd = p + len;
    const annLen = readVarUInt(b, p, tmpPos);
    h.annStart = tmpPos.pos;
    h.annEnd = tmpPos.pos + annLen;
    pos = h.annEnd;
    if (pos >= wrapperEnd || wrapperEnd > b.length) throw new MalformedIonError('bad annotation wrapper');
    td = b[pos];
    readPlain(b, pos, td, h);
    if (h.end !== wrapperEnd) throw new MalformedIonError('annotation wrapper length mismatch');
    return;
  }
  readPlain(b, pos, td, h);
}

function readPlain(b: Uint8Array, pos: number, td: number, h: Header): void {
  const t = td >> 4;
  const low = td & 15;
  h.td = pos;
  h.type = t;
  h.low = low;
  if (t === T_ANNOTATION) throw new MalformedIonError('nested annotation wrapper');
  if (t === 15) throw new MalformedIonError('reserved type code 15');
  let p = pos + 1;
  if (low === 15) {
    h.isNull = true;
    h.body = h.end = p;
    return;
  }
  h.isNull = false;
  let len: number;
  if (t === T_BOOL) {
    // 0 false, 1 true (15, null.bool, is above): any other length is not Ion
    if (low > 1) throw new MalformedIonError(`a bool with length code ${low}`);
    len = 0;
  } else if (low === 14 || (t === T_STRUCT && low === 1)) {
    len = readVarUInt(b, p, tmpPos);
    p = tmpPos.pos;
  } else len = low;
  h.body = p;
  h.end = p + len;
  if (h.end > b.length) throw new MalformedIonError('value extends past the end of the data');
}

/** readHeader for a value inside a container ending at `limit`: a child may not overrun it. */
export function readChild(b: Uint8Array, pos: number, limit: number, h: Header): void {
  if (pos >= limit) throw new MalformedIonError('container ends inside a field');
  readHeader(b, pos, h);
  if (h.end > limit) throw new MalformedIonError('value extends past the end of its container');
}

/** Reads one VarUInt-encoded SID list entry (annotations) or a field name SID. */
export function readSid(b: Uint8Array, pos: number, out: { pos: number }): number {
  return readVarUInt(b, pos, out);
}

export function readUIntBody(b: Uint8Array, start: number, end: number): number {
  let v = 0;
  for (let i = start; i < end; i++) v = v * 256 + b[i];
  return v;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of UTF-8 bytes, which Ion requires to be valid (no surrogates, no overlong forms). */
export function utf8Text(b: Uint8Array): string {
  try {
    return utf8.decode(b);
  } catch {
    throw new MalformedIonError('a string that is not valid UTF-8');
  }
}

/** Reused argument lists for String.fromCharCode, one per length up to 32. */
const charCodes: number[][] = Array.from({ length: 33 }, (_, n) => new Array<number>(n).fill(0));

export function readStringBody(b: Uint8Array, start: number, end: number): string {
  // ids and field names are short ASCII: one fromCharCode call makes the string flat, where
  // appending pieces made a rope of intermediate strings, flattened again when used as a key
  if (end - start <= 32) {
    const codes = charCodes[end - start];
    for (let i = start, j = 0; i < end; i++, j++) {
      const c = b[i];
      if (c >= 0x80) return utf8Text(b.subarray(start, end));
      codes[j] = c;
    }
    return String.fromCharCode.apply(null, codes);
  }
  return utf8Text(b.subarray(start, end));
}

/**
 * Walks the top-level values of an Ion binary stream, maintaining its symbol table (IVMs reset
 * it, local symbol tables replace or append to it). `visit` gets each user value's position and
 * the symbol table in force; system values are not visited.
 */
export function forEachTopLevel(
  b: Uint8Array,
  visit: (pos: number, h: Header, symbols: SymbolTable) => void,
): void {
  let symbols: SymbolTable = SYSTEM_SYMBOLS;
  let pos = 0;
  const h = new Header();
  while (pos < b.length) {
    if (b[pos] === 0xe0) {
      if (pos + 4 > b.length || b[pos + 1] !== 0x01 || b[pos + 2] !== 0x00 || b[pos + 3] !== 0xea) {
        throw new MalformedIonError('unsupported Ion version marker');
      }
      symbols = SYSTEM_SYMBOLS;
      pos += 4;
      continue;
    }
    readHeader(b, pos, h);
    if (h.type === T_NULL && !h.isNull) {
      pos = h.end; // NOP padding
      continue;
    }
    if (h.type === T_STRUCT && !h.isNull && h.annEnd > h.annStart) {
      const first = readVarUInt(b, h.annStart, tmpPos);
      if (first === SID_SYMBOL_TABLE) {
        symbols = readLocalSymbolTable(b, h, symbols);
        pos = h.end;
        continue;
      }
    }
    visit(pos, h, symbols);
    pos = h.end;
  }
}

function readLocalSymbolTable(b: Uint8Array, st: Header, current: SymbolTable): SymbolTable {
  let append = false;
  const added: (string | null)[] = [];
  const h = new Header();
  const out = { pos: 0 };
  let p = st.body;
  while (p < st.end) {
    const sid = readVarUInt(b, p, out);
    readChild(b, out.pos, st.end, h);
    p = h.end;
    if (sid === SID_IMPORTS) {
      if (h.type === T_SYMBOL && !h.isNull && readUIntBody(b, h.body, h.end) === SID_SYMBOL_TABLE) append = true;
      else if (h.type === T_LIST && !h.isNull && h.end > h.body) {
        throw new UnsupportedIonError('shared symbol table imports are not supported');
      }
    } else if (sid === SID_SYMBOLS && h.type === T_LIST && !h.isNull) {
      const e = new Header();
      let q = h.body;
      while (q < h.end) {
        readChild(b, q, h.end, e);
        q = e.end;
        if (e.type === T_NULL && !e.isNull) continue;
        added.push(e.type === T_STRING && !e.isNull && e.annEnd === e.annStart ? readStringBody(b, e.body, e.end) : null);
      }
    }
  }
  const base = append ? current : SYSTEM_SYMBOLS;
  return base.concat(added);
}

/** The single top-level user value of a stream (a block, a document): position, header, symbols. */
export function firstValue(b: Uint8Array): { pos: number; h: Header; symbols: SymbolTable } {
  let found: { pos: number; h: Header; symbols: SymbolTable } | undefined;
  forEachTopLevel(b, (pos, h, symbols) => {
    if (!found) {
      const copy = new Header();
      Object.assign(copy, h);
      found = { pos, h: copy, symbols };
    }
  });
  if (!found) throw new NoIonValueError('no value in the Ion data');
  return found;
}

// ------------------------------------------------------------------------------------------------
// Writing

/** A growable byte buffer. */
export class ByteSink {
  buf: Uint8Array;
  len = 0;
  /** views of buf's first n bytes, by n, for prefix() */
  private views: Uint8Array[] = [];
  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }
  ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
    this.views = [];
  }
  /**
   * The bytes written so far, as a view kept for this length: a sink reused to hash value after
   * value (ionHash.ts) would otherwise make a view per hash, which costs about as much as the
   * SHA-256 of a short input. Valid until the sink is written to again.
   */
  prefix(): Uint8Array {
    const n = this.len;
    if (n > 4096) return this.buf.subarray(0, n);
    let v = this.views[n];
    if (v === undefined) v = this.views[n] = this.buf.subarray(0, n);
    return v;
  }
  byte(x: number): void {
    if (this.len === this.buf.length) this.ensure(1);
    this.buf[this.len++] = x;
  }
  bytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    this.ensure(n);
    // most copies are a few bytes: a loop costs less than the view set() needs
    if (n <= 32) {
      const buf = this.buf;
      let d = this.len;
      for (let i = start; i < end; i++) buf[d++] = src[i];
    } else this.buf.set(src.subarray(start, end), this.len);
    this.len += n;
  }
  reset(): void {
    this.len = 0;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export function varUIntSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

export function writeVarUInt(s: ByteSink, v: number): void {
  const n = varUIntSize(v);
  s.ensure(n);
  for (let i = n - 1; i >= 0; i--) {
    s.buf[s.len + i] = (v % 128) | (i === n - 1 ? 0x80 : 0);
    v = Math.floor(v / 128);
  }
  s.len += n;
}

/** VarInt with ion-js's exact layout: magnitude big-endian, sign in bit 6 of the first byte, -0 kept. */
export function writeVarInt(s: ByteSink, value: number): void {
  let mag = Math.abs(value);
  const negative = 1 / value < 0;
  // the first byte holds 6 bits of magnitude, the following ones 7 each
  let n = 1;
  let cap = 64;
  while (mag >= cap) {
    n++;
    cap *= 128;
  }
  s.ensure(n);
  for (let i = n - 1; i >= 1; i--) {
    s.buf[s.len + i] = mag % 128;
    mag = Math.floor(mag / 128);
  }
  s.buf[s.len] = mag | (negative ? 0x40 : 0);
  s.buf[s.len + n - 1] |= 0x80;
  s.len += n;
}

/** Writes the type descriptor and length of a value whose body is `len` bytes. */
export function writeTypeAndLength(s: ByteSink, type: number, len: number): void {
  if (len < 14) s.byte((type << 4) | len);
  else {
    s.byte((type << 4) | 14);
    writeVarUInt(s, len);
  }
}

/** Minimal big-endian magnitude bytes of a non-negative integer (empty for zero). */
export function magnitudeBytes(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0);
  let hex = v.toString(16);
  if (hex.length & 1) hex = '0' + hex;
  return Buffer.from(hex, 'hex');
}

/**
 * Encodes values into one Ion binary stream with its own local symbol table. Containers are
 * written body first into a scratch area and then prefixed, so every length is exact.
 */
export class IonWriter {
  /**
   * Symbol ids by text, kept from stream to stream and stamped with the stream that gave them:
   * reset() only moves the stamp on. A Map cleared per stream shrinks and grows again for every
   * value written (a revision, a document), and that was most of what writing one allocated.
   */
  private readonly symbols = new Map<string, { stream: number; id: number }>();
  private stream = 0;
  /** the stream's symbols, in id order: the first symbolCount entries (kept, not emptied: regrowing it allocates) */
  private readonly symbolList: string[] = [];
  private symbolCount = 0;
  private readonly out: ByteSink;
  /** open containers, `depth` of them: their types and where their reserved headers start */
  private readonly stackTypes: number[] = [];
  private readonly stackStarts: number[] = [];
  private depth = 0;
  /**
   * embed()'s ids by the source's symbol id, for one source table within one stream: an entry
   * counts while its stamp is `remapEpoch`, which moves on with the stream or the source table.
   */
  private remapSource: SymbolTable | undefined;
  private remapEpoch = 0;
  private remapIds = new Int32Array(64);
  private remapStamps = new Float64Array(64);
  /** headers of the children being embedded, one per nesting level */
  private readonly embedHeaders: Header[] = [];

  constructor(capacity = 256) {
    this.out = new ByteSink(capacity);
  }

  sid(text: string): number {
    const slot = this.symbols.get(text);
    if (slot !== undefined && slot.stream === this.stream) return slot.id;
    const id = SYSTEM_SYMBOLS.length + this.symbolCount;
    this.symbolList[this.symbolCount++] = text;
    if (slot !== undefined) {
      slot.stream = this.stream;
      slot.id = id;
    } else {
      // texts are user data (document ids name transactionInfo's fields): bounded. Slots of the
      // stream being written are lost too, and their texts listed again under new ids: still valid
      if (this.symbols.size >= 10_000) this.symbols.clear();
      this.symbols.set(text, { stream: this.stream, id });
    }
    return id;
  }

  /** In a struct, call before each value. */
  field(name: string): this {
    writeVarUInt(this.out, this.sid(name));
    return this;
  }

  string(v: string): this {
    // ids, names and statements are mostly ASCII: written straight in, without a Buffer each
    const n = v.length;
    let ascii = n <= 256;
    for (let i = 0; ascii && i < n; i++) if (v.charCodeAt(i) >= 0x80) ascii = false;
    if (!ascii) {
      const bytes = Buffer.from(v, 'utf8');
      writeTypeAndLength(this.out, T_STRING, bytes.length);
      this.out.bytes(bytes);
      return this;
    }
    const out = this.out;
    writeTypeAndLength(out, T_STRING, n);
    out.ensure(n);
    const buf = out.buf;
    const at = out.len;
    for (let i = 0; i < n; i++) buf[at + i] = v.charCodeAt(i);
    out.len += n;
    return this;
  }

  symbol(v: string): this {
    return this.symbolId(this.sid(v));
  }

  /** A symbol value by its id in this stream (0: a symbol without text). */
  private symbolId(id: number): this {
    const n = id === 0 ? 0 : varUIntSizeBytes(id);
    this.out.byte((T_SYMBOL << 4) | n);
    for (let i = n - 1; i >= 0; i--) this.out.byte(Math.floor(id / 256 ** i) % 256);
    return this;
  }

  int(v: number | bigint): this {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
      // sequence numbers, versions, statement indexes: the magnitude's bytes without a BigInt
      const n = v === 0 ? 0 : varUIntSizeBytes(v);
      writeTypeAndLength(this.out, T_POSINT, n);
      this.out.ensure(n);
      let m = v;
      for (let i = n - 1; i >= 0; i--) {
        this.out.buf[this.out.len + i] = m % 256;
        m = Math.floor(m / 256);
      }
      this.out.len += n;
      return this;
    }
    const big = BigInt(v);
    const mag = magnitudeBytes(big < 0n ? -big : big);
    writeTypeAndLength(this.out, big < 0n ? T_NEGINT : T_POSINT, mag.length);
    this.out.bytes(mag);
    return this;
  }

  blob(v: Uint8Array): this {
    writeTypeAndLength(this.out, T_BLOB, v.length);
    this.out.bytes(v);
    return this;
  }

  /** A timestamp at millisecond precision in UTC, the form QLDB hashes (`…05.360Z`). */
  timestampMillis(d: Date): this {
    const t = d.getTime();
    if (!Number.isFinite(t)) throw new RangeError('invalid date');
    const s = scratch;
    s.reset();
    writeVarInt(s, 0); // offset +00:00 (Z)
    writeVarUInt(s, d.getUTCFullYear());
    writeVarUInt(s, d.getUTCMonth() + 1);
    writeVarUInt(s, d.getUTCDate());
    writeVarUInt(s, d.getUTCHours());
    writeVarUInt(s, d.getUTCMinutes());
    writeVarUInt(s, d.getUTCSeconds());
    writeVarInt(s, -3);
    const ms = d.getUTCMilliseconds();
    // ion-js omits the coefficient of a zero fraction (.000), so the hash does too
    // ms < 1000: signedIntBytes(ms) is one byte below 128, else two with a clear sign bit
    if (ms !== 0 && ms < 128) s.byte(ms);
    else if (ms !== 0) {
      s.byte(ms >> 8);
      s.byte(ms & 0xff);
    }
    writeTypeAndLength(this.out, T_TIMESTAMP, s.len);
    this.out.bytes(s.buf, 0, s.len);
    return this;
  }

  /** A scalar of `type` whose body is `body[start, end)` (already in Ion binary form). */
  scalar(type: number, body: Uint8Array, start = 0, end = body.length): this {
    writeTypeAndLength(this.out, type, end - start);
    this.out.bytes(body, start, end);
    return this;
  }

  nullOf(type: number): this {
    this.out.byte((type << 4) | 0x0f);
    return this;
  }

  bool(v: boolean): this {
    this.out.byte(0x10 | (v ? 1 : 0));
    return this;
  }

  /** Opens an annotation wrapper; the annotated value follows, then end(). */
  annotations(names: readonly string[]): this {
    this.begin(T_ANNOTATION);
    const sids = new ByteSink(16);
    for (const n of names) writeVarUInt(sids, this.sid(n));
    writeVarUInt(this.out, sids.len);
    this.out.bytes(sids.buf, 0, sids.len);
    return this;
  }

  /** Copies a value from another Ion binary stream, re-mapping its symbols into this stream. */
  embed(src: Uint8Array, pos: number, srcSymbols: SymbolTable): this {
    const h = this.embedHeader(0);
    readHeader(src, pos, h);
    this.embedValue(src, h, srcSymbols, 1);
    return this;
  }

  private embedHeader(depth: number): Header {
    let h = this.embedHeaders[depth];
    if (h === undefined) h = this.embedHeaders[depth] = new Header();
    return h;
  }

  private embedValue(src: Uint8Array, h: Header, syms: SymbolTable, depth: number): void {
    const annotated = h.annEnd > h.annStart;
    if (annotated) this.begin(T_ANNOTATION);
    if (annotated) {
      const sids = new ByteSink(16);
      let p = h.annStart;
      while (p < h.annEnd) {
        const sid = readVarUInt(src, p, tmpPos);
        p = tmpPos.pos;
        writeVarUInt(sids, this.remap(sid, syms));
      }
      writeVarUInt(this.out, sids.len);
      this.out.bytes(sids.buf, 0, sids.len);
    }
    if (h.isNull || (h.type !== T_SYMBOL && h.type < T_LIST)) {
      this.out.bytes(src, h.td, h.end);
    } else if (h.type === T_SYMBOL) {
      this.symbolId(this.remap(readUIntBody(src, h.body, h.end), syms));
    } else if (h.type === T_STRUCT) {
      this.begin(T_STRUCT);
      const c = this.embedHeader(depth);
      let p = h.body;
      while (p < h.end) {
        const sid = readVarUInt(src, p, tmpPos);
        readChild(src, tmpPos.pos, h.end, c);
        p = c.end;
        if (c.type === T_NULL && !c.isNull && c.annEnd === c.annStart) continue;
        writeVarUInt(this.out, this.remap(sid, syms));
        this.embedValue(src, c, syms, depth + 1);
      }
      this.end();
    } else {
      this.begin(h.type);
      const c = this.embedHeader(depth);
      let p = h.body;
      while (p < h.end) {
        readChild(src, p, h.end, c);
        p = c.end;
        if (c.type === T_NULL && !c.isNull && c.annEnd === c.annStart) continue;
        this.embedValue(src, c, syms, depth + 1);
      }
      this.end();
    }
    if (annotated) this.end();
  }

  private remap(sid: number, syms: SymbolTable): number {
    // an id past the source's table has no text (and, in a request, any size): never cached
    if (sid >= syms.length) return 0;
    if (syms !== this.remapSource) {
      this.remapSource = syms;
      this.remapEpoch++;
    }
    if (sid >= this.remapIds.length) {
      const n = Math.max(sid + 1, this.remapIds.length * 2);
      const ids = new Int32Array(n);
      ids.set(this.remapIds);
      const stamps = new Float64Array(n);
      stamps.set(this.remapStamps);
      this.remapIds = ids;
      this.remapStamps = stamps;
    }
    if (this.remapStamps[sid] === this.remapEpoch) return this.remapIds[sid];
    const text = syms[sid];
    const id = text === undefined || text === null ? 0 : this.sid(text);
    this.remapIds[sid] = id;
    this.remapStamps[sid] = this.remapEpoch;
    return id;
  }

  /** Opens a list, sexp or struct (or an annotation wrapper, for embed). */
  begin(type: number): this {
    // reserve room for the largest header we will need (1 + 5-byte VarUInt), fixed up in end()
    this.out.ensure(6);
    this.stackTypes[this.depth] = type;
    this.stackStarts[this.depth++] = this.out.len;
    this.out.len += 6;
    return this;
  }

  struct(): this {
    return this.begin(T_STRUCT);
  }

  list(): this {
    return this.begin(T_LIST);
  }

  end(): this {
    if (this.depth === 0) throw new Error('end() without begin()');
    const type = this.stackTypes[--this.depth];
    const start = this.stackStarts[this.depth];
    const bodyStart = start + 6;
    const bodyLen = this.out.len - bodyStart;
    const hdr = scratchHeader;
    hdr.reset();
    // a struct of length 1 must use the VarUInt form: 0xD1 means "sorted struct"
    if (bodyLen < 14 && !(type === T_STRUCT && bodyLen === 1)) hdr.byte((type << 4) | bodyLen);
    else {
      hdr.byte((type << 4) | 14);
      writeVarUInt(hdr, bodyLen);
    }
    const dest = start + hdr.len;
    const buf = this.out.buf;
    buf.copyWithin(dest, bodyStart, this.out.len);
    // a header is 1-6 bytes: a loop, not a view to set() from
    for (let i = 0; i < hdr.len; i++) buf[start + i] = hdr.buf[i];
    this.out.len = dest + bodyLen;
    return this;
  }

  /** Empties the writer for another stream, keeping its buffer (a writer reused per value). */
  reset(): this {
    // left open by a value that failed to embed
    this.depth = 0;
    this.stream++;
    this.remapEpoch++;
    this.symbolCount = 0;
    this.out.reset();
    return this;
  }

  /**
   * IVM, the local symbol table, then the value(s) written so far, in a buffer of `alloc`'s (a
   * caller that copies the stream on anyway may take a pooled Buffer.allocUnsafe slice).
   */
  finish<T extends Uint8Array = Uint8Array>(alloc: (size: number) => T = newBytes as (size: number) => T): T {
    if (this.depth) throw new Error('unclosed container');
    // the head is written by a writer kept for that: finish runs for every revision of a commit
    const head = headWriter;
    head.out.reset();
    const s = head.out;
    s.bytes(IVM);
    if (this.symbolCount) {
      // $ion_symbol_table::{symbols:[…]} written with system SIDs only
      head.begin(T_ANNOTATION);
      s.byte(0x81);
      s.byte(0x80 | SID_SYMBOL_TABLE);
      head.begin(T_STRUCT);
      s.byte(0x80 | SID_SYMBOLS);
      head.begin(T_LIST);
      for (let i = 0; i < this.symbolCount; i++) head.string(this.symbolList[i]);
      head.end().end().end();
    }
    const result = alloc(s.len + this.out.len);
    result.set(s.prefix(), 0);
    result.set(this.out.prefix(), s.len);
    return result;
  }

  /**
   * finish() of a stream of one value, with where that value sits and its symbols: a caller
   * about to hash or embed it need not read back the symbol table just written.
   */
  finishAt<T extends Uint8Array>(alloc: (size: number) => T): ValueAt<T> {
    const bytes = this.finish(alloc);
    const pos = bytes.length - this.out.len;
    const h = new Header();
    readHeader(bytes, pos, h);
    const symbols = this.symbolCount ? SYSTEM_SYMBOLS.concat(this.symbolList.slice(0, this.symbolCount)) : SYSTEM_SYMBOLS;
    return { bytes, pos, h, symbols };
  }
}

const newBytes = (size: number) => new Uint8Array(size);

/** Where a stream's one value sits, and the symbols it is read with (what firstValue finds). */
export interface ValueAt<T extends Uint8Array = Uint8Array> {
  bytes: T;
  pos: number;
  h: Header;
  symbols: SymbolTable;
}

const scratch = new ByteSink(64);
const scratchHeader = new ByteSink(8);
/** Writes the IVM and local symbol table in IonWriter.finish (only its byte sink is used). */
const headWriter = new IonWriter(1024);
export const IVM = new Uint8Array([0xe0, 0x01, 0x00, 0xea]);

function varUIntSizeBytes(v: number): number {
  let n = 0;
  while (v > 0) {
    n++;
    v = Math.floor(v / 256);
  }
  return n;
}

/** Ion's signed "Int" field (sign-and-magnitude), as ion-js writes it. */
export function signedIntBytes(mag: bigint, negative: boolean): Uint8Array {
  let bytes = mag === 0n ? new Uint8Array([0]) : magnitudeBytes(mag);
  if (bytes[0] >= 128) {
    const ext = new Uint8Array(bytes.length + 1);
    ext.set(bytes, 1);
    bytes = ext;
  }
  if (negative) bytes[0] += 0x80;
  return bytes;
}
