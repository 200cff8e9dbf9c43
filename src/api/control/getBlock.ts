import type { OperationContext } from '../types';
import { blockToIonText } from '../../journal/block';
import { ledgerJournal, proofText, resolveAddresses } from './journalViews';

interface GetBlockInput {
  Name: string;
  BlockAddress: { IonText?: string };
  DigestTipAddress?: { IonText?: string };
}

/** GetBlock (journal spec §2.10, §3): the block as Ion text, and its proof when a tip is given. */
export async function handle(input: GetBlockInput, ctx: OperationContext) {
  await ctx.app.txn.pipeline.durable(); // never hand out a block a power loss could take back
  const { ledgerId, journal, strand } = ledgerJournal(ctx, input.Name);
  const { sequenceNo, tip } = resolveAddresses(strand, input);
  const ion = journal.block(ledgerId, sequenceNo);
  if (!ion) throw new Error(`block ${sequenceNo} of ledger ${ledgerId} is missing below the tip`);
  return {
    Block: { IonText: blockToIonText(ion) },
    Proof: tip === undefined ? undefined : { IonText: proofText(journal.blockProof(ledgerId, sequenceNo, tip)) },
  };
}
