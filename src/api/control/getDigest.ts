import type { OperationContext } from '../types';
import type { StrandTip } from '../../storage/stores';
import { sharedPer } from '../sharedOutput';
import { digestAt } from './journalProofs';
import { addressText, ledgerJournal } from './journalViews';

/**
 * The answer at a tip: a store that hands out one tip object until the strand grows (SQLite's)
 * gets one shared answer per tip.
 */
const atTip = sharedPer((strand: Readonly<StrandTip>, digest: Buffer) => ({
  Digest: digest,
  DigestTipAddress: { IonText: addressText(strand.strandId, strand.tipSequenceNo) },
}));

/** GetDigest (journal spec §2.9, §3): the digest covering the whole strand, and its tip. */
export async function handle(input: { Name: string }, ctx: OperationContext) {
  // A digest is what auditors keep: it must never cover a block a power loss could take back.
  const pipeline = ctx.app.txn.pipeline;
  if (pipeline.inFlight > 0) await pipeline.durable();
  const { ledgerId, journal, strand } = await ledgerJournal(ctx, input.Name);
  return atTip(strand, await digestAt(journal, ledgerId, strand.tipSequenceNo));
}
