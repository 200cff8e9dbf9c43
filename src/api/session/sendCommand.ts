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
import { badRequest } from '../../server/errors';
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
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw badRequest('The request must be a JSON object');
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
  const command = body[name];
  if (typeof command !== 'object' || Array.isArray(command)) throw badRequest(`${name} must be a JSON object`);
  const svc = TxnService.of(ctx.app);
  const cx = { op: ctx, svc, started } as CommandContext;
  if (name !== 'StartSession') {
    const token = requireString(body, 'SessionToken', 4, 1024, TOKEN_PATTERN);
    cx.session = svc.sessions.get(token, ctx.caller.accountId, ctx.caller.region);
  }
  return HANDLERS[name](command as Record<string, unknown>, cx);
}
