/**
 * What one statement may spend. Evaluation is synchronous on the server's only thread, so a
 * statement that runs long blocks every other ledger, and results are materialized before the
 * first page is sent, so a statement that produces too much exhausts the process. The evaluation
 * loops report each row they handle; every CHECK_EVERY rows the clock is read, which keeps the
 * cost of the checks negligible while bounding how far past a limit a statement can run.
 */
import { IonTypes } from 'ion-js';
import { StatementError } from './ledgerView';
import type { LedgerView } from './ledgerView';
import { Bag, MISSING, Value } from './values';

export interface StatementLimits {
  /** Wall-clock time one statement may run, in ms. */
  timeMs: number;
  /** Approximate bytes of values one statement may hold in results it is building. */
  bytes: number;
}

export const STATEMENT_LIMITS: Readonly<StatementLimits> = {
  // Below the 30 s transaction timeout: while a statement runs no other request is served, so
  // this is the longest any one client can stall the whole server. The server passes its
  // --statement-time-limit (default 10 s) in place of this default.
  timeMs: 3_000,
  // Results are held whole (and again as encoded pages) until the client has read them; this
  // keeps a statement's share of the heap to tens of MB whatever it joins or projects.
  bytes: 64 * 1024 * 1024,
};

const CHECK_EVERY = 1024;

/** Rough heap cost of one Ion DOM value and of one struct field beyond its value. */
const VALUE_OVERHEAD = 48;
const FIELD_OVERHEAD = 16;

export class StatementBudget {
  private rows = 0;
  private held = 0;
  private readonly started = Date.now();

  constructor(
    private readonly view: LedgerView,
    private readonly limits: Readonly<StatementLimits> = STATEMENT_LIMITS,
  ) {}

  /** One row read, bound or built; checks the clocks every CHECK_EVERY calls. */
  tick(): void {
    if (++this.rows % CHECK_EVERY === 0) this.checkTime();
  }

  checkTime(): void {
    const now = Date.now();
    // the transaction's own timeout first: the drivers know that error and start over
    if (now >= this.view.deadline) this.view.expired();
    if (now - this.started > this.limits.timeMs) {
      throw new StatementError(
        `Statement exceeded the time limit of ${this.limits.timeMs} ms; narrow it with a WHERE clause on an indexed field or document id`,
      );
    }
  }

  /** Where a collection being built starts, to hand back with `release` once it is done. */
  mark(): number {
    return this.held;
  }

  /** Counts a value a statement keeps in a collection it is building. */
  hold(v: Value): void {
    this.tick();
    this.held += approximateBytes(v) + VALUE_OVERHEAD;
    if (this.held > this.limits.bytes) {
      throw new StatementError(
        `Statement result exceeds the limit of ${Math.round(this.limits.bytes / (1024 * 1024))} MB; ` +
          'narrow it with a WHERE clause or project fewer fields',
      );
    }
  }

  /**
   * A finished collection is no longer being built: whatever keeps it (an enclosing row) counts it
   * again when it holds that row, so nested collections are not charged twice.
   */
  release(mark: number): void {
    this.held = mark;
  }
}

// Containers are measured once: a document read by every row of a join is the same DOM object.
const sizes = new WeakMap<object, number>();

/** Approximate heap bytes of a value: what matters is proportion, not precision. */
export function approximateBytes(v: Value): number {
  if (v === MISSING) return 0;
  if (v instanceof Bag) {
    let n = VALUE_OVERHEAD;
    for (const item of v.items) n += approximateBytes(item);
    return n;
  }
  const cached = sizes.get(v);
  if (cached !== undefined) return cached;
  let n = VALUE_OVERHEAD;
  for (const a of v.getAnnotations()) n += FIELD_OVERHEAD + a.length;
  if (v.isNull()) return n;
  switch (v.getType()) {
    case IonTypes.STRUCT:
      for (const [name, values] of v.allFields()) {
        for (const child of values) n += FIELD_OVERHEAD + name.length + approximateBytes(child);
      }
      sizes.set(v, n);
      return n;
    case IonTypes.LIST:
    case IonTypes.SEXP:
      for (const child of v.elements()) n += approximateBytes(child);
      sizes.set(v, n);
      return n;
    case IonTypes.STRING:
    case IonTypes.SYMBOL:
      return n + v.stringValue()!.length;
    case IonTypes.BLOB:
    case IonTypes.CLOB:
      return n + v.uInt8ArrayValue()!.length;
    default:
      return n + 16;
  }
}
