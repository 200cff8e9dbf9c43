/**
 * The session API as the drivers speak it: JSON 1.0 SendCommand, values as base64 Ion binary,
 * and the CommitDigest computed with the journal core's own CommitDigest (the server recomputes
 * it from what it received and refuses a commit that does not match).
 */
import { dom, load } from 'ion-js';
import { CommitDigest } from '../../../journal/commitDigest';
import { sendJson } from './http';

const HEADERS = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'QLDBSession.SendCommand' };

export interface Page {
  values: dom.Value[];
  nextPageToken?: string;
  readIOs?: number;
  serverMs?: number;
}

function decode(holders: { IonBinary?: string; IonText?: string }[] | undefined): dom.Value[] {
  return (holders ?? []).map((h) => load(h.IonBinary !== undefined ? Uint8Array.from(atob(h.IonBinary), (c) => c.charCodeAt(0)) : h.IonText ?? '')!);
}

function toPage(page: any, timing: any, ios: any): Page {
  return { values: decode(page?.Values), nextPageToken: page?.NextPageToken, readIOs: ios?.ReadIOs, serverMs: timing?.ProcessingTimeMilliseconds };
}

/** One session holding at most one transaction, for as long as the caller needs it. */
export class Session {
  private token?: string;
  private txn?: { id: string; digest: CommitDigest };

  constructor(readonly ledger: string) {}

  private async command(body: object): Promise<any> {
    return sendJson({ method: 'POST', path: '/', headers: HEADERS, body: JSON.stringify(this.token ? { SessionToken: this.token, ...body } : body) });
  }

  async begin(): Promise<string> {
    if (!this.token) this.token = (await this.command({ StartSession: { LedgerName: this.ledger } })).StartSession.SessionToken;
    const id: string = (await this.command({ StartTransaction: {} })).StartTransaction.TransactionId;
    this.txn = { id, digest: new CommitDigest(id) };
    return id;
  }

  /** The statement's first page; the server counts a refused statement in the digest too. */
  async execute(statement: string): Promise<Page> {
    const txn = this.txn!;
    txn.digest.addStatement(statement);
    const r = (await this.command({ ExecuteStatement: { TransactionId: txn.id, Statement: statement, Parameters: [] } })).ExecuteStatement;
    return toPage(r.FirstPage, r.TimingInformation, r.ConsumedIOs);
  }

  async fetchPage(nextPageToken: string): Promise<Page> {
    const r = (await this.command({ FetchPage: { TransactionId: this.txn!.id, NextPageToken: nextPageToken } })).FetchPage;
    return toPage(r.Page, r.TimingInformation, r.ConsumedIOs);
  }

  /** Every page of a statement, read IOs and server time summed over them. */
  async executeAll(statement: string): Promise<Page> {
    const first = await this.execute(statement);
    const all = { ...first };
    for (let token = first.nextPageToken; token; ) {
      const page = await this.fetchPage(token);
      all.values.push(...page.values);
      all.readIOs = (all.readIOs ?? 0) + (page.readIOs ?? 0);
      all.serverMs = (all.serverMs ?? 0) + (page.serverMs ?? 0);
      token = page.nextPageToken;
    }
    all.nextPageToken = undefined;
    return all;
  }

  async commit(): Promise<{ serverMs?: number }> {
    const txn = this.txn!;
    this.txn = undefined;
    const expected = txn.digest.digest().toString('base64');
    const r = (await this.command({ CommitTransaction: { TransactionId: txn.id, CommitDigest: expected } })).CommitTransaction;
    if (r.CommitDigest !== expected) throw new Error(`the server answered the commit of ${txn.id} with another CommitDigest than the statements sent`);
    return { serverMs: r.TimingInformation?.ProcessingTimeMilliseconds };
  }

  async abort(): Promise<void> {
    if (!this.txn) return;
    this.txn = undefined;
    await this.command({ AbortTransaction: {} }).catch(() => undefined);
  }

  async end(): Promise<void> {
    if (!this.token) return;
    await this.abort();
    await this.command({ EndSession: {} }).catch(() => undefined);
    this.token = undefined;
  }
}

/** Runs `work` in one transaction of a fresh session, committing if it returns, aborting if it throws. */
export async function inTransaction<T>(ledger: string, work: (s: Session) => Promise<T>): Promise<T> {
  const session = new Session(ledger);
  try {
    await session.begin();
    const result = await work(session);
    await session.commit();
    return result;
  } finally {
    await session.end();
  }
}
