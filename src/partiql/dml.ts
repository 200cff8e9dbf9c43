/**
 * INSERT, UPDATE, DELETE and `FROM … WHERE … SET/REMOVE/INSERT INTO`. INSERT and DELETE return
 * one `{documentId}` row per document written, the other forms one per operation per document
 * (see runMutation). Matching rows are collected before anything is written, so a statement
 * never sees its own writes while it runs.
 */
import { IonTypes } from 'ion-js';
import type { DmlOperation, Expr, InsertStatement, MutateStatement } from './ast';
import { certainlyWithin, ionBinarySize, MAX_NESTING_DEPTH, nestingExceeds } from './documentSize';
import { bind, Context, Frame } from './environment';
import { evaluate, isTrue } from './evaluator';
import { StatementError } from './ledgerView';
import type { IonValue } from './ledgerView';
import { describePosition } from './lexer';
import { insertAt, PathKey, removeAt, setAt } from './paths';
import { COMMITTED_PREFIX, conjunctsOf, planSources, tableNotFound } from './sources';
import { Bag, elementsOf, int, isIon, isText, MISSING, str, struct, toIon, Value } from './values';

/** QLDB's per-document limit, measured on the Ion binary encoding. */
export const MAX_DOCUMENT_BYTES = 128 * 1024;

/**
 * The `{documentId}` rows made here, with their ids: the session API writes them from a
 * template (api/session/results.ts), every DML statement answering one per document.
 */
export const documentIdRows = new WeakMap<IonValue, string>();

function documentIdRow(id: string): IonValue {
  const row = struct([['documentId', str(id)]]);
  documentIdRows.set(row, id);
  return row;
}

function checkDocument(v: IonValue | undefined, pos: Expr['pos']): IonValue {
  if (v === undefined || v.getType() !== IonTypes.STRUCT || v.isNull()) {
    throw new StatementError(`A document must be a struct ${describePosition(pos)}`);
  }
  if (nestingExceeds(v, MAX_NESTING_DEPTH)) {
    throw new StatementError(`Document nests deeper than the maximum of ${MAX_NESTING_DEPTH} levels ${describePosition(pos)}`);
  }
  if (certainlyWithin(v, MAX_DOCUMENT_BYTES)) return v;
  const size = ionBinarySize(v);
  if (size > MAX_DOCUMENT_BYTES) {
    throw new StatementError(
      `Document of ${size} bytes exceeds the maximum document size of ${MAX_DOCUMENT_BYTES} bytes ${describePosition(pos)}`,
    );
  }
  return v;
}

export function runInsert(stmt: InsertStatement, ctx: Context): IonValue[] {
  if (stmt.table.startsWith(COMMITTED_PREFIX)) {
    throw new StatementError(`The committed view is read-only ${describePosition(stmt.tablePos)}`);
  }
  const table = ctx.view.activeTable(stmt.table);
  if (!table) throw tableNotFound(stmt.table, stmt.tablePos);
  const value = evaluate(stmt.value, undefined, ctx, 0);
  let documents: Value[];
  if (stmt.single) documents = [value];
  else if (value instanceof Bag) documents = value.items;
  else if (isIon(value) && !value.isNull() && value.getType() === IonTypes.LIST) documents = elementsOf(value);
  else documents = [value];
  const checked = documents.map((d) => checkDocument(toIon(d), stmt.value.pos));
  return checked.map((doc) => documentIdRow(ctx.view.insert(table.tableId, doc)));
}

/** One way a document qualified: the variables bound and where each alias sits in the document. */
interface Binding {
  env: Frame | undefined;
  /** path from the document root to the value each DML alias is bound to */
  aliasKeys: Map<string, PathKey[]>;
}

export function runMutation(stmt: MutateStatement, ctx: Context): IonValue[] {
  const { source } = stmt;
  const tableExpr = source.expr as Expr & { kind: 'id' };
  if (tableExpr.name.startsWith(COMMITTED_PREFIX)) {
    throw new StatementError(`The committed view is read-only ${describePosition(tableExpr.pos)}`);
  }
  if (!ctx.view.activeTable(tableExpr.name)) throw tableNotFound(tableExpr.name, tableExpr.pos);
  const [plan] = planSources([source, ...stmt.nested], conjunctsOf(stmt.where), undefined, ctx, 0);
  const tableId = plan.table!.info.tableId;
  const matches: { id: string; doc: IonValue; bindings: Binding[] }[] = [];
  for (const row of plan.rows(undefined)) {
    ctx.budget.tick();
    let env = bind(undefined, plan.alias, row.value, true, 0);
    if (plan.by) env = bind(env, plan.by, str(row.id!), false, 0);
    const bindings: Binding[] = [];
    expandNested(stmt, 0, { env, aliasKeys: new Map([[plan.alias, []]]) }, ctx, bindings);
    if (bindings.length > 0) matches.push({ id: row.id!, doc: row.value as IonValue, bindings });
  }
  // QLDB answered one row per assignment, removal or INSERT INTO for each document, so
  // `SET a = ?, b = ?` gives two identical rows (AWS's DMV tutorial test asserts it), while the
  // document still changes once. A DELETE has no operations and answers one row.
  const rowsPerDocument = Math.max(1, stmt.operations.length);
  const rows: IonValue[] = [];
  for (const match of matches) {
    let doc = match.doc;
    let deleted = stmt.verb === 'delete';
    // Later bindings first: removing list elements back to front keeps earlier positions valid.
    for (const binding of [...match.bindings].reverse()) {
      for (const op of stmt.operations) {
        const keys = targetKeys(op.target, binding, ctx);
        // `REMOVE t` names the whole document, which makes it a DELETE.
        if (op.kind === 'remove' && keys.length === 0) deleted = true;
        else doc = applyOperation(doc, op, keys, binding.env, ctx);
      }
    }
    if (deleted) ctx.view.delete(tableId, match.id);
    else ctx.view.update(tableId, match.id, checkDocument(doc, stmt.pos));
    for (let i = 0; i < rowsPerDocument; i++) rows.push(documentIdRow(match.id));
  }
  return rows;
}

/**
 * `FROM T AS t, @t.list AS x …`: binds each nested source in turn to the values inside the
 * document, remembering their paths so that SET/REMOVE/INSERT through `x` edit the document.
 */
function expandNested(stmt: MutateStatement, i: number, binding: Binding, ctx: Context, out: Binding[]): void {
  if (i === stmt.nested.length) {
    if (!stmt.where || isTrue(evaluate(stmt.where, binding.env, ctx, 0))) out.push(binding);
    return;
  }
  const nested = stmt.nested[i];
  const alias = nested.alias ?? `_${i + 2}`;
  const base = targetKeys(nested.expr, binding, ctx);
  const root = nested.expr.kind === 'path' ? nested.expr.root : nested.expr;
  if (root.kind !== 'id' || !binding.aliasKeys.has(root.name)) {
    throw new StatementError(`A nested source must be a path inside the table being modified ${describePosition(nested.pos)}`);
  }
  const value = evaluate(nested.expr, binding.env, ctx, 0);
  const next = (v: Value, keys: PathKey[], at: Value | undefined) => {
    ctx.budget.tick();
    let env = bind(binding.env, alias, v, true, 0);
    if (nested.at) env = bind(env, nested.at, at ?? MISSING, false, 0);
    const aliasKeys = new Map(binding.aliasKeys);
    aliasKeys.set(alias, keys);
    expandNested(stmt, i + 1, { env, aliasKeys }, ctx, out);
  };
  if (value === MISSING) return;
  if (isIon(value) && !value.isNull() && (value.getType() === IonTypes.LIST || value.getType() === IonTypes.SEXP)) {
    value.elements().forEach((element, index) => next(element, [...base, index], int(index)));
  } else {
    next(value, base, undefined);
  }
}

function applyOperation(doc: IonValue, op: DmlOperation, keys: PathKey[], env: Frame | undefined, ctx: Context): IonValue {
  switch (op.kind) {
    case 'set': {
      const value = toIon(evaluate(op.value, env, ctx, 0));
      // `SET t = ?` through the table alias replaces the whole document (drivers use it for upserts).
      if (keys.length === 0) return checkDocument(value, op.value.pos);
      // Setting a field to MISSING removes it, as PartiQL defines.
      return value === undefined ? removeAt(doc, keys) : setAt(doc, keys, value);
    }
    case 'remove':
      return removeAt(doc, keys);
    case 'insertInto': {
      const value = toIon(evaluate(op.value, env, ctx, 0));
      if (value === undefined) throw new StatementError(`Cannot insert MISSING ${describePosition(op.target.pos)}`);
      let at: PathKey | undefined;
      if (op.at) {
        const key = evaluate(op.at, env, ctx, 0);
        if (isText(key)) at = key.stringValue()!;
        else if (isIon(key) && key.getType() === IonTypes.INT && !key.isNull()) at = Number(key.bigIntValue());
        else throw new StatementError(`AT must be a string or an integer ${describePosition(op.at.pos)}`);
      }
      return insertAt(doc, keys, value, at);
    }
  }
}

/**
 * The document path a DML target names: through an alias (`t.a.b`, `o.x` for a nested source),
 * or `a.b` read as a field of the document, as in `UPDATE T SET a.b = 1`.
 */
function targetKeys(target: Expr, binding: Binding, ctx: Context): PathKey[] {
  const root = target.kind === 'path' ? target.root : target;
  if (root.kind !== 'id') throw new StatementError(`Expected a path ${describePosition(target.pos)}`);
  const keys: PathKey[] = [...(binding.aliasKeys.get(root.name) ?? [root.name])];
  if (target.kind === 'path') {
    for (const step of target.steps) {
      if (step.kind === 'field') {
        keys.push(step.name);
        continue;
      }
      const index = evaluate(step.index, binding.env, ctx, 0);
      if (isText(index)) keys.push(index.stringValue()!);
      else if (isIon(index) && index.getType() === IonTypes.INT && !index.isNull()) keys.push(Number(index.bigIntValue()));
      else throw new StatementError(`A path index must be a string or an integer ${describePosition(target.pos)}`);
    }
  }
  return keys;
}
