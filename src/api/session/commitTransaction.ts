import { badRequest } from '../../server/errors';
import { decodeBase64, requireOpenTransaction, requireTransactionId, timing, type CommandContext } from './context';

/**
 * CommitTransaction: the CommitDigest must equal the digest of every ExecuteStatement the server
 * received (§2.11) — otherwise BadRequest and nothing is committed (the transaction stays open,
 * the client may abort). On success the block is durable before we answer.
 */
export async function commitTransaction(cmd: Record<string, unknown>, cx: CommandContext): Promise<object> {
  const transactionId = requireTransactionId(cmd);
  if (cmd.CommitDigest === undefined || cmd.CommitDigest === null) throw badRequest('CommitDigest is required');
  const given = decodeBase64(cmd.CommitDigest, 'CommitDigest');
  const txn = requireOpenTransaction(cx, transactionId);
  const expected = cx.session.txnExtra!.digest.digest();
  if (!given.equals(expected)) {
    throw badRequest(
      `Transaction ${transactionId} cannot be committed: the CommitDigest does not match the statements the server received`,
    );
  }
  const outcome = await cx.svc.commit(cx.session, txn);
  return {
    CommitTransaction: {
      TransactionId: transactionId,
      CommitDigest: expected.toString('base64'),
      TimingInformation: timing(cx),
      ConsumedIOs: { ReadIOs: 0, WriteIOs: outcome.documentsWritten },
    },
  };
}
