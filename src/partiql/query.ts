/**
 * SELECT: nested-loop iteration over the FROM sources (each source re-read for every row of the
 * sources before it — which is also how QLDB counts read IOs), WHERE, then projection or
 * aggregation.
 */
import { dom } from 'ion-js';
import type { Expr, Projection, SelectStatement } from './ast';
import { feedAggregate, finishAggregate, newAggregate } from './aggregates';
import { bind, Context, Frame } from './environment';
import { evaluate, isTrue } from './evaluator';
import { isAggregateName } from './functions';
import { conjunctsOf, planSources, SourcePlan } from './sources';
import { isStruct, MISSING, str, structWithRepeats, toIon, Value } from './values';

/**
 * Calls every complete, WHERE-qualified binding of the FROM clause. Each AND term of WHERE is
 * tested as soon as the sources it names are bound, so a join drops a row before reading the
 * sources after it; a term with an unqualified name waits for every source, because which row
 * such a name reads depends on all of them.
 */
export function forEachBinding(
  plans: SourcePlan[], where: Expr | undefined, env: Frame | undefined, ctx: Context, depth: number,
  onRow: (env: Frame | undefined) => void,
): void {
  const filters = filtersByLevel(plans, where, env);
  const passes = (level: number, frame: Frame | undefined): boolean => {
    for (const filter of filters[level]) if (!isTrue(evaluate(filter, frame, ctx, depth))) return false;
    return true;
  };
  const loop = (i: number, frame: Frame | undefined): void => {
    const plan = plans[i];
    for (const row of plan.rows(frame)) {
      ctx.budget.tick();
      let f = bind(frame, plan.alias, row.value, true, depth);
      if (plan.at) f = bind(f, plan.at, row.at ?? MISSING, false, depth);
      if (plan.by) f = bind(f, plan.by, row.id !== undefined ? str(row.id) : MISSING, false, depth);
      if (!passes(i, f)) continue;
      if (i + 1 === plans.length) onRow(f);
      else loop(i + 1, f);
    }
  };
  loop(0, env);
}

function filtersByLevel(plans: SourcePlan[], where: Expr | undefined, env: Frame | undefined): Expr[][] {
  const levels: Expr[][] = plans.map(() => []);
  if (!where) return levels;
  const last = plans.length - 1;
  if (last === 0) {
    levels[0].push(where);
    return levels;
  }
  const levelOf = new Map<string, number>();
  plans.forEach((p, i) => {
    for (const name of [p.alias, p.at, p.by]) if (name !== undefined) levelOf.set(name, i);
  });
  const outer = new Set<string>();
  for (let f = env; f; f = f.next) outer.add(f.name);
  for (const conjunct of conjunctsOf(where)) {
    const names = rootNames(conjunct);
    let level = 0;
    if (names === undefined) level = last;
    else {
      for (const name of names) {
        const bound = levelOf.get(name);
        if (bound !== undefined) level = Math.max(level, bound);
        else if (!outer.has(name)) level = last;
      }
    }
    levels[level].push(conjunct);
  }
  return levels;
}

/** The variable names an expression reads; undefined when it holds a subquery (it may read any). */
function rootNames(e: Expr, into = new Set<string>()): Set<string> | undefined {
  const all = (items: Expr[]) => items.every((item) => rootNames(item, into) !== undefined);
  switch (e.kind) {
    case 'id':
      into.add(e.name);
      return into;
    case 'literal':
    case 'param':
    case 'missing':
      return into;
    case 'path':
      return all([e.root, ...e.steps.flatMap((s) => (s.kind === 'index' ? [s.index] : []))]) ? into : undefined;
    case 'unary':
    case 'cast':
      return rootNames(e.operand, into);
    case 'binary':
      return all([e.left, e.right]) ? into : undefined;
    case 'between':
      return all([e.operand, e.low, e.high]) ? into : undefined;
    case 'in':
      return all([e.operand, ...(Array.isArray(e.list) ? e.list : [e.list])]) ? into : undefined;
    case 'like':
      return all([e.operand, e.pattern, ...(e.escape ? [e.escape] : [])]) ? into : undefined;
    case 'is':
      return rootNames(e.operand, into);
    case 'call':
      return all(e.args) ? into : undefined;
    case 'case':
      return all([...(e.subject ? [e.subject] : []), ...e.branches.flatMap((b) => [b.when, b.then]), ...(e.otherwise ? [e.otherwise] : [])])
        ? into
        : undefined;
    case 'struct':
      return all(e.fields.flatMap((f) => [f.name, f.value])) ? into : undefined;
    case 'list':
    case 'bag':
      return all(e.items) ? into : undefined;
    case 'subquery':
      return undefined;
  }
}

export function runSelect(stmt: SelectStatement, env: Frame | undefined, ctx: Context, depth: number): Value[] {
  const plans = planSources(stmt.from, conjunctsOf(stmt.where), env, ctx, depth);
  const aggregates = aggregateCalls(stmt);
  if (aggregates.length > 0) return [aggregateRow(stmt, plans, aggregates, env, ctx, depth)];
  const out: Value[] = [];
  const mark = ctx.budget.mark();
  forEachBinding(plans, stmt.where, env, ctx, depth, (row) => {
    const value = project(stmt, plans, row, ctx, depth);
    if (value === MISSING) return;
    ctx.budget.hold(value);
    out.push(value);
  });
  ctx.budget.release(mark);
  return out;
}

function project(stmt: SelectStatement, plans: SourcePlan[], row: Frame | undefined, ctx: Context, depth: number): Value {
  if (stmt.value) return evaluate(stmt.value, row, ctx, depth);
  if (!stmt.projections) return selectStar(plans, row);
  const fields: [string, dom.Value[]][] = [];
  stmt.projections.forEach((projection, position) => addProjection(fields, projection, position, row, ctx, depth));
  return structWithRepeats(fields);
}

/** `SELECT *`: a single struct row is returned as it is; several sources merge their fields. */
function selectStar(plans: SourcePlan[], row: Frame | undefined): Value {
  const values: Value[] = [];
  let f = row;
  for (let i = plans.length - 1; i >= 0; i--) {
    while (f && !(f.isSource && f.name === plans[i].alias)) f = f.next;
    values.unshift(f ? f.value : MISSING);
    f = f?.next;
  }
  if (values.length === 1 && isStruct(values[0])) return values[0];
  const fields: [string, dom.Value[]][] = [];
  values.forEach((v, position) => {
    if (isStruct(v)) for (const field of v.allFields()) fields.push(field);
    else {
      const ion = toIon(v);
      if (ion !== undefined) fields.push([`_${position + 1}`, [ion]]);
    }
  });
  return structWithRepeats(fields);
}

function addProjection(
  fields: [string, dom.Value[]][], projection: Projection, position: number, row: Frame | undefined, ctx: Context,
  depth: number,
): void {
  const value = evaluate(projection.expr, row, ctx, depth);
  if (projection.kind === 'all') {
    if (isStruct(value)) for (const field of value.allFields()) fields.push(field);
    else {
      const ion = toIon(value);
      if (ion !== undefined) fields.push([`_${position + 1}`, [ion]]);
    }
    return;
  }
  const ion = toIon(value);
  if (ion === undefined) return;
  fields.push([projection.alias ?? projectionName(projection.expr, position), [ion]]);
}

/** A path is named after its last field step (`metadata.id` → `id`); anything else is `_n`. */
function projectionName(expr: Expr, position: number): string {
  if (expr.kind === 'id') return expr.name;
  if (expr.kind === 'path') {
    const last = expr.steps[expr.steps.length - 1];
    if (last.kind === 'field') return last.name;
  }
  return `_${position + 1}`;
}

// ---- aggregation ----

const aggregateCache = new WeakMap<SelectStatement, (Expr & { kind: 'call' })[]>();

function aggregateCalls(stmt: SelectStatement): (Expr & { kind: 'call' })[] {
  let calls = aggregateCache.get(stmt);
  if (!calls) {
    calls = [];
    const roots = stmt.value ? [stmt.value] : (stmt.projections ?? []).map((p) => p.expr);
    for (const root of roots) collectAggregates(root, calls);
    aggregateCache.set(stmt, calls);
  }
  return calls;
}

function collectAggregates(e: Expr, into: (Expr & { kind: 'call' })[]): void {
  switch (e.kind) {
    case 'call':
      if (isAggregateName(e.name)) into.push(e);
      else e.args.forEach((a) => collectAggregates(a, into));
      return;
    case 'path':
      collectAggregates(e.root, into);
      return;
    case 'unary':
    case 'cast':
      collectAggregates(e.operand, into);
      return;
    case 'binary':
      collectAggregates(e.left, into);
      collectAggregates(e.right, into);
      return;
    case 'list':
    case 'bag':
      e.items.forEach((i) => collectAggregates(i, into));
      return;
    case 'struct':
      e.fields.forEach((f) => collectAggregates(f.value, into));
      return;
    case 'case':
      if (e.subject) collectAggregates(e.subject, into);
      e.branches.forEach((b) => {
        collectAggregates(b.when, into);
        collectAggregates(b.then, into);
      });
      if (e.otherwise) collectAggregates(e.otherwise, into);
      return;
    default:
      // subqueries aggregate on their own; other nodes hold no aggregate calls
      return;
  }
}

function aggregateRow(
  stmt: SelectStatement, plans: SourcePlan[], calls: (Expr & { kind: 'call' })[], env: Frame | undefined,
  ctx: Context, depth: number,
): Value {
  const states = calls.map(newAggregate);
  let lastRow: Frame | undefined = env;
  forEachBinding(plans, stmt.where, env, ctx, depth, (row) => {
    lastRow = row;
    for (const state of states) {
      feedAggregate(state, state.call.star ? undefined : evaluate(state.call.args[0], row, ctx, depth));
    }
  });
  const saved = ctx.aggregates;
  ctx.aggregates = new Map(saved ?? []);
  for (const state of states) ctx.aggregates.set(state.call, finishAggregate(state));
  try {
    return project(stmt, plans, lastRow, ctx, depth);
  } finally {
    ctx.aggregates = saved;
  }
}
