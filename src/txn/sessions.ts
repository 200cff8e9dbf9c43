/**
 * Sessions of the session API: in memory only (a restart loses them; the drivers replace a
 * session on a non-expiry InvalidSessionException), each bound to one ledger and one account,
 * with an absolute lifetime (QLDB: 13–17 min) and at most one open transaction.
 */
import { randomBytes } from 'node:crypto';
import { invalidSession, sessionLimitExceeded } from '../server/errors';
import { newId } from '../journal/ids';
import type { Transaction } from './transaction';

/** The unread rest of a result, served by FetchPage. */
export interface PendingPage {
  transactionId: string;
  values: string[];
  readIOs: number;
}

export interface Session {
  token: string;
  id: string;
  ledgerId: string;
  ledgerName: string;
  accountId: string;
  region: string;
  expiresAt: number;
  txn?: Transaction;
  /** CommitDigest accumulator etc. live on the session side of the transaction */
  txnExtra?: TxnExtra;
  /** ids of transactions of this session that expired, to answer "has expired" (bounded) */
  expiredTxns: string[];
  pages: Map<string, PendingPage>;
}

/** Session-side bookkeeping of the open transaction. */
export interface TxnExtra {
  digest: { addHashedStatement(statement: string, paramHashes: readonly Uint8Array[]): Buffer; digest(): Buffer };
}

export class SessionManager {
  private readonly byToken = new Map<string, Session>();
  private readonly perLedger = new Map<string, Set<Session>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly opts: {
      sessionTimeoutMs: number;
      maxSessionsPerLedger: number;
      transactionTimeoutMs: number;
      /** starts every token: names the node that holds the session (see server/forward.ts) */
      tokenPrefix?: string;
    },
    private readonly hooks: {
      /** a session goes away with a transaction still open */
      abandon(s: Session): void;
      /** periodic check of a live session (expires its transaction when due) */
      tick(s: Session, now: number): void;
    },
    private readonly now: () => number = Date.now,
  ) {
    // often enough that abandoned transactions release the OCC log soon after they expire
    const every = Math.max(250, Math.min(5000, opts.transactionTimeoutMs / 4, opts.sessionTimeoutMs / 4));
    this.timer = setInterval(() => this.sweep(), every);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  get size(): number {
    return this.byToken.size;
  }

  create(ledgerId: string, ledgerName: string, accountId: string, region: string): Session {
    let set = this.perLedger.get(ledgerId);
    if (set && set.size >= this.opts.maxSessionsPerLedger) {
      this.sweep(true);
      set = this.perLedger.get(ledgerId);
    }
    if (set && set.size >= this.opts.maxSessionsPerLedger) {
      throw sessionLimitExceeded(
        `Exceeded the limit of ${this.opts.maxSessionsPerLedger} active sessions for ledger ${ledgerName}`,
      );
    }
    const s: Session = {
      token: (this.opts.tokenPrefix ?? '') + randomBytes(48).toString('base64'),
      id: newId(),
      ledgerId,
      ledgerName,
      accountId,
      region,
      expiresAt: this.now() + this.opts.sessionTimeoutMs,
      expiredTxns: [],
      pages: new Map(),
    };
    this.byToken.set(s.token, s);
    if (!set) this.perLedger.set(ledgerId, (set = new Set()));
    set.add(s);
    return s;
  }

  /** The caller's live session for this token; InvalidSessionException otherwise. */
  get(token: string, accountId: string, region?: string): Session {
    const s = this.byToken.get(token);
    // another account's (or region's) token is as unknown as a made-up one
    if (!s || s.accountId !== accountId || (region !== undefined && s.region !== region)) throw invalidSession('No such session');
    if (this.now() >= s.expiresAt) {
      this.remove(s);
      throw invalidSession(`Session ${s.id} has expired`);
    }
    return s;
  }

  end(s: Session): void {
    this.remove(s);
  }

  /** Live sessions and open transactions of each ledger that has any (for metrics). */
  countsByLedger(): { ledger: string; sessions: number; transactions: number }[] {
    const now = this.now();
    const out: { ledger: string; sessions: number; transactions: number }[] = [];
    for (const set of this.perLedger.values()) {
      let sessions = 0;
      let transactions = 0;
      let ledger = '';
      for (const s of set) {
        if (now >= s.expiresAt) continue;
        ledger = s.ledgerName;
        sessions++;
        if (s.txn) transactions++;
      }
      if (sessions > 0) out.push({ ledger, sessions, transactions });
    }
    return out;
  }

  /** Ends every session of a ledger (it is being deleted). */
  dropLedger(ledgerId: string): void {
    for (const s of [...(this.perLedger.get(ledgerId) ?? [])]) this.remove(s);
  }

  private remove(s: Session): void {
    if (this.byToken.get(s.token) !== s) return;
    this.byToken.delete(s.token);
    const set = this.perLedger.get(s.ledgerId);
    set?.delete(s);
    if (set && set.size === 0) this.perLedger.delete(s.ledgerId);
    if (s.txn) this.hooks.abandon(s);
  }

  /** Drops expired sessions (and their transactions). */
  sweep(force = false): void {
    const now = this.now();
    for (const s of this.byToken.values()) {
      if (now >= s.expiresAt) this.remove(s);
      else if (!force) this.hooks.tick(s, now);
    }
  }
}
