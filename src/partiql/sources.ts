/**
 * FROM sources: what a name in FROM refers to (user view, committed view, history(), the
 * catalog, or a collection inside an earlier row) and how its rows are fetched. A table's rows
 * come from an index lookup or a document-id get when a WHERE conjunct pins them down
 * (a narrower OCC read set); otherwise from a scan. The full WHERE is still applied to every
 * row, so the access path changes only what is read, never the result.
 */
import { dom, IonTypes } from 'ion-js';
import type { Expr, FromSource } from './ast';
import { Context, Frame } from './environment';
import { evaluate } from './evaluator';
import { StatementError, TableInfo } from './ledgerView';
import type { DocumentRow, IonValue } from './ledgerView';
import { describePosition } from './lexer';
import {
  Bag, elementsOf, int, isAbsent, isIon, isSequence, MISSING, str, struct, Value,
} from './values';

export const COMMITTED_PREFIX = '_ql_committed_';

export interface SourceRow {
  value: Value;
  /** the AT variable's value (list position) */
  at?: Value;
  /** the document id, for BY */
  id?: string;
}

export type TableView = 'user' | 'committed';

export interface SourcePlan {
  /** The name the row is bound to. */
  alias: string;
  at?: string;
  by?: string;
  /** Set when the source is a user or committed table (DML needs it). */
  table?: { info: TableInfo; view: TableView };
  rows(env: Frame | undefined): Iterable<SourceRow>;
}

export function tableNotFound(name: string, pos: FromSource['pos']): StatementError {
  return new StatementError(`No such variable named '${name}' ${describePosition(pos)}`);
}

function defaultAlias(expr: Expr, position: number): string {
  if (expr.kind === 'id') return expr.name;
  if (expr.kind === 'path') {
    const last = expr.steps[expr.steps.length - 1];
    if (last.kind === 'field') return last.name;
  }
  return `_${position + 1}`;
}

/**
 * Plans every FROM source of one query. `conjuncts` are the top-level AND terms of WHERE (and of
 * INNER JOIN … ON), searched for `key = value` / `key IN (…)` terms that allow a narrow read.
 */
export function planSources(
  sources: FromSource[], conjuncts: Expr[], env: Frame | undefined, ctx: Context, depth: number,
): SourcePlan[] {
  const plans: SourcePlan[] = [];
  const boundBefore = new Set<string>();
  for (let f = env; f; f = f.next) boundBefore.add(f.name);
  sources.forEach((source, position) => {
    const alias = source.alias ?? defaultAlias(source.expr, position);
    const plan = planSource(source, alias, sources, conjuncts, boundBefore, ctx, depth);
    plans.push(plan);
    boundBefore.add(alias);
    if (source.at) boundBefore.add(source.at);
    if (source.by) boundBefore.add(source.by);
  });
  return plans;
}

function planSource(
  source: FromSource, alias: string, all: FromSource[], conjuncts: Expr[],
  boundBefore: Set<string>, ctx: Context, depth: number,
): SourcePlan {
  const { expr } = source;
  const base = { alias, at: source.at, by: source.by };

  if (expr.kind === 'id' && !boundBefore.has(expr.name)) {
    const view = ctx.view;
    const committed = expr.name.startsWith(COMMITTED_PREFIX);
    const tableName = committed ? expr.name.slice(COMMITTED_PREFIX.length) : expr.name;
    const info = view.activeTable(tableName);
    if (!info) throw tableNotFound(expr.name, expr.pos);
    const tableView: TableView = committed ? 'committed' : 'user';
    const toRow = (doc: DocumentRow): SourceRow | undefined => {
      if (!committed) return { value: doc.data, id: doc.id };
      const row = doc.committed();
      return row === undefined ? undefined : { value: row, id: doc.id };
    };
    let scanned: SourceRow[] | undefined;
    const scan = (): SourceRow[] => {
      if (!scanned) {
        scanned = [];
        for (const doc of view.scan(info.tableId)) {
          ctx.budget.tick();
          const row = toRow(doc);
          if (row) scanned.push(row);
        }
      }
      ctx.reads += scanned.length;
      return scanned;
    };
    const narrow = findNarrowRead(alias, source.by, tableView, info, all.length === 1, conjuncts, boundBefore);
    const rows = (env: Frame | undefined): Iterable<SourceRow> => {
      if (!narrow) return scan();
      const keys = narrow.values.map((e) => evaluate(e, env, ctx, depth));
      const found: SourceRow[] = [];
      const seen = new Set<string>();
      const add = (doc: DocumentRow | undefined) => {
        ctx.budget.tick();
        if (!doc || seen.has(doc.id)) return;
        seen.add(doc.id);
        const row = toRow(doc);
        if (row) found.push(row);
      };
      if (narrow.kind === 'id') {
        for (const key of keys) {
          // Document ids are strings; any other key can never be `=` to one.
          if (isIon(key) && key.getType() === IonTypes.STRING && !key.isNull()) add(view.get(info.tableId, key.stringValue()!));
        }
      } else {
        // MISSING and nulls are never `=` to anything; a bag key is not a value an index holds
        const present = keys.filter((k) => !isAbsent(k));
        if (present.some((k) => !isIon(k))) return scan();
        for (const key of present) for (const doc of view.lookup(info.tableId, narrow.field, key as IonValue)) add(doc);
      }
      ctx.reads += found.length;
      return found;
    };
    return { ...base, table: { info, view: tableView }, rows };
  }

  if (expr.kind === 'path' && expr.root.kind === 'id' && !boundBefore.has(expr.root.name) &&
      expr.root.name.toLowerCase() === 'information_schema') {
    const step = expr.steps[0];
    if (expr.steps.length !== 1 || step.kind !== 'field' || step.name.toLowerCase() !== 'user_tables') {
      throw new StatementError(`No such variable named '${expr.root.name}' ${describePosition(expr.pos)}`);
    }
    return {
      ...base,
      rows: () => {
        const rows = ctx.view.tables().map((t) => ({ value: catalogRow(t) }));
        ctx.reads += rows.length;
        return rows;
      },
    };
  }

  if (expr.kind === 'call' && expr.name === 'history') {
    return { ...base, rows: (env) => historyRows(expr, env, ctx, depth) };
  }

  return {
    ...base,
    rows: (env) => collectionRows(evaluate(expr, env, ctx, depth)),
  };
}

/** A FROM over a value: a collection yields its elements (lists with their position for AT). */
function collectionRows(v: Value): SourceRow[] {
  if (v === MISSING) return [];
  if (isSequence(v)) {
    const items = elementsOf(v);
    const positional = !(v instanceof Bag);
    return items.map((value, i) => (positional ? { value, at: int(i) } : { value }));
  }
  return [{ value: v }];
}

export function catalogRow(t: TableInfo): IonValue {
  const indexes = t.indexes.map((ix) =>
    struct([['indexId', str(ix.indexId)], ['expr', str(`[${ix.field}]`)], ['status', str(ix.status)]]),
  );
  return struct([
    ['tableId', str(t.tableId)],
    ['name', str(t.name)],
    ['indexes', new dom.List(indexes)],
    ['status', str(t.status)],
  ]);
}

function historyRows(expr: Expr & { kind: 'call' }, env: Frame | undefined, ctx: Context, depth: number): SourceRow[] {
  const [target, startExpr, endExpr] = expr.args;
  if (!target || expr.args.length > 3) {
    throw new StatementError(`history() takes a table and up to two timestamps ${describePosition(expr.pos)}`);
  }
  let tableId: string;
  if (target.kind === 'id') {
    const info = ctx.view.activeTable(target.name);
    if (!info) throw tableNotFound(target.name, target.pos);
    tableId = info.tableId;
  } else {
    const id = evaluate(target, env, ctx, depth);
    if (!isIon(id) || id.getType() !== IonTypes.STRING || id.isNull()) {
      throw new StatementError(`history() expects a table name or a table id string ${describePosition(target.pos)}`);
    }
    const wanted = id.stringValue()!;
    // A dropped table is reachable only through its id, which is why ids are accepted here.
    if (!ctx.view.tables().some((t) => t.tableId === wanted)) {
      throw new StatementError(`No such table id '${wanted}' ${describePosition(target.pos)}`);
    }
    tableId = wanted;
  }
  const bound = (e: Expr | undefined): Date | undefined => {
    if (!e) return undefined;
    const v = evaluate(e, env, ctx, depth);
    if (!isIon(v) || v.getType() !== IonTypes.TIMESTAMP || v.isNull()) {
      throw new StatementError(`history() bounds must be timestamps ${describePosition(e.pos)}`);
    }
    return v.timestampValue()!.getDate();
  };
  const start = bound(startExpr);
  const end = bound(endExpr);
  if (start && end && start.getTime() > end.getTime()) {
    throw new StatementError(`history() start time is after its end time ${describePosition(expr.pos)}`);
  }
  // §1.7: start ≤ end ≤ now; the journal has nothing to show for the future
  const now = Date.now();
  if (start && start.getTime() > now) {
    throw new StatementError(`history() start time is in the future ${describePosition(startExpr!.pos)}`);
  }
  if (end && end.getTime() > now) {
    throw new StatementError(`history() end time is in the future ${describePosition(endExpr!.pos)}`);
  }
  const rows: SourceRow[] = [];
  for (const revision of ctx.view.history(tableId, start, end)) {
    ctx.budget.tick();
    const id = revision.get('metadata', 'id');
    rows.push({ value: revision, id: id?.stringValue() ?? undefined });
  }
  ctx.reads += rows.length;
  return rows;
}

// ---- narrow reads ----

interface NarrowRead {
  kind: 'id' | 'index';
  field: string;
  /** candidate key values; a row qualifies if its key equals one of them */
  values: Expr[];
}

export function conjunctsOf(where: Expr | undefined): Expr[] {
  if (!where) return [];
  if (where.kind === 'binary' && where.op === 'and') return [...conjunctsOf(where.left), ...conjunctsOf(where.right)];
  return [where];
}

function findNarrowRead(
  alias: string, by: string | undefined, view: TableView, info: TableInfo, onlySource: boolean,
  conjuncts: Expr[], boundBefore: Set<string>,
): NarrowRead | undefined {
  const indexed = new Set(info.indexes.filter((ix) => ix.status === 'ONLINE').map((ix) => ix.field));
  const keyOf = (e: Expr): Omit<NarrowRead, 'values'> | undefined => {
    if (by !== undefined && e.kind === 'id' && e.name === by) return { kind: 'id', field: '' };
    const field = keyField(e, alias, view, onlySource, by, boundBefore);
    return field !== undefined && indexed.has(field) ? { kind: 'index', field } : undefined;
  };
  const independent = (e: Expr) => isIndependent(e, boundBefore);
  let best: NarrowRead | undefined;
  for (const c of conjuncts) {
    let read: NarrowRead | undefined;
    if (c.kind === 'binary' && c.op === '=') {
      const left = keyOf(c.left);
      const right = keyOf(c.right);
      if (left && independent(c.right)) read = { ...left, values: [c.right] };
      else if (right && independent(c.left)) read = { ...right, values: [c.left] };
    } else if (c.kind === 'in' && !c.negated && Array.isArray(c.list)) {
      const key = keyOf(c.operand);
      if (key && c.list.every(independent)) read = { ...key, values: c.list };
    }
    if (!read) continue;
    // A document-id get is the narrowest read there is.
    if (read.kind === 'id') return read;
    best ??= read;
  }
  return best;
}

/** The top-level document field an expression reads from this source's row, if it is one. */
function keyField(
  e: Expr, alias: string, view: TableView, onlySource: boolean, by: string | undefined, bound: Set<string>,
): string | undefined {
  const steps: string[] = [];
  let root: Expr = e;
  if (e.kind === 'path') {
    for (const step of e.steps) {
      if (step.kind !== 'field') return undefined;
      steps.push(step.name);
    }
    root = e.root;
  }
  if (root.kind !== 'id') return undefined;
  let path: string[];
  if (root.name === alias) path = steps;
  else if (onlySource && root.name !== by && !bound.has(root.name)) path = [root.name, ...steps];
  else return undefined;
  if (view === 'committed') {
    if (path.length !== 2 || path[0] !== 'data') return undefined;
    return path[1];
  }
  return path.length === 1 ? path[0] : undefined;
}

/**
 * An expression whose value is known before this source's rows are read: literals, parameters,
 * and variables bound by earlier sources or enclosing queries. Bare names that are not such
 * variables could be fields of this very row, so they disqualify it.
 */
function isIndependent(e: Expr, bound: Set<string>): boolean {
  switch (e.kind) {
    case 'literal':
    case 'param':
    case 'missing':
      return true;
    case 'id':
      return bound.has(e.name);
    case 'path':
      return isIndependent(e.root, bound) && e.steps.every((s) => s.kind === 'field' || isIndependent(s.index, bound));
    case 'unary':
      return isIndependent(e.operand, bound);
    case 'binary':
      return isIndependent(e.left, bound) && isIndependent(e.right, bound);
    case 'call':
      return !['count', 'sum', 'avg', 'min', 'max', 'utcnow'].includes(e.name) && e.args.every((a) => isIndependent(a, bound));
    case 'cast':
      return isIndependent(e.operand, bound);
    case 'list':
    case 'bag':
      return e.items.every((i) => isIndependent(i, bound));
    case 'struct':
      return e.fields.every((f) => isIndependent(f.name, bound) && isIndependent(f.value, bound));
    default:
      return false;
  }
}
