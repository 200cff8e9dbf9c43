/**
 * QLDB's scalar functions and CAST. Aggregates (COUNT, SUM, AVG, MIN, MAX) are evaluated by the
 * SELECT that owns them (see aggregates.ts); this file only knows their names.
 */
import { Decimal, dom, IonTypes, Timestamp } from 'ion-js';
import type { Context } from './environment';
import {
  DATE_PARTS, DatePart, dateAdd, dateDiff, extract, ExtractPart, formatTimestamp, parseTimestamp, PatternError,
} from './datetime';
import { StatementError } from './ledgerView';
import { describePosition, Position } from './lexer';
import {
  Bag, bool, elementsOf, int, isAbsent, isIon, isNumeric, isSequence, isStruct, isText, MISSING, nullValue,
  numToIon, numToNumber, str, toIon, toNum, Value,
} from './values';

const AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max']);

export function isAggregateName(name: string): boolean {
  return AGGREGATES.has(name);
}

function fail(message: string, pos: Position): never {
  throw new StatementError(`${message} ${describePosition(pos)}`);
}

function arity(name: string, args: Value[], min: number, max: number, pos: Position): void {
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    fail(`Function ${name.toUpperCase()} takes ${expected} argument(s), got ${args.length}`, pos);
  }
}

/** NULL or MISSING in, NULL out: QLDB's rule for every scalar function but the conditional ones. */
function absentArgument(args: Value[]): boolean {
  return args.some(isAbsent);
}

function timestampArg(name: string, v: Value, pos: Position): Timestamp {
  if (!isIon(v) || v.getType() !== IonTypes.TIMESTAMP) fail(`${name.toUpperCase()} expects a timestamp`, pos);
  return v.timestampValue()!;
}

function textArg(name: string, v: Value, pos: Position): string {
  if (!isText(v)) fail(`${name.toUpperCase()} expects a string`, pos);
  return v.stringValue()!;
}

function intArg(name: string, v: Value, pos: Position): number {
  if (!isIon(v) || v.getType() !== IonTypes.INT) fail(`${name.toUpperCase()} expects an integer`, pos);
  return Number(v.bigIntValue());
}

function datePart(name: string, v: Value, pos: Position): DatePart {
  const part = textArg(name, v, pos).toLowerCase();
  if (!DATE_PARTS.has(part)) fail(`Unknown date part '${part}' for ${name.toUpperCase()}`, pos);
  return part as DatePart;
}

export function callFunction(name: string, args: Value[], ctx: Context, pos: Position): Value {
  switch (name) {
    case 'coalesce':
      if (args.length === 0) fail('COALESCE needs at least one argument', pos);
      for (const a of args) if (!isAbsent(a)) return a;
      return nullValue();
    case 'nullif': {
      arity(name, args, 2, 2, pos);
      const [a, b] = args;
      if (!isAbsent(a) && !isAbsent(b) && isIon(a) && isIon(b) && (a.ionEquals(b) || (isNumeric(a) && isNumeric(b) && numToNumber(toNum(a)) === numToNumber(toNum(b))))) {
        return nullValue();
      }
      return a;
    }
    case 'exists': {
      arity(name, args, 1, 1, pos);
      const [v] = args;
      if (isSequence(v)) return bool(elementsOf(v).length > 0);
      if (isStruct(v)) return bool(v.fieldNames().length > 0);
      return bool(false);
    }
    case 'txid':
      arity(name, args, 0, 0, pos);
      return str(ctx.view.transactionId);
    case 'utcnow':
      arity(name, args, 0, 0, pos);
      return new dom.Timestamp(Timestamp.parse(new Date().toISOString())!);
  }
  if (absentArgument(args)) return nullValue();
  switch (name) {
    case 'size': {
      arity(name, args, 1, 1, pos);
      const [v] = args;
      if (isSequence(v)) return int(elementsOf(v).length);
      if (isStruct(v)) return int(v.fieldNames().length);
      return fail('SIZE expects a list, bag, sexp or struct', pos);
    }
    case 'char_length':
    case 'character_length':
      arity(name, args, 1, 1, pos);
      return int([...textArg(name, args[0], pos)].length);
    case 'lower':
      arity(name, args, 1, 1, pos);
      return str(textArg(name, args[0], pos).toLowerCase());
    case 'upper':
      arity(name, args, 1, 1, pos);
      return str(textArg(name, args[0], pos).toUpperCase());
    case 'substring': {
      arity(name, args, 2, 3, pos);
      const chars = [...textArg(name, args[0], pos)];
      // SQL positions are 1-based and a start before 1 eats into the requested length.
      const start = intArg(name, args[1], pos);
      const end = args.length === 3 ? start + intArg(name, args[2], pos) : Infinity;
      if (end < start) fail('SUBSTRING length must not be negative', pos);
      return str(chars.slice(Math.max(start, 1) - 1, Math.max(end - 1, 0)).join(''));
    }
    case 'trim': {
      const side = textArg(name, args[0], pos);
      const text = textArg(name, args[1], pos);
      const chars = args.length > 2 ? new Set([...textArg(name, args[2], pos)]) : new Set([' ']);
      const list = [...text];
      let from = 0;
      let to = list.length;
      if (side !== 'trailing') while (from < to && chars.has(list[from])) from++;
      if (side !== 'leading') while (to > from && chars.has(list[to - 1])) to--;
      return str(list.slice(from, to).join(''));
    }
    case 'date_add': {
      arity(name, args, 3, 3, pos);
      const part = datePart(name, args[0], pos);
      return new dom.Timestamp(dateAdd(part, intArg(name, args[1], pos), timestampArg(name, args[2], pos)));
    }
    case 'date_diff': {
      arity(name, args, 3, 3, pos);
      const part = datePart(name, args[0], pos);
      return int(dateDiff(part, timestampArg(name, args[1], pos), timestampArg(name, args[2], pos)));
    }
    case 'extract': {
      arity(name, args, 2, 2, pos);
      const part = textArg(name, args[0], pos).toLowerCase();
      if (!DATE_PARTS.has(part) && part !== 'timezone_hour' && part !== 'timezone_minute') {
        fail(`Unknown date part '${part}' for EXTRACT`, pos);
      }
      const result = extract(part as ExtractPart, timestampArg(name, args[1], pos));
      return typeof result === 'number' ? int(result) : new dom.Decimal(result);
    }
    case 'to_string': {
      arity(name, args, 2, 2, pos);
      try {
        return str(formatTimestamp(timestampArg(name, args[0], pos), textArg(name, args[1], pos)));
      } catch (e) {
        if (e instanceof PatternError) fail(e.message, pos);
        throw e;
      }
    }
    case 'to_timestamp': {
      arity(name, args, 1, 2, pos);
      const text = textArg(name, args[0], pos);
      if (args.length === 1) {
        const parsed = parseIonTimestamp(text);
        if (!parsed) fail(`'${text}' is not an Ion timestamp`, pos);
        return new dom.Timestamp(parsed!);
      }
      try {
        return new dom.Timestamp(parseTimestamp(text, textArg(name, args[1], pos)));
      } catch (e) {
        if (e instanceof PatternError) fail(e.message, pos);
        throw e;
      }
    }
  }
  if (isAggregateName(name)) fail(`Aggregate function ${name.toUpperCase()} is only allowed in a SELECT list`, pos);
  return fail(`No such function: ${name.toUpperCase()}`, pos);
}

function parseIonTimestamp(text: string): Timestamp | null {
  try {
    return Timestamp.parse(text);
  } catch {
    return null;
  }
}

// ---- CAST ----

export function castValue(v: Value, type: string, pos: Position): Value {
  if (v === MISSING) return MISSING;
  if (type === 'null') return nullValue();
  if (type === 'missing') return MISSING;
  if (isIon(v) && v.isNull()) return nullValue();
  const cannot = (): never => fail(`Cannot cast ${describe(v)} to ${type.toUpperCase()}`, pos);
  switch (type) {
    case 'any':
      return v;
    case 'bool':
    case 'boolean':
      if (isIon(v) && v.getType() === IonTypes.BOOL) return v;
      if (isNumeric(v)) return bool(numToNumber(toNum(v)) !== 0);
      if (isText(v)) {
        const t = v.stringValue()!.toLowerCase();
        if (t === 'true' || t === 'false') return bool(t === 'true');
      }
      return cannot();
    case 'int': case 'integer': case 'smallint': case 'int4': case 'int8': case 'bigint': {
      if (isIon(v) && v.getType() === IonTypes.BOOL) return int(v.booleanValue() ? 1 : 0);
      if (isNumeric(v)) {
        const n = toNum(v);
        if (n.kind === 'int') return v;
        if (n.kind === 'float') {
          if (!Number.isFinite(n.value)) return cannot();
          return int(BigInt(Math.trunc(n.value)));
        }
        return int(n.exponent >= 0 ? n.coefficient * 10n ** BigInt(n.exponent) : n.coefficient / 10n ** BigInt(-n.exponent));
      }
      if (isText(v)) {
        const t = v.stringValue()!.trim();
        if (/^[+-]?\d+$/.test(t)) return int(BigInt(t));
      }
      return cannot();
    }
    case 'float': case 'real': case 'double':
      if (isIon(v) && v.getType() === IonTypes.BOOL) return new dom.Float(v.booleanValue() ? 1 : 0);
      if (isNumeric(v)) return new dom.Float(numToNumber(toNum(v)));
      if (isText(v)) {
        const t = v.stringValue()!.trim();
        if (t !== '' && !Number.isNaN(Number(t))) return new dom.Float(Number(t));
      }
      return cannot();
    case 'decimal': case 'numeric': case 'dec':
      if (isIon(v) && v.getType() === IonTypes.BOOL) return new dom.Decimal(v.booleanValue() ? '1' : '0');
      if (isNumeric(v)) {
        const n = toNum(v);
        if (n.kind === 'decimal') return v;
        if (n.kind === 'int') return numToIon({ kind: 'decimal', coefficient: n.value, exponent: 0 });
        if (!Number.isFinite(n.value)) return cannot();
        return new dom.Decimal(new Decimal(String(n.value)));
      }
      if (isText(v)) {
        const t = v.stringValue()!.trim();
        if (/^[+-]?(\d+\.?\d*|\.\d+)([eEdD][+-]?\d+)?$/.test(t)) return new dom.Decimal(new Decimal(t.replace(/[eE]/, 'd')));
      }
      return cannot();
    case 'string': case 'varchar': case 'char': case 'character':
    case 'symbol': {
      const text = textForm(v);
      if (text === undefined) return cannot();
      return type === 'symbol' ? new dom.Symbol(text) : str(text);
    }
    case 'timestamp':
      if (isIon(v) && v.getType() === IonTypes.TIMESTAMP) return v;
      if (isText(v)) {
        const parsed = parseIonTimestamp(v.stringValue()!);
        if (parsed) return new dom.Timestamp(parsed);
      }
      return cannot();
    case 'clob':
    case 'blob':
      if (isIon(v) && (v.getType() === IonTypes.BLOB || v.getType() === IonTypes.CLOB)) {
        const bytes = v.uInt8ArrayValue()!;
        return type === 'blob' ? new dom.Blob(bytes) : new dom.Clob(bytes);
      }
      return cannot();
    case 'list':
    case 'sexp':
    case 'bag': {
      if (!isSequence(v)) return cannot();
      const items = elementsOf(v);
      if (type === 'bag') return new Bag(items);
      const ion = items.map(toIon).filter((x): x is dom.Value => x !== undefined);
      return type === 'list' ? new dom.List(ion) : new dom.SExpression(ion);
    }
    case 'struct':
    case 'tuple':
      if (isStruct(v)) return v;
      return cannot();
  }
  return cannot();
}

function textForm(v: Value): string | undefined {
  if (!isIon(v)) return undefined;
  switch (v.getType()) {
    case IonTypes.STRING:
    case IonTypes.SYMBOL:
      return v.stringValue()!;
    case IonTypes.BOOL:
      return v.booleanValue() ? 'true' : 'false';
    case IonTypes.INT:
      return v.bigIntValue()!.toString();
    case IonTypes.DECIMAL:
      return v.decimalValue()!.toString();
    case IonTypes.FLOAT:
      return String(v.numberValue());
    case IonTypes.TIMESTAMP:
      return v.timestampValue()!.toString();
    default:
      return undefined;
  }
}

function describe(v: Value): string {
  if (v instanceof Bag) return 'a bag';
  if (v === MISSING) return 'MISSING';
  return `a value of type ${(v as dom.Value).getType().name}`;
}
