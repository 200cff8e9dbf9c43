/**
 * The PartiQL engine's entry point: one statement, its parameters, and the transaction's view of
 * the ledger in; result rows out. Parsing is cached by statement text because drivers send the
 * same parameterised statements over and over.
 */
import type { Statement } from './ast';
import { StatementBudget, STATEMENT_LIMITS, type StatementLimits } from './budget';
import { runDdl, runExec } from './ddl';
import { runInsert, runMutation } from './dml';
import type { Context } from './environment';
import { IonValue, LedgerView, StatementError } from './ledgerView';
import { parseStatement } from './parser';
import { runSelect } from './query';
import { toIon } from './values';

export { StatementError } from './ledgerView';
export type { IonValue, LedgerView } from './ledgerView';

export interface StatementResult {
  /** Result rows, each an ion-js DOM value. */
  values: IonValue[];
}

/** QLDB's statement length limit (§5.5). */
export const MAX_STATEMENT_LENGTH = 100_000;
const PARSE_CACHE_SIZE = 1000;
const parseCache = new Map<string, Statement>();

export function parse(statement: string): Statement {
  const cached = parseCache.get(statement);
  if (cached) return cached;
  if (statement.length > MAX_STATEMENT_LENGTH) {
    throw new StatementError(`Statement exceeds the maximum length of ${MAX_STATEMENT_LENGTH} characters`);
  }
  const parsed = parseStatement(statement);
  if (parseCache.size >= PARSE_CACHE_SIZE) parseCache.delete(parseCache.keys().next().value!);
  parseCache.set(statement, parsed);
  return parsed;
}

/** `limits` is for tests; the server runs every statement with STATEMENT_LIMITS. */
export function executeStatement(
  view: LedgerView, statement: string, parameters: IonValue[], limits: Readonly<StatementLimits> = STATEMENT_LIMITS,
): StatementResult {
  const stmt = parse(statement);
  const ctx: Context = { view, params: parameters, reads: 0, budget: new StatementBudget(view, limits) };
  try {
    return { values: run(stmt, ctx) };
  } finally {
    if (ctx.reads > 0) view.addReadIOs(ctx.reads);
  }
}

function run(stmt: Statement, ctx: Context): IonValue[] {
  switch (stmt.kind) {
    case 'select': {
      const rows: IonValue[] = [];
      // runSelect has already charged these rows to the budget while building them
      for (const value of runSelect(stmt, undefined, ctx, 0)) {
        const ion = toIon(value);
        if (ion !== undefined) rows.push(ion);
      }
      return rows;
    }
    case 'insert':
      return runInsert(stmt, ctx);
    case 'mutate':
      return runMutation(stmt, ctx);
    case 'exec':
      return runExec(stmt, ctx);
    default:
      return runDdl(stmt, ctx);
  }
}
