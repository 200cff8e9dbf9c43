import type { OperationContext } from '../types';
import type { JournalStore, StrandTip } from '../../storage/sqlite/journalStore';
import { sharedPer } from '../sharedOutput';
import { addressText, ledgerJournal } from './journalViews';

/** The answer at a tip: the journal store hands out one tip object until the strand grows. */
const atTip = sharedPer((strand: Readonly<StrandTip>, ledgerId: string, journal: JournalStore) => ({
  Digest: journal.digest(ledgerId, strand.tipSequenceNo),
  DigestTipAddress: { IonText: addressText(strand.strandId, strand.tipSequenceNo) },
}));

/** GetDigest (journal spec §2.9, §3): the digest covering the whole strand, and its tip. */
export function handle(input: { Name: string }, ctx: OperationContext) {
  // A digest is what auditors keep: it must never cover a block a power loss could take back.
  // With no fsync running every written batch is on disk already, and the answer need not wait
  // a turn of the event loop for it.
  const pipeline = ctx.app.txn.pipeline;
  return pipeline.inFlight === 0 ? digest(input, ctx) : pipeline.durable().then(() => digest(input, ctx));
}

function digest(input: { Name: string }, ctx: OperationContext) {
  const lj = ledgerJournal(ctx, input.Name);
  return lj instanceof Promise ? lj.then((j) => atTip(j.strand, j.ledgerId, j.journal)) : atTip(lj.strand, lj.ledgerId, lj.journal);
}
