/** What every session command handler gets, and the small helpers they share. */
import type { OperationContext } from '../types';
import type { TxnService } from '../../txn/service';
import type { Session } from '../../txn/sessions';
import type { Transaction } from '../../txn/transaction';
import { badRequest, serializationError } from '../../server/errors';

export interface CommandContext {
  op: OperationContext;
  svc: TxnService;
  /** the caller's session (absent only for StartSession) */
  session: Session;
  /** process.hrtime at the start of the request, for TimingInformation */
  started: bigint;
}

export type Handler = (command: Record<string, unknown>, cx: CommandContext) => object | Promise<object>;

export function timing(cx: CommandContext): { ProcessingTimeMilliseconds: number } {
  return { ProcessingTimeMilliseconds: Math.round(Number(process.hrtime.bigint() - cx.started) / 1e6) };
}

export const TOKEN_PATTERN = /^[A-Za-z-0-9+/=]+$/;
export const TXN_ID_PATTERN = /^[A-Za-z-0-9]+$/;

/**
 * As the control plane answers: a member of the wrong JSON type is a SerializationException (a
 * typed SDK call never sends one), a missing member or a constraint violation is a BadRequestException.
 */
export function requireStringType(cmd: Record<string, unknown>, member: string): string {
  const v = cmd[member];
  if (v === undefined || v === null) throw badRequest(`${member} is required`);
  if (typeof v !== 'string') throw serializationError(`Unexpected value type for '${member}': expected a string`);
  return v;
}

export function requireString(cmd: Record<string, unknown>, member: string, min: number, max: number, pattern?: RegExp): string {
  const v = requireStringType(cmd, member);
  if (v.length < min || v.length > max) {
    throw badRequest(
      min === max ? `${member} must be exactly ${min} characters long` : `${member} must be between ${min} and ${max} characters long`,
    );
  }
  if (pattern && !pattern.test(v)) throw badRequest(`${member} does not match the pattern ${pattern.source}`);
  return v;
}

export function requireTransactionId(cmd: Record<string, unknown>): string {
  return requireString(cmd, 'TransactionId', 22, 22, TXN_ID_PATTERN);
}

/**
 * The session's open transaction named by the command. An expired one answers QLDB's exact
 * `Transaction <id> has expired` (InvalidSessionException), which the drivers recognise.
 */
export function requireOpenTransaction(cx: CommandContext, transactionId: string): Transaction {
  const txn = cx.svc.openTransaction(cx.session, transactionId);
  if (!txn) throw badRequest(`Transaction ${transactionId} is not open in this session`);
  if (txn.state !== 'open') throw badRequest(`Transaction ${transactionId} is being committed`);
  return txn;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes a blob member. Anything but canonical base64 is a SerializationException: it is the
 * wire form of a blob that no SDK produces wrong, as the control plane answers.
 */
export function decodeBase64(value: unknown, member: string): Buffer {
  if (typeof value !== 'string' || !BASE64.test(value)) {
    throw serializationError(`Unexpected value type for '${member}': expected base64 data`);
  }
  return Buffer.from(value, 'base64');
}
