/**
 * Expression evaluation with PartiQL's absent-value rules: MISSING and NULL propagate through
 * operators (MISSING wins), logic is three-valued, and a type mismatch in a comparison yields
 * MISSING rather than an error, so a WHERE clause simply does not match such a row.
 */
import { dom, IonTypes } from 'ion-js';
import type { Expr, PathStep } from './ast';
import { Context, Frame } from './environment';
import { callFunction, castValue, isAggregateName } from './functions';
import { StatementError } from './ledgerView';
import { describePosition } from './lexer';
import { runSelect } from './query';
import {
  arithmetic, Bag, bool, compareValues, deepEqual, elementsOf, isAbsent, isIon, isNumeric, isSequence,
  isStruct, isText, MISSING, nullValue, numToIon, str, toIon, toNum, Value,
} from './values';

export function evaluate(expr: Expr, env: Frame | undefined, ctx: Context, depth: number): Value {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'missing':
      return MISSING;
    case 'param': {
      const value = ctx.params[expr.index];
      if (value === undefined) {
        throw new StatementError(
          `No value was supplied for parameter ${expr.index + 1} ${describePosition(expr.pos)} ` +
            `(${ctx.params.length} parameter(s) given)`,
        );
      }
      return value;
    }
    case 'id':
      return resolveName(expr.name, env);
    case 'path':
      return evaluatePath(evaluate(expr.root, env, ctx, depth), expr.steps, env, ctx, depth);
    case 'unary':
      return evaluateUnary(expr.op, evaluate(expr.operand, env, ctx, depth));
    case 'binary':
      return evaluateBinary(expr, env, ctx, depth);
    case 'between': {
      const operand = evaluate(expr.operand, env, ctx, depth);
      const low = evaluate(expr.low, env, ctx, depth);
      const high = evaluate(expr.high, env, ctx, depth);
      const result = and(compare('>=', operand, low), compare('<=', operand, high));
      return expr.negated ? not(result) : result;
    }
    case 'in':
      return evaluateIn(expr, env, ctx, depth);
    case 'like':
      return evaluateLike(expr, env, ctx, depth);
    case 'is':
      return evaluateIs(evaluate(expr.operand, env, ctx, depth), expr.type, expr.negated);
    case 'call': {
      const precomputed = ctx.aggregates?.get(expr);
      if (precomputed !== undefined) return precomputed;
      if (isAggregateName(expr.name)) {
        throw new StatementError(
          `Aggregate function ${expr.name.toUpperCase()} is only allowed in a SELECT list ${describePosition(expr.pos)}`,
        );
      }
      const args = expr.args.map((a) => evaluate(a, env, ctx, depth));
      return callFunction(expr.name, args, ctx, expr.pos);
    }
    case 'cast':
      return castValue(evaluate(expr.operand, env, ctx, depth), expr.type, expr.pos);
    case 'case':
      return evaluateCase(expr, env, ctx, depth);
    case 'struct': {
      const fields: [string, dom.Value][] = [];
      for (const f of expr.fields) {
        const name = evaluate(f.name, env, ctx, depth);
        if (!isText(name)) {
          throw new StatementError(`Struct field names must be strings ${describePosition(f.name.pos)}`);
        }
        const value = toIon(evaluate(f.value, env, ctx, depth));
        if (value !== undefined) fields.push([name.stringValue()!, value]);
      }
      return new dom.Struct(fields);
    }
    case 'list': {
      const items: dom.Value[] = [];
      for (const item of expr.items) {
        const value = toIon(evaluate(item, env, ctx, depth));
        if (value !== undefined) items.push(value);
      }
      return new dom.List(items);
    }
    case 'bag':
      return new Bag(expr.items.map((item) => evaluate(item, env, ctx, depth)));
    case 'subquery':
      return new Bag(runSelect(expr.query, env, ctx, depth + 1));
  }
}

/**
 * A name is a variable bound by FROM/AT/BY, or else a field of the current FROM rows
 * (`SELECT Name FROM T` reads `T.Name`; with several sources, the first row that has the field).
 * QLDB matches every name case-sensitively, quoted or not.
 */
export function resolveName(name: string, env: Frame | undefined): Value {
  for (let f = env; f; f = f.next) if (f.name === name) return f.value;
  // Frames are innermost-first, so later hits are earlier FROM sources of the same query.
  let depth = -1;
  let found: Value = MISSING;
  for (let f = env; f; f = f.next) {
    if (!f.isSource) continue;
    if (f.depth !== depth) {
      if (found !== MISSING) return found;
      depth = f.depth;
    }
    const field = fieldOf(f.value, name);
    if (field !== MISSING) found = field;
  }
  return found;
}

export function fieldOf(container: Value, name: string): Value {
  if (!isStruct(container)) return MISSING;
  return container.get(name) ?? MISSING;
}

export function evaluatePath(
  root: Value, steps: PathStep[], env: Frame | undefined, ctx: Context, depth: number,
): Value {
  let current = root;
  for (const step of steps) {
    if (current === MISSING) return MISSING;
    if (step.kind === 'field') {
      current = fieldOf(current, step.name);
      continue;
    }
    const index = evaluate(step.index, env, ctx, depth);
    if (isText(index)) {
      current = fieldOf(current, index.stringValue()!);
    } else if (isIon(index) && index.getType() === IonTypes.INT && !index.isNull()) {
      current = elementAt(current, Number(index.bigIntValue()));
    } else {
      return MISSING;
    }
  }
  return current;
}

function elementAt(container: Value, index: number): Value {
  if (container instanceof Bag || !isSequence(container)) return MISSING;
  const items = elementsOf(container);
  return index >= 0 && index < items.length ? items[index] : MISSING;
}

// ---- operators ----

function absentResult(a: Value, b: Value): Value | undefined {
  if (a === MISSING || b === MISSING) return MISSING;
  if (isAbsent(a) || isAbsent(b)) return nullValue();
  return undefined;
}

function evaluateUnary(op: '-' | '+' | 'not', v: Value): Value {
  if (op === 'not') return not(v);
  if (v === MISSING) return MISSING;
  if (isAbsent(v)) return nullValue();
  if (!isNumeric(v)) return MISSING;
  if (op === '+') return v;
  const n = toNum(v);
  return numToIon(
    n.kind === 'int' ? { kind: 'int', value: -n.value }
      : n.kind === 'float' ? { kind: 'float', value: -n.value }
        : { kind: 'decimal', coefficient: -n.coefficient, exponent: n.exponent },
  );
}

function evaluateBinary(expr: Expr & { kind: 'binary' }, env: Frame | undefined, ctx: Context, depth: number): Value {
  const left = evaluate(expr.left, env, ctx, depth);
  if (expr.op === 'and') {
    if (isFalse(left)) return bool(false);
    return and(left, evaluate(expr.right, env, ctx, depth));
  }
  if (expr.op === 'or') {
    if (isTrue(left)) return bool(true);
    return or(left, evaluate(expr.right, env, ctx, depth));
  }
  const right = evaluate(expr.right, env, ctx, depth);
  switch (expr.op) {
    case '=':
    case '<>': {
      const absent = absentResult(left, right);
      if (absent !== undefined) return absent;
      const equal = deepEqual(left, right);
      return bool(expr.op === '=' ? equal : !equal);
    }
    case '<':
    case '>':
    case '<=':
    case '>=':
      return compare(expr.op, left, right);
    case '||': {
      const absent = absentResult(left, right);
      if (absent !== undefined) return absent;
      if (!isText(left) || !isText(right)) return MISSING;
      return str(left.stringValue()! + right.stringValue()!);
    }
    default: {
      const absent = absentResult(left, right);
      if (absent !== undefined) return absent;
      if (!isNumeric(left) || !isNumeric(right)) return MISSING;
      const result = arithmetic(expr.op, toNum(left), toNum(right));
      if (result === undefined) throw new StatementError(`Division by zero ${describePosition(expr.pos)}`);
      return numToIon(result);
    }
  }
}

export function compare(op: '<' | '>' | '<=' | '>=', left: Value, right: Value): Value {
  const absent = absentResult(left, right);
  if (absent !== undefined) return absent;
  if (!isIon(left) || !isIon(right)) return MISSING;
  const order = compareValues(left, right);
  if (order === undefined) return MISSING;
  switch (op) {
    case '<':
      return bool(order < 0);
    case '>':
      return bool(order > 0);
    case '<=':
      return bool(order <= 0);
    case '>=':
      return bool(order >= 0);
  }
}

export function isTrue(v: Value): boolean {
  return isIon(v) && v.getType() === IonTypes.BOOL && !v.isNull() && v.booleanValue() === true;
}

function isFalse(v: Value): boolean {
  return isIon(v) && v.getType() === IonTypes.BOOL && !v.isNull() && v.booleanValue() === false;
}

function isBoolOrAbsent(v: Value): boolean {
  return isAbsent(v) || (isIon(v) && v.getType() === IonTypes.BOOL);
}

function and(a: Value, b: Value): Value {
  if (isFalse(a) || isFalse(b)) return bool(false);
  if (!isBoolOrAbsent(a) || !isBoolOrAbsent(b)) return MISSING;
  if (isTrue(a) && isTrue(b)) return bool(true);
  return a === MISSING || b === MISSING ? MISSING : nullValue();
}

function or(a: Value, b: Value): Value {
  if (isTrue(a) || isTrue(b)) return bool(true);
  if (!isBoolOrAbsent(a) || !isBoolOrAbsent(b)) return MISSING;
  if (isFalse(a) && isFalse(b)) return bool(false);
  return a === MISSING || b === MISSING ? MISSING : nullValue();
}

function not(v: Value): Value {
  if (v === MISSING) return MISSING;
  if (isAbsent(v)) return nullValue();
  if (!isIon(v) || v.getType() !== IonTypes.BOOL) return MISSING;
  return bool(!v.booleanValue());
}

function evaluateIn(expr: Expr & { kind: 'in' }, env: Frame | undefined, ctx: Context, depth: number): Value {
  const operand = evaluate(expr.operand, env, ctx, depth);
  let candidates: Value[];
  if (Array.isArray(expr.list)) {
    candidates = expr.list.map((e) => evaluate(e, env, ctx, depth));
  } else {
    const list = expr.list;
    // SQL's `x IN (SELECT f FROM …)` compares with f itself, not with the row {f: …}
    const collection = list.kind === 'subquery' && list.query.projections?.length === 1 && list.query.projections[0].kind === 'expr'
      ? new Bag(runSelect({ ...list.query, value: list.query.projections[0].expr, projections: undefined }, env, ctx, depth + 1))
      : evaluate(list, env, ctx, depth);
    if (collection === MISSING) return MISSING;
    if (isAbsent(collection)) return nullValue();
    if (!isSequence(collection)) return MISSING;
    candidates = elementsOf(collection);
  }
  if (operand === MISSING) return MISSING;
  if (isAbsent(operand)) return nullValue();
  let sawAbsent = false;
  for (const candidate of candidates) {
    if (isAbsent(candidate)) {
      sawAbsent = true;
      continue;
    }
    if (deepEqual(operand, candidate)) return bool(!expr.negated);
  }
  return sawAbsent ? nullValue() : bool(expr.negated);
}

function evaluateLike(expr: Expr & { kind: 'like' }, env: Frame | undefined, ctx: Context, depth: number): Value {
  const operand = evaluate(expr.operand, env, ctx, depth);
  const pattern = evaluate(expr.pattern, env, ctx, depth);
  const escape = expr.escape ? evaluate(expr.escape, env, ctx, depth) : undefined;
  const absent = absentResult(operand, pattern);
  if (absent !== undefined) return absent;
  if (escape !== undefined && isAbsent(escape)) return escape === MISSING ? MISSING : nullValue();
  if (!isText(operand) || !isText(pattern) || (escape !== undefined && !isText(escape))) return MISSING;
  const escapeChar = escape === undefined ? undefined : (escape as dom.Value).stringValue()!;
  if (escapeChar !== undefined && [...escapeChar].length !== 1) {
    throw new StatementError(`LIKE ESCAPE must be a single character ${describePosition(expr.pos)}`);
  }
  const matched = likeToRegExp(pattern.stringValue()!, escapeChar, expr.pos).test(operand.stringValue()!);
  return bool(expr.negated ? !matched : matched);
}

const likeCache = new Map<string, RegExp>();

function likeToRegExp(pattern: string, escape: string | undefined, pos: Expr['pos']): RegExp {
  const key = `${escape ?? ''}\u0000${pattern}`;
  const cached = likeCache.get(key);
  if (cached) return cached;
  let source = '^';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (escape !== undefined && c === escape) {
      const next = chars[++i];
      if (next === undefined) throw new StatementError(`LIKE pattern ends with its escape character ${describePosition(pos)}`);
      source += next.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '%') source += '[\\s\\S]*';
    else if (c === '_') source += '[\\s\\S]';
    else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  const regexp = new RegExp(source + '$', 'u');
  if (likeCache.size > 1000) likeCache.clear();
  likeCache.set(key, regexp);
  return regexp;
}

function evaluateIs(v: Value, type: string, negated: boolean): Value {
  let result: boolean;
  switch (type) {
    case 'missing':
      result = v === MISSING;
      break;
    case 'null':
      // PartiQL: MISSING IS NULL is true, so that `WHERE f IS NULL` also finds documents without f.
      result = isAbsent(v);
      break;
    default:
      result = v !== MISSING && !(isIon(v) && v.isNull()) && hasType(v, type);
  }
  return bool(negated ? !result : result);
}

function hasType(v: Value, type: string): boolean {
  if (v instanceof Bag) return type === 'bag';
  const t = (v as dom.Value).getType();
  switch (type) {
    case 'bool':
    case 'boolean':
      return t === IonTypes.BOOL;
    case 'int': case 'integer': case 'smallint': case 'int4': case 'int8': case 'bigint':
      return t === IonTypes.INT;
    case 'float': case 'real': case 'double':
      return t === IonTypes.FLOAT;
    case 'decimal': case 'numeric': case 'dec':
      return t === IonTypes.DECIMAL;
    case 'string': case 'varchar': case 'char': case 'character':
      return t === IonTypes.STRING;
    case 'symbol':
      return t === IonTypes.SYMBOL;
    case 'timestamp':
      return t === IonTypes.TIMESTAMP;
    case 'clob':
      return t === IonTypes.CLOB;
    case 'blob':
      return t === IonTypes.BLOB;
    case 'list':
      return t === IonTypes.LIST;
    case 'sexp':
      return t === IonTypes.SEXP;
    case 'struct': case 'tuple':
      return t === IonTypes.STRUCT;
    case 'any':
      return true;
    default:
      return false;
  }
}

function evaluateCase(expr: Expr & { kind: 'case' }, env: Frame | undefined, ctx: Context, depth: number): Value {
  const subject = expr.subject ? evaluate(expr.subject, env, ctx, depth) : undefined;
  for (const branch of expr.branches) {
    const when = evaluate(branch.when, env, ctx, depth);
    const hit = subject === undefined
      ? isTrue(when)
      : !isAbsent(subject) && !isAbsent(when) && deepEqual(subject, when);
    if (hit) return evaluate(branch.then, env, ctx, depth);
  }
  return expr.otherwise ? evaluate(expr.otherwise, env, ctx, depth) : nullValue();
}

