/**
 * SQL aggregates over the rows of one SELECT (QLDB has no GROUP BY, so there is one group).
 * NULL and MISSING inputs are skipped; over no input COUNT is 0 and the others are NULL.
 */
import type { Expr } from './ast';
import { StatementError } from './ledgerView';
import { describePosition } from './lexer';
import {
  arithmetic, compareValues, int, isAbsent, isIon, isNumeric, nullValue, Num, numToIon, toNum, Value,
} from './values';
import type { IonValue } from './ledgerView';

export interface AggregateState {
  call: Expr & { kind: 'call' };
  count: number;
  sum?: Num;
  best?: IonValue;
}

export function newAggregate(call: Expr & { kind: 'call' }): AggregateState {
  if (!call.star && call.args.length !== 1) {
    throw new StatementError(`${call.name.toUpperCase()} takes one argument ${describePosition(call.pos)}`);
  }
  if (call.star && call.name !== 'count') {
    throw new StatementError(`Only COUNT accepts * ${describePosition(call.pos)}`);
  }
  return { call, count: 0 };
}

/** `arg` is undefined for COUNT(*). */
export function feedAggregate(state: AggregateState, arg: Value | undefined): void {
  if (arg === undefined) {
    state.count++;
    return;
  }
  if (isAbsent(arg)) return;
  const { call } = state;
  switch (call.name) {
    case 'count':
      state.count++;
      return;
    case 'sum':
    case 'avg': {
      if (!isNumeric(arg)) {
        throw new StatementError(`${call.name.toUpperCase()} expects numbers ${describePosition(call.pos)}`);
      }
      const n = toNum(arg);
      state.sum = state.sum === undefined ? n : arithmetic('+', state.sum, n)!;
      state.count++;
      return;
    }
    case 'min':
    case 'max': {
      if (!isIon(arg)) return;
      if (state.best === undefined) {
        state.best = arg;
        return;
      }
      const order = compareValues(arg, state.best);
      if (order === undefined) {
        throw new StatementError(`${call.name.toUpperCase()} cannot compare these values ${describePosition(call.pos)}`);
      }
      if ((call.name === 'min' && order < 0) || (call.name === 'max' && order > 0)) state.best = arg;
      return;
    }
  }
}

export function finishAggregate(state: AggregateState): Value {
  switch (state.call.name) {
    case 'count':
      return int(state.count);
    case 'sum':
      return state.sum === undefined ? nullValue() : numToIon(state.sum);
    case 'avg': {
      if (state.sum === undefined) return nullValue();
      // An average of exact numbers is an exact decimal, as in PartiQL.
      const sum: Num = state.sum.kind === 'int' ? { kind: 'decimal', coefficient: state.sum.value, exponent: 0 } : state.sum;
      return numToIon(arithmetic('/', sum, { kind: 'int', value: BigInt(state.count) })!);
    }
    default:
      return state.best ?? nullValue();
  }
}
