/**
 * The value model of the evaluator: Ion DOM values as stored, plus the two PartiQL values Ion
 * cannot express — MISSING and the bag (an unordered collection; it leaves the engine as a list).
 * Documents are read and passed on as the very DOM objects the view returned; nothing is copied
 * unless a statement builds a new value.
 */
import { Decimal, dom, IonType, IonTypes } from 'ion-js';
import type { IonValue } from './ledgerView';

export const MISSING: unique symbol = Symbol('MISSING');
export type Missing = typeof MISSING;

export class Bag {
  constructor(readonly items: Value[]) {}
}

export type Value = IonValue | Missing | Bag;

export function isIon(v: Value): v is IonValue {
  return v !== MISSING && !(v instanceof Bag);
}

/** MISSING, or any Ion null (typed or not). */
export function isAbsent(v: Value): boolean {
  return v === MISSING || (isIon(v) && v.isNull());
}

export function typeOf(v: IonValue): IonType {
  return v.getType();
}

export function isNonNull(v: Value, type: IonType): v is IonValue {
  return isIon(v) && v.getType() === type && !v.isNull();
}

export function isText(v: Value): v is IonValue {
  return isIon(v) && !v.isNull() && (v.getType() === IonTypes.STRING || v.getType() === IonTypes.SYMBOL);
}

export function isNumeric(v: Value): v is IonValue {
  if (!isIon(v) || v.isNull()) return false;
  const t = v.getType();
  return t === IonTypes.INT || t === IonTypes.DECIMAL || t === IonTypes.FLOAT;
}

export function isSequence(v: Value): boolean {
  if (v instanceof Bag) return true;
  if (!isIon(v) || v.isNull()) return false;
  const t = v.getType();
  return t === IonTypes.LIST || t === IonTypes.SEXP;
}

export function isStruct(v: Value): v is IonValue {
  return isIon(v) && v.getType() === IonTypes.STRUCT && !v.isNull();
}

/** Items of a bag, list or sexp. */
export function elementsOf(v: Value): Value[] {
  if (v instanceof Bag) return v.items;
  return (v as IonValue).elements();
}

// ---- constructors ----
export const str = (s: string): IonValue => new dom.String(s);
export const int = (n: number | bigint): IonValue => new dom.Integer(typeof n === 'number' ? BigInt(n) : n);
export const bool = (b: boolean): IonValue => new dom.Boolean(b);
export const nullValue = (): IonValue => new dom.Null(IonTypes.NULL);

export function struct(fields: [string, IonValue][]): IonValue {
  return new dom.Struct(fields);
}

/**
 * A struct that keeps repeated field names, as PartiQL tuples and Ion structs may: ion-js's
 * Struct constructor keeps only the last entry of a name, so entries are gathered per name first.
 * (`SELECT *` over a join of sources that share field names returns every one of them.)
 */
export function structWithRepeats(fields: [string, IonValue[]][]): IonValue {
  const byName = new Map<string, IonValue[]>();
  for (const [name, values] of fields) {
    const seen = byName.get(name);
    if (seen) seen.push(...values);
    else byName.set(name, [...values]);
  }
  return new dom.Struct(byName.entries() as Iterable<[string, any]>);
}

/** Converts an evaluator value into something that can leave the engine (bags become lists). */
export function toIon(v: Value): IonValue | undefined {
  if (v === MISSING) return undefined;
  if (v instanceof Bag) {
    const items: IonValue[] = [];
    for (const item of v.items) {
      const ion = toIon(item);
      if (ion !== undefined) items.push(ion);
    }
    return new dom.List(items);
  }
  return v;
}

// ---- numbers ----

/** An exact or inexact number as arithmetic sees it. */
export type Num =
  | { kind: 'int'; value: bigint }
  | { kind: 'decimal'; coefficient: bigint; exponent: number }
  | { kind: 'float'; value: number };

export function toNum(v: IonValue): Num {
  switch (v.getType()) {
    case IonTypes.INT:
      return { kind: 'int', value: v.bigIntValue()! };
    case IonTypes.FLOAT:
      return { kind: 'float', value: v.numberValue()! };
    default: {
      const d = v.decimalValue()!;
      return { kind: 'decimal', ...decimalParts(d) };
    }
  }
}

export function decimalParts(d: Decimal): { coefficient: bigint; exponent: number } {
  // getCoefficient() is signed; only a negative zero is lost, which arithmetic need not keep.
  return { coefficient: d.getCoefficient(), exponent: d.getExponent() };
}

export function numToIon(n: Num): IonValue {
  switch (n.kind) {
    case 'int':
      return new dom.Integer(n.value);
    case 'float':
      return new dom.Float(n.value);
    case 'decimal':
      return new dom.Decimal(new Decimal(n.coefficient < 0n ? -n.coefficient : n.coefficient, n.exponent, n.coefficient < 0n));
  }
}

export function numToNumber(n: Num): number {
  switch (n.kind) {
    case 'int':
    case 'float':
      return Number(n.value);
    case 'decimal':
      return Number(`${n.coefficient}e${n.exponent}`);
  }
}

function asDecimal(n: Num): { coefficient: bigint; exponent: number } {
  if (n.kind === 'int') return { coefficient: n.value, exponent: 0 };
  if (n.kind === 'decimal') return n;
  throw new Error('float has no exact decimal form');
}

function align(a: { coefficient: bigint; exponent: number }, b: { coefficient: bigint; exponent: number }) {
  const exponent = Math.min(a.exponent, b.exponent);
  return {
    a: a.coefficient * 10n ** BigInt(a.exponent - exponent),
    b: b.coefficient * 10n ** BigInt(b.exponent - exponent),
    exponent,
  };
}

/** Total order on numbers across int/decimal/float; NaN compares as undefined. */
export function compareNums(x: Num, y: Num): number | undefined {
  if (x.kind === 'float' || y.kind === 'float') {
    const a = numToNumber(x);
    const b = numToNumber(y);
    if (Number.isNaN(a) || Number.isNaN(b)) return undefined;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const { a, b } = align(asDecimal(x), asDecimal(y));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Digits kept by decimal division, as in SQL's DECFLOAT(34). */
const DIVISION_DIGITS = 34;

export function arithmetic(op: '+' | '-' | '*' | '/' | '%', x: Num, y: Num): Num | undefined {
  if (x.kind === 'float' || y.kind === 'float') {
    const a = numToNumber(x);
    const b = numToNumber(y);
    const value = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
    return { kind: 'float', value };
  }
  if (x.kind === 'int' && y.kind === 'int') {
    const a = x.value;
    const b = y.value;
    if ((op === '/' || op === '%') && b === 0n) return undefined;
    const value = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
    return { kind: 'int', value };
  }
  const dx = asDecimal(x);
  const dy = asDecimal(y);
  if (op === '*') return { kind: 'decimal', coefficient: dx.coefficient * dy.coefficient, exponent: dx.exponent + dy.exponent };
  if (op === '+' || op === '-') {
    const { a, b, exponent } = align(dx, dy);
    return { kind: 'decimal', coefficient: op === '+' ? a + b : a - b, exponent };
  }
  if (dy.coefficient === 0n) return undefined;
  if (op === '%') {
    const { a, b, exponent } = align(dx, dy);
    return { kind: 'decimal', coefficient: a % b, exponent };
  }
  // Scale the dividend so the quotient keeps DIVISION_DIGITS significant digits, then trim zeros.
  const scale = DIVISION_DIGITS + digits(dy.coefficient) - digits(dx.coefficient) + 1;
  const shift = Math.max(scale, 0);
  let coefficient = (dx.coefficient * 10n ** BigInt(shift)) / dy.coefficient;
  let exponent = dx.exponent - dy.exponent - shift;
  while (coefficient !== 0n && coefficient % 10n === 0n && exponent < 0) {
    coefficient /= 10n;
    exponent++;
  }
  return { kind: 'decimal', coefficient, exponent };
}

function digits(n: bigint): number {
  return (n < 0n ? -n : n).toString().length;
}

// ---- comparison and equality ----

function textOf(v: IonValue): string {
  return v.stringValue()!;
}

/** Instant of a timestamp in milliseconds plus the sub-millisecond remainder, for ordering. */
function instantOf(v: IonValue): [number, number] {
  const ts = v.timestampValue()!;
  const ms = ts.getDate().getTime();
  const seconds = ts.getSecondsDecimal();
  if (!seconds) return [ms, 0];
  const { coefficient, exponent } = decimalParts(seconds);
  if (exponent >= -3) return [ms, 0];
  const scale = 10n ** BigInt(-exponent - 3);
  return [ms, Number(coefficient % scale) / Number(scale)];
}

/**
 * Order of two non-null values of comparable types (numbers with numbers, text with text,
 * timestamps, booleans); undefined when PartiQL would not compare them.
 */
export function compareValues(a: IonValue, b: IonValue): number | undefined {
  if (isNumeric(a) && isNumeric(b)) return compareNums(toNum(a), toNum(b));
  if (isText(a) && isText(b)) {
    const x = textOf(a);
    const y = textOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const ta = a.getType();
  if (ta !== b.getType()) return undefined;
  if (ta === IonTypes.TIMESTAMP) {
    const [ams, asub] = instantOf(a);
    const [bms, bsub] = instantOf(b);
    if (ams !== bms) return ams < bms ? -1 : 1;
    return asub < bsub ? -1 : asub > bsub ? 1 : 0;
  }
  if (ta === IonTypes.BOOL) {
    const x = a.booleanValue() ? 1 : 0;
    const y = b.booleanValue() ? 1 : 0;
    return x - y;
  }
  return undefined;
}

/**
 * `=` between two non-null values: numbers compare by value across int/decimal/float (as
 * PartiQL does); every other pair must be the same Ion value — same type, same annotations,
 * same precision — so that a parameter read back with `WHERE f = ?` is exactly what was stored.
 * Index keys follow the same two rules (see LedgerView.lookup).
 */
export function valuesEqual(a: IonValue, b: IonValue): boolean {
  if (isNumeric(a) && isNumeric(b)) return compareNums(toNum(a), toNum(b)) === 0;
  if (a.getType() !== b.getType()) return false;
  return a.ionEquals(b);
}

/** Ion equality that also understands bags (element order ignored), for IN over collections. */
export function deepEqual(a: Value, b: Value): boolean {
  if (a === MISSING || b === MISSING) return a === b;
  if (a instanceof Bag || b instanceof Bag) {
    if (!(a instanceof Bag && b instanceof Bag) || a.items.length !== b.items.length) return false;
    const used = new Array<boolean>(b.items.length).fill(false);
    return a.items.every((x) => {
      const k = b.items.findIndex((y, j) => !used[j] && deepEqual(x, y));
      if (k < 0) return false;
      used[k] = true;
      return true;
    });
  }
  return valuesEqual(a, b);
}
