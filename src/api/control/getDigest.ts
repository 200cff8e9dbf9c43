import type { OperationContext } from '../types';
import { addressText, ledgerJournal } from './journalViews';

/** GetDigest (journal spec §2.9, §3): the digest covering the whole strand, and its tip. */
export async function handle(input: { Name: string }, ctx: OperationContext) {
  // a digest is what auditors keep: it must never cover a block a power loss could take back
  await ctx.app.txn.pipeline.durable();
  const { ledgerId, journal, strand } = ledgerJournal(ctx, input.Name);
  return {
    Digest: journal.digest(ledgerId, strand.tipSequenceNo),
    DigestTipAddress: { IonText: addressText(strand.strandId, strand.tipSequenceNo) },
  };
}
