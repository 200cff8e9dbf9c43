/**
 * The 128 KB document limit is defined on the Ion binary encoding. Encoding every document just
 * to measure it dominated the cost of `INSERT INTO T ?`, so a cheap upper bound is computed first
 * and the exact size is only measured for documents that could be near the limit.
 */
import { IonTypes, makeBinaryWriter } from 'ion-js';
import type { IonValue } from './ledgerView';

/** Header bytes (type descriptor + VarUInt length) any Ion value needs at most. */
const HEADER = 11;
/** IVM plus a local symbol table's own framing. */
const STREAM_OVERHEAD = 32;

export function ionBinarySize(v: IonValue): number {
  const writer = makeBinaryWriter();
  v.writeTo(writer);
  writer.close();
  return writer.getBytes().length;
}

/**
 * True when the binary encoding of `v` is certainly no larger than `limit`. Symbol text (field
 * names, annotations, symbols) is counted in full at every use, as if each use added a symbol
 * table entry, which over-counts but never under-counts.
 */
export function certainlyWithin(v: IonValue, limit: number): boolean {
  let budget = limit - STREAM_OVERHEAD;
  const stack: IonValue[] = [v];
  while (stack.length > 0) {
    const value = stack.pop()!;
    budget -= HEADER;
    for (const annotation of value.getAnnotations()) budget -= annotation.length * 3 + 2 * HEADER;
    if (!value.isNull()) {
      switch (value.getType()) {
        case IonTypes.STRUCT:
          for (const [name, values] of value.allFields()) {
            budget -= (name.length * 3 + 2 * HEADER) * values.length;
            for (const child of values) stack.push(child);
          }
          break;
        case IonTypes.LIST:
        case IonTypes.SEXP:
          for (const child of value.elements()) stack.push(child);
          break;
        case IonTypes.STRING:
        case IonTypes.SYMBOL:
          budget -= value.stringValue()!.length * 3 + HEADER;
          break;
        case IonTypes.BLOB:
        case IonTypes.CLOB:
          budget -= value.uInt8ArrayValue()!.length;
          break;
        case IonTypes.INT:
          budget -= value.bigIntValue()!.toString(16).length;
          break;
        case IonTypes.DECIMAL:
        case IonTypes.TIMESTAMP:
          // The text form of these is never shorter than their binary form.
          budget -= (value.getType() === IonTypes.DECIMAL ? value.decimalValue()! : value.timestampValue()!).toString().length + HEADER;
          break;
        default:
          budget -= 8;
      }
    }
    if (budget < 0) return false;
  }
  return true;
}

/**
 * The deepest nesting of containers a document may have, the document struct itself counting
 * as 1. Reading, hashing, encoding and exporting a value all recurse once per level, and a
 * revision is read back wrapped in up to four more levels (committed view, history(), the block
 * of an export); at this depth every one of those paths stays far from the stack limit, so a
 * document that can be written can always be read back. Documents in practice nest a handful of
 * levels; MongoDB draws its line at the same place.
 */
export const MAX_NESTING_DEPTH = 100;

/**
 * Documents found within MAX_NESTING_DEPTH: a statement checks each document it writes, and the
 * transaction checks it again when it stores it; DOM values are not changed in place.
 */
const withinMaxNesting = new WeakSet<IonValue>();

/** True when `v` nests containers deeper than `limit`. Iterative: the value may be as deep as the stack allows. */
export function nestingExceeds(v: IonValue, limit: number): boolean {
  if (limit === MAX_NESTING_DEPTH && withinMaxNesting.has(v)) return false;
  const exceeds = deeperThan(v, limit);
  if (!exceeds && limit === MAX_NESTING_DEPTH) withinMaxNesting.add(v);
  return exceeds;
}

function deeperThan(v: IonValue, limit: number): boolean {
  const stack: [IonValue, number][] = [[v, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value.isNull()) continue;
    const type = value.getType();
    if (type !== IonTypes.STRUCT && type !== IonTypes.LIST && type !== IonTypes.SEXP) continue;
    if (depth > limit) return true;
    const children = type === IonTypes.STRUCT ? value.allFields().flatMap(([, values]) => values) : value.elements();
    for (const child of children) stack.push([child, depth + 1]);
  }
  return false;
}
