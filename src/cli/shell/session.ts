/**
 * One QLDB session kept open across prompts for an explicit transaction (BEGIN … COMMIT). The
 * driver only runs a transaction inside one callback, so this speaks SendCommand itself and
 * computes the CommitDigest with the journal's own CommitDigest, as the drivers do: every
 * statement sent is folded in, a failed one too (the server counts it as well).
 */
import { QLDBSessionClient, SendCommandCommand, type SendCommandRequest, type ValueHolder } from '@aws-sdk/client-qldb-session';
import { dom, load } from 'ion-js';
import { CommitDigest } from '../../journal/commitDigest';
import { isServiceError, isUnreachable } from './errors';

export interface StatementResult {
  values: dom.Value[];
  readIOs?: number;
  serverMs?: number;
}

const isExpiry = (e: unknown) => isServiceError(e) && e.name === 'InvalidSessionException' && /Transaction .* has expired/.test(e.message);
const isDeadSession = (e: unknown) => isServiceError(e) && e.name === 'InvalidSessionException' && !isExpiry(e);

export class TransactionSession {
  private token?: string;
  private txn?: { id: string; digest: CommitDigest };

  constructor(
    private readonly client: QLDBSessionClient,
    private readonly ledger: string,
  ) {}

  /** The open transaction's id, if one is open. */
  get transactionId(): string | undefined {
    return this.txn?.id;
  }

  /** Starts the session if there is none: the first call is the shell's check that the ledger answers. */
  async open(): Promise<void> {
    if (this.token) return;
    const r = await this.client.send(new SendCommandCommand({ StartSession: { LedgerName: this.ledger } }));
    this.token = r.StartSession!.SessionToken!;
  }

  async begin(): Promise<string> {
    try {
      return await this.startTransaction();
    } catch (e) {
      // an idle session expires on the server (QLDB: after 13–17 minutes); a fresh one is all it takes
      if (!isDeadSession(e)) throw e;
      this.token = undefined;
      return this.startTransaction();
    }
  }

  private async startTransaction(): Promise<string> {
    await this.open();
    const id = (await this.send({ StartTransaction: {} })).StartTransaction!.TransactionId!;
    this.txn = { id, digest: new CommitDigest(id) };
    return id;
  }

  async execute(statement: string): Promise<StatementResult> {
    const txn = this.txn!;
    txn.digest.addStatement(statement);
    try {
      const first = (await this.send({ ExecuteStatement: { TransactionId: txn.id, Statement: statement } })).ExecuteStatement!;
      const values = decode(first.FirstPage?.Values);
      let readIOs = first.ConsumedIOs?.ReadIOs;
      let serverMs = first.TimingInformation?.ProcessingTimeMilliseconds;
      for (let token = first.FirstPage?.NextPageToken; token; ) {
        const page = (await this.send({ FetchPage: { TransactionId: txn.id, NextPageToken: token } })).FetchPage!;
        values.push(...decode(page.Page?.Values));
        readIOs = sum(readIOs, page.ConsumedIOs?.ReadIOs);
        serverMs = sum(serverMs, page.TimingInformation?.ProcessingTimeMilliseconds);
        token = page.Page?.NextPageToken;
      }
      return { values, readIOs, serverMs };
    } catch (e) {
      await this.afterError(e);
      throw e;
    }
  }

  /** Commits the open transaction. Whatever the answer, the transaction is over afterwards. */
  async commit(): Promise<{ serverMs?: number }> {
    const txn = this.txn!;
    this.txn = undefined;
    try {
      const r = (await this.send({ CommitTransaction: { TransactionId: txn.id, CommitDigest: txn.digest.digest() } })).CommitTransaction!;
      if (!r.CommitDigest || !txn.digest.digest().equals(Buffer.from(r.CommitDigest))) {
        throw new Error(`the server answered the commit of ${txn.id} with another CommitDigest than the statements sent`);
      }
      return { serverMs: r.TimingInformation?.ProcessingTimeMilliseconds };
    } catch (e) {
      await this.afterError(e);
      throw e;
    }
  }

  /** Aborts the open transaction, if any. */
  async abort(): Promise<void> {
    if (!this.txn) return;
    this.txn = undefined;
    await this.send({ AbortTransaction: {} });
  }

  /** Aborts what is open and ends the session; errors are of no use to someone leaving. */
  async end(): Promise<void> {
    if (!this.token) return;
    await this.abort().catch(() => undefined);
    await this.send({ EndSession: {} }).catch(() => undefined);
    this.token = undefined;
  }

  /**
   * After a failed call: a statement the server refused (BadRequestException) leaves the
   * transaction open, as on the server; anything else ends it, and the server is told so unless
   * it already closed it (OCC conflict, expiry) or cannot be reached.
   */
  private async afterError(e: unknown): Promise<void> {
    if (this.txn && isServiceError(e) && e.name === 'BadRequestException') return;
    this.txn = undefined;
    if (isUnreachable(e) || isDeadSession(e)) {
      this.token = undefined;
      return;
    }
    if (isExpiry(e) || (isServiceError(e) && e.name === 'OccConflictException')) return;
    await this.send({ AbortTransaction: {} }).catch(() => (this.token = undefined));
  }

  private send(command: Omit<SendCommandRequest, 'SessionToken'>) {
    return this.client.send(new SendCommandCommand({ SessionToken: this.token, ...command }));
  }
}

function decode(values: ValueHolder[] | undefined): dom.Value[] {
  return (values ?? []).map((v) => load(v.IonBinary ?? v.IonText ?? '')!);
}

function sum(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
}
