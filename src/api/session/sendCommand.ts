/**
 * SendCommand, the session API's only operation: exactly one command per request, dispatched
 * to its handler. Session lookup (token, account, expiry) happens here for every command but
 * StartSession.
 *
 * Where QLDB is silent (journal spec §7 items 7-8), openqldb answers:
 * - StartTransaction while a transaction is open: BadRequestException (an expired one no longer
 *   counts as open). The drivers always commit or abort first.
 * - A failed statement (syntax, missing table, quota): BadRequestException; the statement leaves
 *   no effect and is not recorded in the block, but it still counts in the CommitDigest (it was
 *   received, §2.11). The transaction stays open; the drivers abort it.
 * - The CommitDigest folds every ExecuteStatement that names the open transaction and whose
 *   members have the right JSON types, before any limit is checked: a Statement over 100,000
 *   characters (or empty), an IonBinary over 128 KB, an IonText over 1 MB and a holder with
 *   several values all count, hashed as the Node driver hashes them (the statement as an Ion
 *   string, each parameter's first Ion value), because the driver folds each statement before
 *   sending it and a caller may catch the rejection and commit.
 * - A parameter that is not an Ion stream at all, or holds no value, is refused before the
 *   digest and the statement does not count in it. No driver can send one: the Node driver
 *   serialises each parameter with ion-js (always exactly one value) and hashes it before
 *   sending, and sends nothing when either fails. There is thus no driver digest to match, and
 *   leaving the statement out is the only digest a client can compute (the driver's hasher would
 *   throw on non-Ion; its SHA-256-of-nothing for an empty stream is an artefact we do not copy).
 *   The statement had no effect, so the digest still covers everything the transaction ran.
 * - Members of the wrong JSON type (a list for LedgerName, a number for SessionToken, a string for
 *   Parameters, a command that is not an object, bad base64 in a blob) are SerializationException,
 *   as on the control plane; missing members and constraint violations are BadRequestException.
 *   Both are 400s, which the drivers do not retry. Such a request never counts in the digest.
 * - AbortTransaction without an open transaction: succeeds, does nothing.
 * - A TransactionId that is not the session's open transaction: BadRequestException
 *   (`Transaction <id> is not open in this session`); an expired one: InvalidSessionException
 *   `Transaction <id> has expired`, as QLDB answers, and the session stays usable.
 * - CommitDigest mismatch: BadRequestException, nothing committed, the transaction stays open.
 *   OCC conflict: OccConflictException, the transaction is closed, the session stays usable.
 * - Pages hold at most 200 values. NextPageTokens are single-use and live as long as their
 *   transaction; a statement's ReadIOs are all reported with its first page.
 * - Every committed transaction writes one block, read-only and DDL-only ones included (QLDB's
 *   blocks list SELECTs too, so reads stay auditable).
 */
import { badRequest, serializationError } from '../../server/errors';
import { TxnService } from '../../txn/service';
import type { OperationContext } from '../types';
import { abortTransaction } from './abortTransaction';
import { commitTransaction } from './commitTransaction';
import { requireString, TOKEN_PATTERN, type CommandContext, type Handler } from './context';
import { endSession } from './endSession';
import { executeStatement } from './executeStatement';
import { fetchPage } from './fetchPage';
import { startSession } from './startSession';
import { startTransaction } from './startTransaction';

const HANDLERS: Record<string, Handler> = {
  StartSession: startSession,
  StartTransaction: startTransaction,
  EndSession: endSession,
  CommitTransaction: commitTransaction,
  AbortTransaction: abortTransaction,
  ExecuteStatement: executeStatement,
  FetchPage: fetchPage,
};
const COMMANDS = Object.keys(HANDLERS);

export async function handle(input: unknown, ctx: OperationContext): Promise<object> {
  const started = process.hrtime.bigint();
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw serializationError('The request body must be a JSON object');
  const body = input as Record<string, unknown>;
  const present = COMMANDS.filter((c) => body[c] !== undefined && body[c] !== null);
  if (present.length !== 1) {
    throw badRequest(
      present.length === 0
        ? `The request must contain exactly one command (${COMMANDS.join(', ')})`
        : `The request contains ${present.length} commands (${present.join(', ')}); send exactly one`,
    );
  }
  const name = present[0];
  if (ctx.trace) {
    ctx.trace.command = name;
    // StartSession names its ledger; every other command reaches it through the session
    const ledgerName = (body[name] as Record<string, unknown> | null)?.LedgerName;
    if (name === 'StartSession' && typeof ledgerName === 'string') ctx.trace.ledger = ledgerName.slice(0, 32);
  }
  const command = body[name];
  if (typeof command !== 'object' || Array.isArray(command)) {
    throw serializationError(`Unexpected value type for '${name}': expected an object`);
  }
  const svc = TxnService.of(ctx.app);
  const cx = { op: ctx, svc, started } as CommandContext;
  if (name !== 'StartSession') {
    const token = requireString(body, 'SessionToken', 4, 1024, TOKEN_PATTERN);
    cx.session = svc.sessions.get(token, ctx.caller.accountId, ctx.caller.region);
    if (ctx.trace) ctx.trace.ledger = cx.session.ledgerName;
  }
  return HANDLERS[name](command as Record<string, unknown>, cx);
}
