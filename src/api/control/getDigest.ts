import type { OperationContext } from '../types';
import { addressText, ledgerJournal } from './journalViews';

/** GetDigest (journal spec §2.9, §3): the digest covering the whole strand, and its tip. */
export function handle(input: { Name: string }, ctx: OperationContext) {
  const { ledgerId, journal, strand } = ledgerJournal(ctx, input.Name);
  return {
    Digest: journal.digest(ledgerId, strand.tipSequenceNo),
    DigestTipAddress: { IonText: addressText(strand.strandId, strand.tipSequenceNo) },
  };
}
