import type { OperationContext } from '../types';
import { blockToIonText } from '../../journal/block';
import { blockProof } from './journalProofs';
import { addressedBlock, proofText } from './journalViews';

interface GetBlockInput {
  Name: string;
  BlockAddress: { IonText?: string };
  DigestTipAddress?: { IonText?: string };
}

/** GetBlock (journal spec §2.10, §3): the block as Ion text, and its proof when a tip is given. */
export async function handle(input: GetBlockInput, ctx: OperationContext) {
  const { ledgerId, journal, sequenceNo, tip, ion } = await addressedBlock(ctx, input);
  return {
    Block: { IonText: blockToIonText(ion) },
    Proof: tip === undefined ? undefined : { IonText: proofText(await blockProof(journal, ledgerId, sequenceNo, tip)) },
  };
}
