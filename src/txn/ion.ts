/** Ion conversions the transaction layer needs: DOM ⇄ binary, and index keys. */
import { dom, dumpBinary, IonTypes } from 'ion-js';
import { ionHash, ionHashAt } from '../journal/ionHash';
import { firstValue, T_STRUCT } from '../journal/ionBinary';
import { structFields } from '../journal/block';
import type { IonValue } from '../partiql/ledgerView';

export function toBinary(value: IonValue): Buffer {
  const b = dumpBinary(value);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export function fromBinary(bytes: Uint8Array): IonValue {
  const v = dom.load(bytes);
  if (v === null) throw new Error('empty Ion value');
  return v;
}

/** Every top-level value of an Ion stream (text or binary); throws on malformed Ion. */
export function loadAll(bytes: Uint8Array | string): IonValue[] {
  return dom.loadAll(bytes);
}

export function isStruct(v: IonValue): boolean {
  return v.getType() === IonTypes.STRUCT && !v.isNull();
}


/**
 * Index key of a value: its Ion hash. Two values get the same key exactly when they are equal in
 * the Ion data model (type, precision, annotations significant; struct field order not), which is
 * the equality QLDB's indexes use.
 */
export function indexKey(value: IonValue): Buffer {
  return ionHash(value);
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
      if (ref) out.set(f, ionHashAt(bytes, ref.h, v.symbols));
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
