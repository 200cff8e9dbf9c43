/** Ion conversions the transaction layer needs: DOM ⇄ binary, and index keys. */
import { dom, dumpBinary } from 'ion-js';
import { ionHash, ionHashAt } from '../journal/ionHash';
import {
  firstValue,
  forEachTopLevel,
  Header,
  readChild,
  readUIntBody,
  readVarUInt,
  T_BOOL,
  T_DECIMAL,
  T_FLOAT,
  T_LIST,
  T_NEGINT,
  T_NULL,
  T_POSINT,
  T_SEXP,
  T_STRUCT,
  T_SYMBOL,
  type SymbolTable,
} from '../journal/ionBinary';
import { structFields } from '../journal/block';
import type { IonValue } from '../partiql/ledgerView';
import { isNumeric, numToNumber, toNum } from '../partiql/values';

/** Documents that arrived as a statement parameter of their own, with the bytes they came in. */
const loadedFrom = new WeakMap<IonValue, Buffer>();

/**
 * Remembers the Ion binary a parameter's value was loaded from, when it is a whole document (a
 * version marker, local symbol tables, one unannotated struct) in encodings ion-js writes
 * itself. An INSERT of that value then stores those bytes instead of ion-js's DOM written out
 * again, the largest cost of a single-document INSERT after hashing. They hold the same value:
 * the DOM was read from them, and for such encodings ion-js and the journal's reader (the Ion
 * hash, index keys, a block's revision, embedded with its symbols remapped) read alike. Where
 * they may not — NOP padding, which ion-js reads as a null inside a list; 32-bit floats; symbols
 * without text; a sorted-struct marker — the DOM is written out as before.
 */
export function rememberLoadedFrom(value: IonValue, bytes: Uint8Array): void {
  if (bytes.length < 4 || bytes[0] !== 0xe0 || bytes[1] !== 0x01 || bytes[2] !== 0x00 || bytes[3] !== 0xea) return;
  let values = 0;
  let plain = false;
  try {
    forEachTopLevel(bytes, (_pos, h, symbols) => {
      values++;
      plain = h.type === T_STRUCT && !h.isNull && h.annEnd === h.annStart && readAlike(bytes, h, symbols);
    });
  } catch {
    return; // what only ion-js reads (shared symbol tables): written out by ion-js
  }
  if (values === 1 && plain) loadedFrom.set(value, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

const sidAt = { pos: 0 };

/** Whether `h`'s value is encoded as ion-js writes values (see rememberLoadedFrom). */
function readAlike(b: Uint8Array, h: Header, symbols: SymbolTable): boolean {
  for (let p = h.annStart; p < h.annEnd; p = sidAt.pos) if (typeof symbols[readVarUInt(b, p, sidAt)] !== 'string') return false;
  if (h.isNull) return true;
  const len = h.end - h.body;
  switch (h.type) {
    case T_NULL:
      return false; // NOP padding
    case T_BOOL:
      return h.low <= 1;
    case T_POSINT:
      return len === 0 || b[h.body] !== 0;
    case T_NEGINT:
      return len > 0 && b[h.body] !== 0;
    case T_FLOAT:
      return len === 0 || len === 8;
    case T_SYMBOL:
      return typeof symbols[readUIntBody(b, h.body, h.end)] === 'string';
    case T_STRUCT:
    case T_LIST:
    case T_SEXP: {
      if (h.type === T_STRUCT && h.low === 1) return false;
      const c = new Header();
      for (let p = h.body; p < h.end; p = c.end) {
        if (h.type === T_STRUCT) {
          if (typeof symbols[readVarUInt(b, p, sidAt)] !== 'string') return false;
          p = sidAt.pos;
        }
        readChild(b, p, h.end, c);
        if (!readAlike(b, c, symbols)) return false;
      }
      return true;
    }
    default:
      return true; // decimals, timestamps, strings, clobs, blobs
  }
}

export function toBinary(value: IonValue): Buffer {
  const given = loadedFrom.get(value);
  if (given) return given;
  const b = dumpBinary(value);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export function fromBinary(bytes: Uint8Array): IonValue {
  const v = dom.load(bytes);
  if (v === null) throw new Error('empty Ion value');
  return v;
}


/**
 * Index key of a value. Numbers are keyed by their float64 value, because PartiQL `=` compares
 * numbers across int, decimal and float (1 = 1.0 = 1e0): every pair of numbers `=` calls equal
 * gets the same key. Distinct exact numbers that round to the same double share a key too; that
 * only widens a lookup, and the engine applies WHERE to every row it gets. Every other value is
 * keyed by its Ion hash, so key equality is Ion equality (type, precision and annotations
 * significant; struct field order not), which is what `=` means for them. The two kinds cannot
 * collide: a number's key is 9 bytes, an Ion hash 32.
 */
export function indexKey(value: IonValue): Buffer {
  if (isNumeric(value)) return numberKey(numToNumber(toNum(value)));
  return ionHash(value);
}

const NUMBER_KEY_TAG = 0x4e;

function numberKey(n: number): Buffer {
  const key = Buffer.alloc(9);
  key[0] = NUMBER_KEY_TAG;
  // -0 = 0 in PartiQL; every NaN is written as the one canonical NaN
  key.writeDoubleBE(n === 0 ? 0 : n, 1);
  return key;
}

const IVM = Uint8Array.of(0xe0, 0x01, 0x00, 0xea);

/** The index key of a value inside an Ion binary buffer, without building the document's DOM. */
function indexKeyAt(bytes: Uint8Array, h: Header, symbols: Parameters<typeof ionHashAt>[2]): Buffer {
  const numeric = h.type === T_POSINT || h.type === T_NEGINT || h.type === T_DECIMAL || h.type === T_FLOAT;
  if (!numeric || h.isNull) return ionHashAt(bytes, h, symbols);
  // a number's own encoding (annotations dropped: `=` ignores them) needs no symbol table
  const own = new Uint8Array(IVM.length + h.end - h.td);
  own.set(IVM);
  own.set(bytes.subarray(h.td, h.end), IVM.length);
  return indexKey(fromBinary(own));
}

/** The top-level field `name` of a struct, or undefined (missing, or several with that name). */
export function fieldOf(struct: IonValue, name: string): IonValue | undefined {
  const v = struct.get(name);
  return v === null ? undefined : v;
}

/**
 * Index keys of the given top-level fields of a document, straight from its Ion binary (the
 * commit path: no DOM). Fields the document lacks are absent from the result.
 */
export function indexKeysOf(bytes: Uint8Array, fields: readonly string[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  try {
    const v = firstValue(bytes);
    if (v.h.type !== T_STRUCT || v.h.isNull) return out;
    const refs = structFields(bytes, v.h, v.symbols);
    for (const f of fields) {
      const ref = refs.get(f);
      if (ref) out.set(f, indexKeyAt(bytes, ref.h, v.symbols));
    }
  } catch {
    const doc = fromBinary(bytes);
    for (const f of fields) {
      const fv = fieldOf(doc, f);
      if (fv !== undefined) out.set(f, indexKey(fv));
    }
  }
  return out;
}
