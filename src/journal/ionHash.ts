/**
 * Amazon Ion Hash (SHA-256), bit-for-bit what ion-hash-js 2.1.0 computes — the library QLDB's
 * drivers and verifiers use — but computed straight from Ion binary bytes.
 *
 * ion-hash-js re-encodes every scalar with a fresh ion-js binary writer to obtain its
 * "representation"; that costs ~150 µs per small document. Here the representation is taken
 * from the input bytes, re-encoded only where ion-js would normalise it (ints, floats,
 * decimals, timestamps), so the result is identical (test/journal/ionHash.test.ts compares both
 * over generated values). Ion text, DOM values, and binary with shared symbol tables go through
 * ion-js first.
 */
import { dom, makeBinaryWriter, makeReader } from 'ion-js';
import './ionJsFixes';
import {
  ByteSink,
  Header,
  SymbolTable,
  T_BOOL,
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
  TimestampParts,
  UnsupportedIonError,
  readTimestamp,
  utf8Text,
  firstValue,
  magnitudeStart,
  readChild,
  readVarInt,
  readUIntBody,
  readVarUInt,
  writeVarInt,
  writeVarUInt,
} from './ionBinary';
import { sha256, sha256Into } from './sha256';

const BEGIN = 0x0b;
const END = 0x0e;
const ESC = 0x0c;


/**
 * Appends `src[start,end)` escaping the three marker bytes. Returns the bytes or-ed together, so
 * that a string's caller learns in the same pass whether it is all ASCII.
 */
function escaped(s: ByteSink, src: Uint8Array, start: number, end: number): number {
  s.ensure((end - start) * 2);
  const buf = s.buf;
  let n = s.len;
  let all = 0;
  for (let i = start; i < end; i++) {
    const x = src[i];
    all |= x;
    if (x === BEGIN || x === END || x === ESC) buf[n++] = ESC;
    buf[n++] = x;
  }
  s.len = n;
  return all;
}

const textEncoder = new TextEncoder();

/**
 * Serialized symbols (`0B 70 text 0E`) by text. Field names repeat across every block and
 * document, so this saves an encode + escape per field; bounded because symbols are user data.
 */
const symbolCache = new Map<string, Uint8Array>();
const UNKNOWN_SYMBOL = new Uint8Array([BEGIN, 0x70, END]);

/**
 * An id past the symbol table is not an unknown symbol but malformed Ion: ion-js (and so every
 * QLDB verifier built on it) refuses it, and nothing of its text can be hashed.
 */
function beyondTable(syms: SymbolTable, sid: number): MalformedIonError {
  return new MalformedIonError(`symbol id ${sid} is beyond the symbol table (its largest id is ${syms.length - 1})`);
}

function symbolBySid(s: ByteSink, syms: SymbolTable, sid: number): void {
  const text = syms[sid];
  if (!text) {
    if (sid >= syms.length) throw beyondTable(syms, sid);
    s.bytes(UNKNOWN_SYMBOL);
    return;
  }
  let ser = symbolCache.get(text);
  if (!ser) {
    const tmp = new ByteSink(text.length * 2 + 8);
    symbolText(tmp, text);
    ser = tmp.result();
    if (symbolCache.size > 50_000) symbolCache.clear();
    symbolCache.set(text, ser);
  }
  s.bytes(ser);
}

function symbolText(s: ByteSink, text: string | null | undefined): void {
  s.byte(BEGIN);
  s.byte(0x70);
  if (text) {
    const b = textEncoder.encode(text);
    escaped(s, b, 0, b.length);
  }
  s.byte(END);
}

const pos = { pos: 0 };
const repr = new ByteSink(64);

/** Pools of sinks for struct fields and their digests, one per nesting depth. */
const fieldSinks: ByteSink[] = [];
const digestSinks: ByteSink[] = [];

function compare32(b: Uint8Array, x: number, y: number): number {
  for (let i = 0; i < 32; i++) {
    const d = b[x + i] - b[y + i];
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Headers for the children of the containers being serialized, one per nesting level (lists do
 * not deepen `depth`, so they are counted apart): a struct or list costs no allocation.
 */
const headers: Header[] = [];
let nesting = 0;

function childHeader(): Header {
  let c = headers[nesting];
  if (!c) c = headers[nesting] = new Header();
  nesting++;
  return c;
}

/**
 * Offsets of a struct's field digests in `digests`, by struct depth, reused: written by index and
 * never emptied, because an array emptied gives up its store and grows it again for every struct.
 */
const orders: number[][] = [];

/**
 * The offsets of the 32-byte digests in `digests`, in unsigned lexicographic order of the digests,
 * in the first digests.len / 32 entries of the array returned (the depth's own, reused).
 */
function sortedDigests(digests: ByteSink, depth: number): number[] {
  let order = orders[depth];
  if (!order) order = orders[depth] = [];
  const d = digests.buf;
  const n = digests.len / 32;
  for (let i = 0; i < n; i++) order[i] = i * 32;
  if (n > 16) {
    const sorted = order.slice(0, n).sort((x, y) => compare32(d, x, y));
    for (let i = 0; i < n; i++) order[i] = sorted[i];
  } else {
    // most structs have a few fields: an insertion sort without a comparator closure
    for (let i = 1; i < n; i++) {
      const o = order[i];
      let j = i - 1;
      while (j >= 0 && compare32(d, order[j], o) > 0) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = o;
    }
  }
  return order;
}

/** Appends the Ion Hash serialization of the value at header `h` to `s`. */
function serialize(b: Uint8Array, h: Header, syms: SymbolTable, s: ByteSink, depth: number): void {
  const annotated = h.annEnd > h.annStart;
  if (annotated) {
    s.byte(BEGIN);
    s.byte(0xe0);
    let p = h.annStart;
    while (p < h.annEnd) {
      const sid = readVarUInt(b, p, pos);
      p = pos.pos;
      symbolBySid(s, syms, sid);
    }
  }
  const t = h.type;
  if (h.isNull) {
    s.byte(BEGIN);
    s.byte((t << 4) | 0x0f);
    s.byte(END);
  } else if (t === T_STRUCT) {
    let sink = fieldSinks[depth];
    if (!sink) sink = fieldSinks[depth] = new ByteSink(256);
    let digests = digestSinks[depth];
    if (!digests) digests = digestSinks[depth] = new ByteSink(32 * 16);
    digests.reset();
    const c = childHeader();
    let p = h.body;
    while (p < h.end) {
      const sid = readVarUInt(b, p, pos);
      readChild(b, pos.pos, h.end, c);
      p = c.end;
      if (c.type === T_NULL && !c.isNull && c.annEnd === c.annStart) continue; // padding
      sink.reset();
      // ion-hash-js writes no field name at all when its text is unknown (SID 0)
      const name = syms[sid];
      if (name !== null && name !== undefined) symbolBySid(sink, syms, sid);
      else if (sid >= syms.length) throw beyondTable(syms, sid);
      serialize(b, c, syms, sink, depth + 1);
      digests.ensure(32);
      const field = sink.prefix();
      sha256Into(field, 0, field.length, digests.buf, digests.len);
      digests.len += 32;
    }
    nesting--;
    // field digests in unsigned lexicographic order, so field order does not matter
    const order = sortedDigests(digests, depth);
    const d = digests.buf;
    s.byte(BEGIN);
    s.byte(0xd0);
    for (let i = 0, n = digests.len / 32; i < n; i++) escaped(s, d, order[i], order[i] + 32);
    s.byte(END);
  } else if (t === T_LIST || t === T_SEXP) {
    s.byte(BEGIN);
    s.byte(t << 4);
    const c = childHeader();
    let p = h.body;
    while (p < h.end) {
      readChild(b, p, h.end, c);
      p = c.end;
      if (c.type === T_NULL && !c.isNull && c.annEnd === c.annStart) continue;
      serialize(b, c, syms, s, depth);
    }
    nesting--;
    s.byte(END);
  } else {
    scalar(b, h, syms, s);
  }
  if (annotated) s.byte(END);
}

function scalar(b: Uint8Array, h: Header, syms: SymbolTable, s: ByteSink): void {
  const t = h.type;
  if (t === T_SYMBOL) {
    // a symbol value serializes as a field name does: BEGIN 0x70, the escaped text, END
    symbolBySid(s, syms, readUIntBody(b, h.body, h.end));
    return;
  }
  s.byte(BEGIN);
  switch (t) {
    case T_BOOL:
      s.byte(0x10 | (h.low ? 1 : 0));
      break;
    case T_POSINT:
    case T_NEGINT: {
      let i = h.body;
      while (i < h.end && b[i] === 0) i++;
      // zero (including a negative zero) is written by ion-js as a positive int with no body
      s.byte(i === h.end ? 0x20 : t << 4);
      escaped(s, b, i, h.end);
      break;
    }
    case T_FLOAT: {
      s.byte(0x40);
      const len = h.end - h.body;
      const dv = new DataView(b.buffer, b.byteOffset + h.body, len);
      const v = len === 0 ? 0 : len === 4 ? dv.getFloat32(0) : len === 8 ? dv.getFloat64(0) : NaN;
      if (len !== 0 && len !== 4 && len !== 8) throw new UnsupportedIonError('bad float length');
      if (!Object.is(v, 0)) {
        const out = new Uint8Array(8);
        new DataView(out.buffer).setFloat64(0, v);
        escaped(s, out, 0, 8);
      }
      break;
    }
    case T_DECIMAL:
      s.byte(0x50);
      decimalRepr(b, h.body, h.end, s);
      break;
    case T_TIMESTAMP:
      s.byte(0x60);
      timestampRepr(b, h.body, h.end, s);
      break;
    case T_STRING:
      s.byte(0x80);
      // Ion text is valid UTF-8: ion-js reads some invalid forms leniently, as other characters
      if (escaped(s, b, h.body, h.end) >= 0x80) utf8Text(b.subarray(h.body, h.end));
      break;
    default:
      // clob, blob: the representation is the body itself
      s.byte(t << 4);
      escaped(s, b, h.body, h.end);
  }
  s.byte(END);
}

/**
 * Ion's signed Int field [start, end) as ion-js writes it (signedIntBytes without a BigInt): the
 * magnitude from `from` without leading zeros, the sign in the first bit, a byte more if the
 * magnitude's first byte needs that bit.
 */
function writeSignedInt(s: ByteSink, b: Uint8Array, start: number, end: number, negative: boolean, from: number): void {
  const sign = negative ? 0x80 : 0;
  if (from === end) {
    s.byte(sign);
    return;
  }
  const first = from === start ? b[start] & 0x7f : b[from];
  if (first >= 0x80) {
    s.byte(sign);
    s.byte(first);
  } else s.byte(first | sign);
  s.bytes(b, from + 1, end);
}

function decimalRepr(b: Uint8Array, start: number, end: number, s: ByteSink): void {
  if (start === end) return; // 0d0
  const exponent = readVarInt(b, start, end, pos);
  const p = pos.pos;
  const negative = p < end && (b[p] & 0x80) !== 0;
  const from = magnitudeStart(b, p, end);
  // ion-js: positive zero with exponent 0 has an empty body; a zero coefficient is omitted
  // unless negative
  if (!negative && from === end && Object.is(exponent, 0)) return;
  repr.reset();
  writeVarInt(repr, exponent);
  if (negative || from !== end) writeSignedInt(repr, b, p, end, negative, from);
  escaped(s, repr.buf, 0, repr.len);
}

const stamp = new TimestampParts();

function timestampRepr(b: Uint8Array, start: number, end: number, s: ByteSink): void {
  const t = stamp;
  readTimestamp(b, start, end, t);
  repr.reset();
  // a date has no offset: ion-js writes it unknown (-0), where it was 0 too
  writeVarInt(repr, t.count < 4 ? -0 : t.offset);
  for (let i = 0; i < t.count; i++) writeVarUInt(repr, t.fields[i]);
  // fractional seconds of zero at an exponent of 0 or more are whole seconds to ion-js (any other
  // value there is 1 or more, refused)
  if (t.hasFraction && t.exponent < 0) {
    writeVarInt(repr, t.exponent);
    if (t.magnitudeStart !== end) writeSignedInt(repr, b, t.coefficientStart, end, t.negative, t.magnitudeStart);
  }
  escaped(s, repr.buf, 0, repr.len);
}

const top = new ByteSink(1024);

/** Ion hash of the value at `h` inside an Ion binary stream whose symbol table is `syms`. */
export function ionHashAt(b: Uint8Array, h: Header, syms: SymbolTable): Buffer {
  const sink = top;
  sink.reset();
  nesting = 0; // a value that failed to parse may have left it raised
  serialize(b, h, syms, sink, 0);
  return sha256(sink.prefix());
}

function isBinary(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0xe0 && b[1] === 0x01 && b[2] === 0x00 && b[3] === 0xea;
}

/** ion-js DOM blobs and clobs are Uint8Arrays too; only raw bytes lack the DOM's getType(). */
function isBytes(value: dom.Value | Uint8Array): value is Uint8Array {
  return value instanceof Uint8Array && typeof (value as { getType?: unknown }).getType !== 'function';
}

function toBinaryWithIonJs(value: dom.Value | Uint8Array): Uint8Array {
  const w = makeBinaryWriter();
  if (isBytes(value)) {
    const r = makeReader(value);
    if (r.next() === null) throw new RangeError('no Ion value to hash');
    w.writeValue(r);
  } else {
    value.writeTo(w);
  }
  w.close();
  return w.getBytes();
}

/**
 * The Ion hash of one value: a DOM value, or the bytes of one Ion binary or text value (only the
 * first value of a multi-value stream is hashed, as the drivers do).
 */
export function ionHash(value: dom.Value | Uint8Array): Buffer {
  let bytes: Uint8Array;
  if (isBytes(value) && isBinary(value)) bytes = value;
  else bytes = toBinaryWithIonJs(value);
  try {
    const v = firstValue(bytes);
    return ionHashAt(bytes, v.h, v.symbols);
  } catch (e) {
    if (!(e instanceof UnsupportedIonError)) throw e;
    return ionHashAt(...reencoded(bytes));
  }
}

function reencoded(bytes: Uint8Array): [Uint8Array, Header, SymbolTable] {
  const b = toBinaryWithIonJs(bytes);
  const v = firstValue(b);
  return [b, v.h, v.symbols];
}

/** The Ion hash of a string value (statements, transaction ids). */
export function ionHashString(text: string): Buffer {
  const body = textEncoder.encode(text);
  const s = top;
  s.reset();
  s.byte(BEGIN);
  s.byte(0x80);
  escaped(s, body, 0, body.length);
  s.byte(END);
  return sha256(s.prefix());
}
