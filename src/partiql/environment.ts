/**
 * Variable bindings while a statement runs: a linked list of frames, innermost first, so that a
 * binding costs one allocation and a lookup walks only the handful of names in scope.
 */
import type { Expr } from './ast';
import type { StatementBudget } from './budget';
import type { IonValue, LedgerView } from './ledgerView';
import type { Value } from './values';

export interface Frame {
  readonly name: string;
  readonly value: Value;
  /** FROM-source rows are searched for unqualified field names; AT/BY variables are not. */
  readonly isSource: boolean;
  /** Nesting depth of the query that bound it (subqueries see outer frames). */
  readonly depth: number;
  readonly next: Frame | undefined;
}

export function bind(next: Frame | undefined, name: string, value: Value, isSource: boolean, depth: number): Frame {
  return { name, value, isSource, depth, next };
}

export interface Context {
  readonly view: LedgerView;
  readonly params: readonly IonValue[];
  /** Rows read from tables, the committed view, history() and the catalog (read IOs). */
  reads: number;
  /** Time and memory the statement may still spend; every evaluation loop reports to it. */
  readonly budget: StatementBudget;
  /** Results of aggregate calls, filled in when a SELECT aggregates over its rows. */
  aggregates?: Map<Expr, Value>;
}
